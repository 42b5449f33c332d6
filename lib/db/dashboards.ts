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
}

/**
 * In one transaction: upserts every Feature row (labels, comments and lists that point at features
 * survive a recomputation), replaces the SAE's examples with the run's staged rows, stores the SAE's
 * metrics, marks the SAE ready and the run done. Returns the row counts written.
 */
export async function publishRun(
  runId: number,
  saeId: number,
  features: Iterable<FeatureRowValues>,
  summary: SaeDashboardSummary,
): Promise<{ features: number; examples: number }> {
  return rawSql().begin(async (tx) => {
    const featureCount = await upsertFeatureRows(tx, saeId, features);
    await tx`DELETE FROM "ActivationExample" WHERE "featureId" IN (SELECT "id" FROM "Feature" WHERE "saeId" = ${saeId})`;
    const inserted = await tx`
      INSERT INTO "ActivationExample" ("featureId", "kind", "rank", "intervalIndex", "intervalMin", "intervalMax",
        "contextIndex", "tokenIds", "values", "maxValue", "maxPosition")
      SELECT f."id", s."kind", s."rank", s."intervalIndex", s."intervalMin", s."intervalMax", s."contextIndex",
        s."tokenIds", s."values", s."maxValue", s."maxPosition"
      FROM "DashboardExampleStage" s JOIN "Feature" f ON f."saeId" = ${saeId} AND f."index" = s."featureIndex"
      WHERE s."runId" = ${runId}
      ORDER BY s."featureIndex", s."kind", s."intervalIndex" NULLS FIRST, s."rank"`;
    await tx`DELETE FROM "DashboardExampleStage" WHERE "runId" = ${runId}`;
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
