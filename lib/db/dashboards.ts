/**
 * Dashboard runs in PostgreSQL: progress and leases, checkpoints written in the same transaction as
 * the example rows they cover, bulk loading with COPY, and the one-transaction publish that turns a
 * finished run into Feature and ActivationExample rows.
 */
import { createHash } from "node:crypto";
import postgres from "postgres";
import { currentDatabaseUrl, parseDatabaseUrl } from "./connection";
import { BOSS_SCHEMA, QUEUES } from "../jobs/queues";

const DASHBOARD_QUEUE = QUEUES.dashboards.name;

type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

let shared: { url: string; sql: Sql } | undefined;

/** A raw postgres.js client (COPY needs it; Prisma has no COPY). One small pool per process. */
export function rawSql(): Sql {
  const url = currentDatabaseUrl();
  if (!shared || shared.url !== url) {
    const f = parseDatabaseUrl(url);
    shared = {
      url,
      sql: postgres({
        host: f.host, port: f.port, user: f.user, password: f.password, database: f.database,
        max: 4, onnotice: () => undefined, connection: { application_name: "featurescope-dashboards" },
      }),
    };
  }
  return shared.sql;
}

export async function closeRawSql(): Promise<void> {
  const current = shared;
  shared = undefined;
  await current?.sql.end({ timeout: 5 });
}

// ---------------------------------------------------------------------------------------------
// COPY text format
// ---------------------------------------------------------------------------------------------

export type CopyValue = string | number | boolean | null | undefined | ArrayLike<number>;

function escapeText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return String(value);
}

/** One field in COPY's text format (arrays as {a,b,c} literals; null as \N). */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "string") return escapeText(value);
  if (typeof value === "number") return numberText(value);
  if (typeof value === "boolean") return value ? "t" : "f";
  let out = "{";
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ",";
    out += numberText(value[i]);
  }
  return `${out}}`;
}

export function copyLine(fields: CopyValue[]): string {
  return `${fields.map(copyField).join("\t")}\n`;
}

/** COPY lines into a table (inside the caller's transaction when given one). */
export async function copyInto(sql: Sql | TransactionSql, table: string, columns: string[], lines: Iterable<string>): Promise<number> {
  const columnList = columns.map((c) => `"${c}"`).join(", ");
  const writable = await sql.unsafe(`COPY ${table} (${columnList}) FROM STDIN`).writable();
  let count = 0;
  let chunk = "";
  const flush = async () => {
    if (!chunk) return;
    const ok = writable.write(chunk);
    chunk = "";
    if (!ok) await new Promise<void>((resolve) => writable.once("drain", resolve));
  };
  const done = new Promise<void>((resolve, reject) => {
    writable.once("finish", resolve);
    writable.once("error", reject);
  });
  for (const line of lines) {
    chunk += line;
    count += 1;
    if (chunk.length > 1 << 20) await flush();
  }
  await flush();
  writable.end();
  await done;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

export type RunKind = "compute" | "neuronpedia";
export type RunStatus = "queued" | "running" | "done" | "failed";

export interface DashboardRunRow {
  id: number;
  saeId: number;
  kind: RunKind;
  status: RunStatus;
  phase: string;
  params: Record<string, unknown>;
  paramsHash: string;
  progress: number;
  batchesDone: number;
  batchesTotal: number;
  tokensDone: number;
  checkpoint: Uint8Array | null;
  message: string | null;
  error: { code?: string; message: string } | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function paramsHash(params: Record<string, unknown>): string {
  return createHash("sha256").update(stableJson(params)).digest("hex").slice(0, 32);
}

function toRun(row: Record<string, unknown>): DashboardRunRow {
  return {
    ...(row as unknown as DashboardRunRow),
    tokensDone: Number(row.tokensDone ?? 0),
    checkpoint: row.checkpoint ? new Uint8Array(row.checkpoint as Buffer) : null,
  };
}

/**
 * The run for (SAE, kind, params): created when new, else the existing one — so enqueueing the
 * same computation twice resumes one run. A failed run is set back to queued (its checkpoint kept).
 */
export async function findOrCreateRun(saeId: number, kind: RunKind, params: Record<string, unknown>): Promise<DashboardRunRow> {
  const sql = rawSql();
  const hash = paramsHash(params);
  const [row] = await sql`
    INSERT INTO "DashboardRun" ("saeId", "kind", "params", "paramsHash", "updatedAt")
    VALUES (${saeId}, ${kind}, ${sql.json(params as postgres.JSONValue)}, ${hash}, now())
    ON CONFLICT ("saeId", "kind", "paramsHash") DO UPDATE
      SET "status" = CASE WHEN "DashboardRun"."status" = 'failed' THEN 'queued' ELSE "DashboardRun"."status" END,
          "error" = CASE WHEN "DashboardRun"."status" = 'failed' THEN NULL ELSE "DashboardRun"."error" END,
          "updatedAt" = now()
    RETURNING *`;
  return toRun(row);
}

export async function getRun(runId: number): Promise<DashboardRunRow | null> {
  const [row] = await rawSql()`SELECT * FROM "DashboardRun" WHERE "id" = ${runId}`;
  return row ? toRun(row) : null;
}

/** Progress without the checkpoint bytes (for polling). */
export async function getRunProgress(runId: number): Promise<Omit<DashboardRunRow, "checkpoint"> | null> {
  const [row] = await rawSql()`
    SELECT "id", "saeId", "kind", "status", "phase", "params", "paramsHash", "progress", "batchesDone", "batchesTotal",
           "tokensDone", NULL AS "checkpoint", "message", "error", "leaseOwner", "leaseExpiresAt", "startedAt", "finishedAt",
           "createdAt", "updatedAt"
    FROM "DashboardRun" WHERE "id" = ${runId}`;
  return row ? toRun(row) : null;
}

export async function listRuns(limit = 50): Promise<Array<Omit<DashboardRunRow, "checkpoint"> & { saeName: string; modelName: string }>> {
  const rows = await rawSql()`
    SELECT r."id", r."saeId", r."kind", r."status", r."phase", r."params", r."paramsHash", r."progress", r."batchesDone",
           r."batchesTotal", r."tokensDone", NULL AS "checkpoint", r."message", r."error", r."leaseOwner", r."leaseExpiresAt",
           r."startedAt", r."finishedAt", r."createdAt", r."updatedAt", s."name" AS "saeName", m."name" AS "modelName"
    FROM "DashboardRun" r JOIN "Sae" s ON s."id" = r."saeId" JOIN "Model" m ON m."id" = s."modelId"
    ORDER BY r."updatedAt" DESC LIMIT ${limit}`;
  return rows.map((row) => ({ ...toRun(row), saeName: row.saeName as string, modelName: row.modelName as string }));
}

export class LeaseLostError extends Error {
  constructor(runId: number) {
    super(`dashboard run ${runId} is now owned by another worker`);
    this.name = "LeaseLostError";
  }
}

/**
 * Takes the run for `owner` unless another worker holds a fresh lease or it is done. Returns the
 * run (with its checkpoint) or null.
 */
export async function claimRun(runId: number, owner: string, leaseMs: number): Promise<DashboardRunRow | null> {
  const [row] = await rawSql()`
    UPDATE "DashboardRun"
    SET "leaseOwner" = ${owner}, "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond',
        "status" = 'running', "startedAt" = COALESCE("startedAt", now()), "error" = NULL, "updatedAt" = now()
    WHERE "id" = ${runId} AND "status" <> 'done'
      AND ("leaseOwner" IS NULL OR "leaseExpiresAt" < now() OR "leaseOwner" = ${owner})
    RETURNING *`;
  if (row) await rawSql()`UPDATE "Sae" SET "status" = 'computing', "updatedAt" = now() WHERE "id" = ${row.saeId as number} AND "status" <> 'ready'`;
  return row ? toRun(row) : null;
}

export interface ProgressUpdate {
  phase?: string;
  progress?: number;
  batchesDone?: number;
  batchesTotal?: number;
  tokensDone?: number;
  message?: string | null;
  params?: Record<string, unknown>;
}

async function updateRun(sql: Sql | TransactionSql, runId: number, owner: string, leaseMs: number, update: ProgressUpdate, checkpoint?: Uint8Array | null) {
  const fields: Record<string, unknown> = {};
  if (update.phase !== undefined) fields.phase = update.phase;
  if (update.progress !== undefined) fields.progress = update.progress;
  if (update.batchesDone !== undefined) fields.batchesDone = update.batchesDone;
  if (update.batchesTotal !== undefined) fields.batchesTotal = update.batchesTotal;
  if (update.tokensDone !== undefined) fields.tokensDone = update.tokensDone;
  if (update.message !== undefined) fields.message = update.message;
  if (update.params !== undefined) fields.params = sql.json(update.params as postgres.JSONValue);
  if (checkpoint !== undefined) fields.checkpoint = checkpoint === null ? null : Buffer.from(checkpoint.buffer, checkpoint.byteOffset, checkpoint.byteLength);
  const columns = Object.keys(fields);
  const result = columns.length
    ? await sql`
        UPDATE "DashboardRun" SET ${sql(fields as Record<string, postgres.ParameterOrJSON<never>>, columns)},
          "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
        WHERE "id" = ${runId} AND "leaseOwner" = ${owner}`
    : await sql`
        UPDATE "DashboardRun" SET "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
        WHERE "id" = ${runId} AND "leaseOwner" = ${owner}`;
  if (result.count === 0) throw new LeaseLostError(runId);
}

/** Progress (and a lease renewal) without a checkpoint. */
export async function reportProgress(runId: number, owner: string, leaseMs: number, update: ProgressUpdate): Promise<void> {
  await updateRun(rawSql(), runId, owner, leaseMs, update);
}

export const STAGE_COLUMNS = [
  "runId", "batch", "featureIndex", "kind", "rank", "intervalIndex", "intervalMin", "intervalMax",
  "contextIndex", "tokenIds", "values", "maxValue", "maxPosition",
] as const;

export interface StagedExample {
  batch: number;
  featureIndex: number;
  kind: "top" | "interval" | "random";
  rank: number;
  intervalIndex: number | null;
  intervalMin: number | null;
  intervalMax: number | null;
  contextIndex: number | null;
  tokenIds: ArrayLike<number>;
  values: ArrayLike<number>;
  maxValue: number;
  maxPosition: number;
}

function* stageLines(runId: number, rows: Iterable<StagedExample>): Generator<string> {
  for (const r of rows) {
    yield copyLine([
      runId, r.batch, r.featureIndex, r.kind, r.rank, r.intervalIndex, r.intervalMin, r.intervalMax,
      r.contextIndex, r.tokenIds, r.values, r.maxValue, r.maxPosition,
    ]);
  }
}

/**
 * Writes the example rows of the batches just finished and the checkpoint after them in ONE
 * transaction: either both are stored or neither, so a resume never sees rows without state.
 */
export async function saveCheckpoint(
  runId: number,
  owner: string,
  leaseMs: number,
  update: ProgressUpdate,
  checkpoint: Uint8Array,
  rows: StagedExample[] = [],
): Promise<void> {
  await rawSql().begin(async (tx) => {
    if (rows.length) await copyInto(tx, `"DashboardExampleStage"`, [...STAGE_COLUMNS], stageLines(runId, rows));
    await updateRun(tx, runId, owner, leaseMs, update, checkpoint);
  });
}

/** Drops staged rows from batch `fromBatch` on (written by an attempt that died before its checkpoint). */
export async function discardStagedRows(runId: number, fromBatch = 0): Promise<number> {
  const result = await rawSql()`DELETE FROM "DashboardExampleStage" WHERE "runId" = ${runId} AND "batch" >= ${fromBatch}`;
  return result.count;
}

export async function stagedRowCount(runId: number): Promise<number> {
  const [row] = await rawSql()`SELECT count(*)::int AS n FROM "DashboardExampleStage" WHERE "runId" = ${runId}`;
  return row.n as number;
}

export async function failRun(runId: number, owner: string | null, error: { code?: string; message: string }): Promise<void> {
  const sql = rawSql();
  const [row] = await sql`
    UPDATE "DashboardRun" SET "status" = 'failed', "error" = ${sql.json(error)}, "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
      "updatedAt" = now()
    WHERE "id" = ${runId} AND (${owner}::text IS NULL OR "leaseOwner" = ${owner} OR "leaseOwner" IS NULL)
    RETURNING "saeId"`;
  if (row) await sql`UPDATE "Sae" SET "status" = 'failed', "updatedAt" = now() WHERE "id" = ${row.saeId as number} AND "status" <> 'ready'`;
}

/** Lets another worker take the run at once (a graceful stop keeps the checkpoint). */
export async function releaseRun(runId: number, owner: string): Promise<void> {
  await rawSql()`
    UPDATE "DashboardRun" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "status" = 'queued', "updatedAt" = now()
    WHERE "id" = ${runId} AND "leaseOwner" = ${owner} AND "status" = 'running'`;
}

/**
 * Runs that should be running but whose worker is gone (lease expired), and queued runs untouched
 * for `queuedForSeconds` (their job may have been lost with a killed worker).
 */
export async function orphanedRuns(queuedForSeconds = 30): Promise<Array<{ id: number; kind: RunKind }>> {
  const sql = rawSql();
  // a queued run whose job is still waiting in pg-boss (behind a running one) is not orphaned: sending
  // it again every minute would only pile up jobs that are skipped later
  const [{ queue }] = await sql`SELECT to_regclass(${`${BOSS_SCHEMA}.job`}) IS NOT NULL AS queue`;
  const waiting = queue
    ? sql`AND NOT EXISTS (
        SELECT 1 FROM ${sql(BOSS_SCHEMA)}.job j
        WHERE j."name" = ${DASHBOARD_QUEUE} AND j."state" IN ('created', 'retry') AND j."data"->>'runId' = r."id"::text)`
    : sql``;
  const rows = await sql`
    SELECT r."id", r."kind" FROM "DashboardRun" r
    WHERE (r."status" = 'running' AND (r."leaseExpiresAt" IS NULL OR r."leaseExpiresAt" < now()))
       OR (r."status" = 'queued' AND r."updatedAt" <= now() - ${queuedForSeconds} * interval '1 second' ${waiting})
    ORDER BY r."id"`;
  return rows.map((r) => ({ id: r.id as number, kind: r.kind as RunKind }));
}

// ---------------------------------------------------------------------------------------------
// Publish
// ---------------------------------------------------------------------------------------------

/** Everything a Feature row holds from a dashboard computation or an import. */
export interface FeatureRowValues {
  index: number;
  maxActivation: number;
  density: number;
  dead: boolean;
  ultraRare: boolean;
  histogramMin: number | null;
  histogramMax: number | null;
  histogramCounts: ArrayLike<number>;
  intervalShares: ArrayLike<number>;
  logitTopTokenIds: ArrayLike<number>;
  logitTopValues: ArrayLike<number>;
  logitBottomTokenIds: ArrayLike<number>;
  logitBottomValues: ArrayLike<number>;
  logitHistogramMin: number | null;
  logitHistogramMax: number | null;
  logitHistogramCounts: ArrayLike<number>;
  neighborIndices: ArrayLike<number>;
  neighborCosines: ArrayLike<number>;
}

const FEATURE_COLUMNS = [
  "index", "maxActivation", "density", "dead", "ultraRare", "histogramMin", "histogramMax", "histogramCounts",
  "intervalShares", "logitTopTokenIds", "logitTopValues", "logitBottomTokenIds", "logitBottomValues",
  "logitHistogramMin", "logitHistogramMax", "logitHistogramCounts", "neighborIndices", "neighborCosines",
] as const;

function* featureLines(features: Iterable<FeatureRowValues>): Generator<string> {
  for (const f of features) yield copyLine(FEATURE_COLUMNS.map((c) => f[c]));
}

/**
 * COPYs feature rows into a temporary table and upserts them by (saeId, index), inside the caller's
 * transaction. Existing rows keep their id (labels, comments and lists that point at them survive).
 */
export async function upsertFeatureRows(tx: TransactionSql, saeId: number, features: Iterable<FeatureRowValues>): Promise<number> {
  const columns = FEATURE_COLUMNS.map((c) => `"${c}"`).join(", ");
  await tx.unsafe(`DROP TABLE IF EXISTS "FeatureLoad"`);
  await tx.unsafe(`CREATE TEMP TABLE "FeatureLoad" ON COMMIT DROP AS SELECT ${columns} FROM "Feature" WITH NO DATA`);
  const count = await copyInto(tx, `"FeatureLoad"`, [...FEATURE_COLUMNS], featureLines(features));
  const set = FEATURE_COLUMNS.filter((c) => c !== "index").map((c) => `"${c}" = EXCLUDED."${c}"`).join(", ");
  await tx.unsafe(
    `INSERT INTO "Feature" ("saeId", ${columns}) SELECT $1, ${columns} FROM "FeatureLoad" ORDER BY "index"
     ON CONFLICT ("saeId", "index") DO UPDATE SET ${set}`,
    [saeId],
  );
  return count;
}

/**
 * Runs `fn` and then stores the run's progress and checkpoint, in ONE transaction (the unit of
 * resumption for imports that write final rows as they go).
 */
export async function withCheckpoint<T>(
  runId: number,
  owner: string,
  leaseMs: number,
  update: ProgressUpdate,
  checkpoint: Uint8Array,
  fn: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  return rawSql().begin(async (tx) => {
    const result = await fn(tx);
    await updateRun(tx, runId, owner, leaseMs, update, checkpoint);
    return result;
  }) as Promise<T>;
}

/** Marks a run finished (for runs that wrote their rows as they went). */
export async function finishRun(runId: number, saeId: number): Promise<void> {
  const sql = rawSql();
  await sql`UPDATE "Sae" SET "status" = 'ready', "updatedAt" = now() WHERE "id" = ${saeId}`;
  await sql`
    UPDATE "DashboardRun" SET "status" = 'done', "phase" = 'done', "progress" = 1, "checkpoint" = NULL,
      "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "finishedAt" = now(), "updatedAt" = now()
    WHERE "id" = ${runId}`;
}

export interface SaeDashboardSummary {
  l0?: number | null;
  explainedVariance?: number | null;
  ceLossRecovered?: number | null;
  deadFraction?: number | null;
  denseFraction?: number | null;
  metricsDetails?: Record<string, unknown> | null;
  dashboardCorpus?: string | null;
  dashboardTokens?: number | null;
  dashboardContextSize?: number | null;
  /** The dashboard corpus's token frequencies (the built-in explainer's background). */
  tokenCounts?: { counts: ArrayLike<number>; tokens: number };
}

/**
 * In one transaction: upserts every Feature row (labels, comments and lists that point at features
 * survive a recomputation), replaces the SAE's examples with the run's staged rows (`keep` sampled
 * rows per interval and non-activating rows per feature, the earliest in the run's order), stores
 * the SAE's metrics, marks the SAE ready and the run done. Returns the row counts written.
 */
export async function publishRun(
  runId: number,
  saeId: number,
  features: Iterable<FeatureRowValues>,
  summary: SaeDashboardSummary,
  keep: { interval: number; random: number } = { interval: 5, random: 15 },
): Promise<{ features: number; examples: number }> {
  return rawSql().begin(async (tx) => {
    const featureCount = await upsertFeatureRows(tx, saeId, features);
    await tx`DELETE FROM "ActivationExample" WHERE "featureId" IN (SELECT "id" FROM "Feature" WHERE "saeId" = ${saeId})`;
    const inserted = await tx`
      INSERT INTO "ActivationExample" ("featureId", "kind", "rank", "intervalIndex", "intervalMin", "intervalMax",
        "contextIndex", "tokenIds", "values", "maxValue", "maxPosition")
      SELECT f."id", s."kind", s."slot", s."intervalIndex", s."intervalMin", s."intervalMax", s."contextIndex",
        s."tokenIds", s."values", s."maxValue", s."maxPosition"
      FROM (
        -- sampled rows (interval, random) are ranked by their context's position in the run's
        -- order: every shard sent its own first N per slot, the run keeps the N earliest
        SELECT x.*, CASE WHEN x."kind" = 'top' THEN x."rank"
                    ELSE (row_number() OVER (PARTITION BY x."featureIndex", x."kind", x."intervalIndex" ORDER BY x."rank", x."id") - 1)::int END AS "slot"
        FROM "DashboardExampleStage" x WHERE x."runId" = ${runId}
      ) s JOIN "Feature" f ON f."saeId" = ${saeId} AND f."index" = s."featureIndex"
      WHERE s."kind" = 'top'
         OR (s."kind" = 'interval' AND s."slot" < ${keep.interval})
         OR (s."kind" = 'random' AND s."slot" < ${keep.random})
      ORDER BY s."featureIndex", s."kind", s."intervalIndex" NULLS FIRST, s."slot"`;
    await tx`DELETE FROM "DashboardExampleStage" WHERE "runId" = ${runId}`;
    if (summary.tokenCounts) await storeTokenCounts(tx, saeId, summary.tokenCounts.counts, summary.tokenCounts.tokens);
    await tx`
      UPDATE "Sae" SET
        "l0" = COALESCE(${summary.l0 ?? null}::float8, "l0"),
        "explainedVariance" = COALESCE(${summary.explainedVariance ?? null}::float8, "explainedVariance"),
        "ceLossRecovered" = COALESCE(${summary.ceLossRecovered ?? null}::float8, "ceLossRecovered"),
        "deadFraction" = COALESCE(${summary.deadFraction ?? null}::float8, "deadFraction"),
        "denseFraction" = COALESCE(${summary.denseFraction ?? null}::float8, "denseFraction"),
        "metricsDetails" = COALESCE(${summary.metricsDetails ? tx.json(summary.metricsDetails as postgres.JSONValue) : null}::jsonb, "metricsDetails"),
        "dashboardCorpus" = COALESCE(${summary.dashboardCorpus ?? null}::text, "dashboardCorpus"),
        "dashboardTokens" = COALESCE(${summary.dashboardTokens ?? null}::bigint, "dashboardTokens"),
        "dashboardContextSize" = COALESCE(${summary.dashboardContextSize ?? null}::int, "dashboardContextSize"),
        "status" = 'ready', "updatedAt" = now()
      WHERE "id" = ${saeId}`;
    await tx`
      UPDATE "DashboardRun" SET "status" = 'done', "phase" = 'done', "progress" = 1, "checkpoint" = NULL,
        "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "finishedAt" = now(), "updatedAt" = now(), "message" = NULL
      WHERE "id" = ${runId}`;
    return { features: featureCount, examples: inserted.count };
  });
}

// ---------------------------------------------------------------------------------------------
// Groups and shards: one corpus pass for several SAEs, split among workers
// ---------------------------------------------------------------------------------------------

export type ShardPhase = "pass1" | "pass2" | "finalize";

/** One shard of a group's pass: batches [batchFrom, batchTo) of the group's processing order. */
export interface ShardRow {
  id: number;
  groupKey: string;
  runIds: number[];
  phase: ShardPhase;
  shard: number;
  shardCount: number;
  batchFrom: number;
  batchTo: number;
  status: "queued" | "running" | "done";
  batchesDone: number;
  tokensDone: number;
  checkpoint: Uint8Array | null;
  result: Uint8Array | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
}

function toShard(row: Record<string, unknown>): ShardRow {
  return {
    ...(row as unknown as ShardRow),
    tokensDone: Number(row.tokensDone ?? 0),
    checkpoint: row.checkpoint ? new Uint8Array(row.checkpoint as Buffer) : null,
    result: row.result ? new Uint8Array(row.result as Buffer) : null,
  };
}

const bytes = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** Runs `fn` in a transaction holding the group's lock (phase transitions happen one at a time). */
export async function withGroupLock<T>(groupKey: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  return rawSql().begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`featurescope-dashboard-group:${groupKey}`}))`;
    return fn(tx);
  }) as Promise<T>;
}

/**
 * The group `runId` belongs to, forming it when the run has none: every compute run not yet done,
 * of an SAE of the same model, without a group, whose corpus parameters have the same `corpusKey`
 * joins, and the first phase's shards are created. Null when the run is done or missing.
 */
export async function formGroup(
  runId: number,
  corpusKey: (params: Record<string, unknown>) => string,
  shardRanges: Array<[number, number]>,
): Promise<{ groupKey: string; runIds: number[]; formed: boolean } | null> {
  return rawSql().begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('featurescope-dashboard-groups'))`;
    const [run] = await tx`
      SELECT r."id", r."status", r."groupKey", r."params", s."modelId" FROM "DashboardRun" r JOIN "Sae" s ON s."id" = r."saeId"
      WHERE r."id" = ${runId}`;
    if (!run || run.status === "done") return null;
    if (run.groupKey) {
      const members = await tx`SELECT "id" FROM "DashboardRun" WHERE "groupKey" = ${run.groupKey as string} ORDER BY "id"`;
      return { groupKey: run.groupKey as string, runIds: members.map((m) => m.id as number), formed: false };
    }
    const key = corpusKey(run.params as Record<string, unknown>);
    const candidates = await tx`
      SELECT r."id", r."params" FROM "DashboardRun" r JOIN "Sae" s ON s."id" = r."saeId"
      WHERE r."kind" = 'compute' AND r."status" <> 'done' AND r."groupKey" IS NULL AND s."modelId" = ${run.modelId as number}
      ORDER BY r."id"`;
    const runIds = candidates.filter((c) => corpusKey(c.params as Record<string, unknown>) === key).map((c) => c.id as number);
    const groupKey = createHash("sha256").update(`${key}\0${runIds.join(",")}\0${Date.now()}`).digest("hex").slice(0, 32);
    await tx`UPDATE "DashboardRun" SET "groupKey" = ${groupKey}, "checkpoint" = NULL, "updatedAt" = now() WHERE "id" = ANY(${runIds})`;
    await insertShards(tx, groupKey, runIds, "pass1", shardRanges);
    return { groupKey, runIds, formed: true };
  }) as Promise<{ groupKey: string; runIds: number[]; formed: boolean } | null>;
}

export async function insertShards(tx: TransactionSql, groupKey: string, runIds: number[], phase: ShardPhase, ranges: Array<[number, number]>): Promise<void> {
  for (const [shard, [from, to]] of ranges.entries()) {
    await tx`
      INSERT INTO "DashboardShard" ("groupKey", "runIds", "phase", "shard", "shardCount", "batchFrom", "batchTo", "updatedAt")
      VALUES (${groupKey}, ${runIds}, ${phase}, ${shard}, ${ranges.length}, ${from}, ${to}, now())
      ON CONFLICT ("groupKey", "phase", "shard") DO NOTHING`;
  }
}

/** The group's shards without their state bytes. */
export async function listShards(sql: Sql | TransactionSql, groupKey: string): Promise<ShardRow[]> {
  const rows = await sql`
    SELECT "id", "groupKey", "runIds", "phase", "shard", "shardCount", "batchFrom", "batchTo", "status", "batchesDone", "tokensDone",
           NULL AS "checkpoint", NULL AS "result", "leaseOwner", "leaseExpiresAt"
    FROM "DashboardShard" WHERE "groupKey" = ${groupKey} ORDER BY "id"`;
  return rows.map(toShard);
}

/** The finished shards' results of one phase, by shard (only shards before `beforeShard` when given). */
export async function shardResults(sql: Sql | TransactionSql, groupKey: string, phase: ShardPhase, beforeShard?: number): Promise<Uint8Array[]> {
  const rows = await sql`
    SELECT "result" FROM "DashboardShard"
    WHERE "groupKey" = ${groupKey} AND "phase" = ${phase} AND "status" = 'done' AND "shard" < ${beforeShard ?? 2_147_483_647}
    ORDER BY "shard"`;
  return rows.map((r) => new Uint8Array(r.result as Buffer));
}

/**
 * Takes the group's next shard for `owner`: the earliest phase first, any shard nobody holds a
 * fresh lease on. Null when every shard there is is done or held by another worker.
 */
export async function claimShard(groupKey: string, owner: string, leaseMs: number): Promise<ShardRow | null> {
  const [row] = await rawSql()`
    UPDATE "DashboardShard" SET "leaseOwner" = ${owner}, "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond',
      "status" = 'running', "updatedAt" = now()
    WHERE "id" = (
      SELECT "id" FROM "DashboardShard"
      WHERE "groupKey" = ${groupKey} AND "status" <> 'done'
        AND ("leaseOwner" IS NULL OR "leaseExpiresAt" < now() OR "leaseOwner" = ${owner})
      ORDER BY CASE "phase" WHEN 'pass1' THEN 0 WHEN 'pass2' THEN 1 ELSE 2 END, "shard"
      LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING *`;
  return row ? toShard(row) : null;
}

async function updateShard(sql: Sql | TransactionSql, shardId: number, owner: string, leaseMs: number, fields: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(fields);
  const result = columns.length
    ? await sql`
        UPDATE "DashboardShard" SET ${sql(fields as Record<string, postgres.ParameterOrJSON<never>>, columns)},
          "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
        WHERE "id" = ${shardId} AND "leaseOwner" = ${owner}`
    : await sql`
        UPDATE "DashboardShard" SET "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
        WHERE "id" = ${shardId} AND "leaseOwner" = ${owner}`;
  if (result.count === 0) throw new LeaseLostError(shardId);
}

export async function renewShard(shardId: number, owner: string, leaseMs: number): Promise<void> {
  await updateShard(rawSql(), shardId, owner, leaseMs, {});
}

/**
 * Stores the example rows of the batches just finished (per run) and the shard's state after them
 * in ONE transaction; `final` also marks the shard done with `state` as its result.
 */
export async function saveShardState(
  shard: Pick<ShardRow, "id">,
  owner: string,
  leaseMs: number,
  progress: { batchesDone: number; tokensDone: number },
  state: Uint8Array,
  rows: Array<StagedExample & { runId: number }>,
  final: boolean,
): Promise<void> {
  await rawSql().begin(async (tx) => {
    if (rows.length) await copyInto(tx, `"DashboardExampleStage"`, [...STAGE_COLUMNS], stagedLines(rows));
    const fields: Record<string, unknown> = { batchesDone: progress.batchesDone, tokensDone: progress.tokensDone };
    if (final) Object.assign(fields, { status: "done", result: bytes(state), checkpoint: null, leaseOwner: null });
    else fields.checkpoint = bytes(state);
    await updateShard(tx, shard.id, owner, leaseMs, fields);
  });
}

function* stagedLines(rows: Iterable<StagedExample & { runId: number }>): Generator<string> {
  for (const r of rows) {
    yield copyLine([
      r.runId, r.batch, r.featureIndex, r.kind, r.rank, r.intervalIndex, r.intervalMin, r.intervalMax,
      r.contextIndex, r.tokenIds, r.values, r.maxValue, r.maxPosition,
    ]);
  }
}

/** Marks a shard that needs no state (the finalize step) done. */
export async function finishShard(shardId: number, owner: string): Promise<void> {
  await rawSql()`
    UPDATE "DashboardShard" SET "status" = 'done', "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now()
    WHERE "id" = ${shardId} AND "leaseOwner" = ${owner}`;
}

/** Lets another worker take the shard at once (it keeps its checkpoint). */
export async function releaseShard(shardId: number, owner: string): Promise<void> {
  await rawSql()`
    UPDATE "DashboardShard" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "status" = 'queued', "updatedAt" = now()
    WHERE "id" = ${shardId} AND "leaseOwner" = ${owner} AND "status" = 'running'`;
}

/** Drops the group's staged rows of batches [fromBatch, toBatch) (written after a shard's last checkpoint). */
export async function discardStagedBatches(runIds: number[], fromBatch: number, toBatch: number): Promise<number> {
  const result = await rawSql()`
    DELETE FROM "DashboardExampleStage" WHERE "runId" = ANY(${runIds}) AND "batch" >= ${fromBatch} AND "batch" < ${toBatch}`;
  return result.count;
}

/** Sampled rows already staged per (run, feature, kind, interval) for batches before `beforeBatch`. */
export async function stagedSampleCounts(runIds: number[], beforeBatch: number): Promise<Array<{ runId: number; featureIndex: number; kind: "interval" | "random"; intervalIndex: number | null; count: number }>> {
  const rows = await rawSql()`
    SELECT "runId", "featureIndex", "kind", "intervalIndex", count(*)::int AS "count" FROM "DashboardExampleStage"
    WHERE "runId" = ANY(${runIds}) AND "kind" <> 'top' AND "batch" < ${beforeBatch}
    GROUP BY 1, 2, 3, 4`;
  return rows as unknown as Array<{ runId: number; featureIndex: number; kind: "interval" | "random"; intervalIndex: number | null; count: number }>;
}

/** The merged first pass each run's second pass starts from, stored on the run (its checkpoint). */
export async function storeRunStates(tx: TransactionSql, states: Map<number, Uint8Array>): Promise<void> {
  for (const [runId, state] of states) {
    await tx`UPDATE "DashboardRun" SET "checkpoint" = ${bytes(state)}, "updatedAt" = now() WHERE "id" = ${runId}`;
  }
}

export async function runStates(runIds: number[]): Promise<Map<number, Uint8Array>> {
  const rows = await rawSql()`SELECT "id", "checkpoint" FROM "DashboardRun" WHERE "id" = ANY(${runIds}) AND "checkpoint" IS NOT NULL`;
  return new Map(rows.map((r) => [r.id as number, new Uint8Array(r.checkpoint as Buffer)]));
}

/**
 * Progress of every unfinished run of the group, from its shards (both passes count equally; the
 * last 10% is metrics and publishing), and the lease of the worker reporting it.
 */
export async function reportGroupProgress(
  groupKey: string,
  owner: string,
  leaseMs: number,
  update: { phase: string; message: string; status?: "running" | "queued" },
): Promise<void> {
  await rawSql()`
    WITH s AS (
      SELECT COALESCE(sum("batchesDone") FILTER (WHERE "phase" = 'pass1'), 0) AS p1,
             COALESCE(sum("batchesDone") FILTER (WHERE "phase" = 'pass2'), 0) AS p2,
             COALESCE(max("batchTo") FILTER (WHERE "phase" = 'pass1'), 0) AS total,
             COALESCE(sum("tokensDone"), 0) AS tokens
      FROM "DashboardShard" WHERE "groupKey" = ${groupKey})
    UPDATE "DashboardRun" r SET
      "progress" = CASE WHEN s.total > 0 THEN 0.9 * (s.p1 + s.p2) / (2.0 * s.total) ELSE 0 END,
      "batchesDone" = CASE WHEN ${update.phase} = 'pass1' THEN s.p1 ELSE s.p2 END, "batchesTotal" = s.total, "tokensDone" = s.tokens,
      "phase" = ${update.phase}, "message" = ${update.message}, "status" = ${update.status ?? "running"},
      "leaseOwner" = CASE WHEN ${update.status ?? "running"} = 'queued' THEN NULL ELSE ${owner} END,
      "leaseExpiresAt" = CASE WHEN ${update.status ?? "running"} = 'queued' THEN NULL ELSE now() + ${leaseMs} * interval '1 millisecond' END,
      "startedAt" = COALESCE(r."startedAt", now()), "updatedAt" = now()
    FROM s WHERE r."groupKey" = ${groupKey} AND r."status" <> 'done'`;
  if ((update.status ?? "running") === "running") {
    await rawSql()`
      UPDATE "Sae" SET "status" = 'computing', "updatedAt" = now()
      WHERE "id" IN (SELECT "saeId" FROM "DashboardRun" WHERE "groupKey" = ${groupKey}) AND "status" NOT IN ('ready', 'computing')`;
  }
}

/** Marks every unfinished run of the group failed (a shard's failure stops the whole pass). */
export async function failGroup(groupKey: string, error: { code?: string; message: string }): Promise<void> {
  const sql = rawSql();
  const rows = await sql`
    UPDATE "DashboardRun" SET "status" = 'failed', "error" = ${sql.json(error)}, "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now()
    WHERE "groupKey" = ${groupKey} AND "status" <> 'done'
    RETURNING "saeId"`;
  const saeIds = rows.map((r) => r.saeId as number);
  if (saeIds.length) await sql`UPDATE "Sae" SET "status" = 'failed', "updatedAt" = now() WHERE "id" = ANY(${saeIds}) AND "status" <> 'ready'`;
}

/** How often each token occurs in the SAE's dashboard corpus (counted positions only). */
export async function storeTokenCounts(tx: TransactionSql, saeId: number, counts: ArrayLike<number>, tokens: number): Promise<void> {
  await tx`
    INSERT INTO "SaeTokenCounts" ("saeId", "tokens", "counts") VALUES (${saeId}, ${tokens}, ${Array.from(counts)})
    ON CONFLICT ("saeId") DO UPDATE SET "tokens" = EXCLUDED."tokens", "counts" = EXCLUDED."counts"`;
}

/** Renews the lease of the group's unfinished runs (the worker is alive and working on them). */
export async function renewGroupRuns(groupKey: string, owner: string, leaseMs: number): Promise<void> {
  await rawSql()`
    UPDATE "DashboardRun" SET "leaseOwner" = ${owner}, "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
    WHERE "groupKey" = ${groupKey} AND "status" = 'running'`;
}

/** Forgets a group (the corpus changed under it): its shards and staged rows go, its runs are queued again. */
export async function resetGroup(groupKey: string): Promise<void> {
  await rawSql().begin(async (tx) => {
    await tx`DELETE FROM "DashboardExampleStage" WHERE "runId" IN (SELECT "id" FROM "DashboardRun" WHERE "groupKey" = ${groupKey})`;
    await tx`DELETE FROM "DashboardShard" WHERE "groupKey" = ${groupKey}`;
    await tx`
      UPDATE "DashboardRun" SET "groupKey" = NULL, "checkpoint" = NULL, "status" = 'queued', "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
        "updatedAt" = now()
      WHERE "groupKey" = ${groupKey} AND "status" <> 'done'`;
  });
}

/** Records the contexts' hash on every run of a new group (a later worker checks it saw the same corpus). */
export async function setGroupContextsHash(groupKey: string, hash: string): Promise<void> {
  const sql = rawSql();
  await sql`
    UPDATE "DashboardRun" SET "params" = "params" || ${sql.json({ contextsHash: hash })}, "updatedAt" = now()
    WHERE "groupKey" = ${groupKey}`;
}
