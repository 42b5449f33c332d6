/**
 * Imports an existing Neuronpedia export (features, activations and explanations as .jsonl.gz
 * batches) into the same tables the dashboard computation fills, for an SAE already registered.
 * Resumable: each batch file is written in one transaction together with the checkpoint saying it
 * is done, so a killed worker continues with the next file and no row is written twice.
 *
 * Field names follow Neuronpedia's exports: features {index, maxActApprox, frac_nonzero, pos_str,
 * pos_values, neg_str, neg_values, freq_hist_data_bar_heights/values, logits_hist_data_bar_heights/
 * values, topkCosSimIndices/Values}; activations {index, tokens, values, maxValue,
 * maxValueTokenIndex}; explanations {index, description, typeName, explanationModelName}.
 * Token strings are mapped to the model's token ids through the Token table.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { recordAudit } from "@/lib/db/audit";
import { db } from "@/lib/db/client";
import {
  claimRun, copyInto, copyLine, failRun, findOrCreateRun, finishRun, LeaseLostError, rawSql, upsertFeatureRows,
  type DashboardRunRow, type FeatureRowValues, type ProgressUpdate, type TransactionSql,
} from "@/lib/db/dashboards";
import type { RunOutcome } from "@/lib/dashboards/run";
import { bestScore, chooseCurrentLabel, type RankableLabel } from "@/lib/labels/ranking";
import { describeImportError, ImportError } from "./errors";

export type ExportFileKind = "features" | "activations" | "explanations";
const KIND_ORDER: ExportFileKind[] = ["features", "activations", "explanations"];

export interface NeuronpediaExportFiles {
  features: string[];
  activations: string[];
  explanations: string[];
}

/** The export's batch files by kind, each list in natural order (batch-2 before batch-10). */
export async function listExportFiles(dir: string): Promise<NeuronpediaExportFiles> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ImportError("NEURONPEDIA_EXPORT_INVALID", `${dir}: no such export folder`);
  const files: NeuronpediaExportFiles = { features: [], activations: [], explanations: [] };
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.jsonl(\.gz)?$/i.test(entry.name)) {
        const relative = path.relative(dir, full).toLowerCase();
        const kind = KIND_ORDER.find((k) => relative.includes(k.slice(0, -1)));
        if (kind) files[kind].push(full);
      }
    }
  };
  await walk(dir);
  const natural = new Intl.Collator("en", { numeric: true });
  for (const kind of KIND_ORDER) files[kind].sort(natural.compare);
  if (files.features.length === 0) {
    throw new ImportError("NEURONPEDIA_EXPORT_INVALID", `${dir}: no features batch files (expected features/*.jsonl.gz)`);
  }
  return files;
}

async function readJsonLines(file: string): Promise<Array<Record<string, unknown>>> {
  const raw = createReadStream(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  const rows: Array<Record<string, unknown>> = [];
  let lineNumber = 0;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    lineNumber += 1;
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      throw new ImportError("NEURONPEDIA_EXPORT_INVALID", `${file}:${lineNumber}: not a JSON line`);
    }
  }
  return rows;
}

const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number).filter((v) => Number.isFinite(v)) : []);

function featureIndex(row: Record<string, unknown>, file: string, dSae: number): number {
  const index = Number(row.index);
  if (!Number.isInteger(index) || index < 0 || index >= dSae) {
    throw new ImportError("NEURONPEDIA_EXPORT_INVALID", `${file}: feature index ${JSON.stringify(row.index)} is not in [0, ${dSae})`);
  }
  return index;
}

class TokenMap {
  constructor(private readonly ids: Map<string, number>) {}

  static async forModel(modelId: number): Promise<TokenMap> {
    const tokens = await db().token.findMany({ where: { modelId }, select: { tokenId: true, text: true }, orderBy: { tokenId: "asc" } });
    const ids = new Map<string, number>();
    for (const token of tokens) if (!ids.has(token.text)) ids.set(token.text, token.tokenId);
    return new TokenMap(ids);
  }

  unmatched = 0;

  id(text: unknown): number {
    const id = this.ids.get(String(text));
    if (id === undefined) {
      this.unmatched += 1;
      return -1;
    }
    return id;
  }
}

function toFeatureRow(row: Record<string, unknown>, index: number, tokens: TokenMap): FeatureRowValues {
  const density = Number(row.frac_nonzero ?? 0);
  const histValues = numbers(row.freq_hist_data_bar_values);
  const logitValues = numbers(row.logits_hist_data_bar_values);
  const cosIndices = numbers(row.topkCosSimIndices);
  const cosValues = numbers(row.topkCosSimValues);
  const neighbours = cosIndices.map((i, j) => [i, cosValues[j] ?? 0]).filter(([i]) => i !== index).slice(0, 10);
  const strings = (value: unknown) => (Array.isArray(value) ? value : []);
  return {
    index,
    maxActivation: Number(row.maxActApprox ?? 0),
    density,
    dead: !(density > 0),
    ultraRare: density > 0 && density < 1e-5,
    histogramMin: histValues.length ? histValues[0] : null,
    histogramMax: histValues.length ? histValues[histValues.length - 1] : null,
    histogramCounts: numbers(row.freq_hist_data_bar_heights).map(Math.round),
    intervalShares: [],
    logitTopTokenIds: strings(row.pos_str).map((t) => tokens.id(t)),
    logitTopValues: numbers(row.pos_values),
    logitBottomTokenIds: strings(row.neg_str).map((t) => tokens.id(t)),
    logitBottomValues: numbers(row.neg_values),
    logitHistogramMin: logitValues.length ? logitValues[0] : null,
    logitHistogramMax: logitValues.length ? logitValues[logitValues.length - 1] : null,
    logitHistogramCounts: numbers(row.logits_hist_data_bar_heights).map(Math.round),
    neighborIndices: neighbours.map(([i]) => i),
    neighborCosines: neighbours.map(([, v]) => v),
  };
}

async function writeActivations(tx: TransactionSql, saeId: number, file: string, rows: Array<Record<string, unknown>>, dSae: number, tokens: TokenMap) {
  await tx.unsafe(`DROP TABLE IF EXISTS "ExampleLoad"`);
  await tx.unsafe(`CREATE TEMP TABLE "ExampleLoad" ("featureIndex" int, "tokenIds" int[], "values" real[], "maxValue" real, "maxPosition" int) ON COMMIT DROP`);
  function* lines() {
    for (const row of rows) {
      const values = numbers(row.values);
      const ids = (Array.isArray(row.tokens) ? row.tokens : []).map((t) => tokens.id(t));
      const maxValue = Number(row.maxValue ?? Math.max(0, ...values));
      const maxPosition = Number.isInteger(row.maxValueTokenIndex) ? (row.maxValueTokenIndex as number) : values.indexOf(Math.max(...values));
      yield copyLine([featureIndex(row, file, dSae), ids, values, maxValue, Math.max(0, maxPosition)]);
    }
  }
  await copyInto(tx, `"ExampleLoad"`, ["featureIndex", "tokenIds", "values", "maxValue", "maxPosition"], lines());
  await tx`
    INSERT INTO "ActivationExample" ("featureId", "kind", "rank", "tokenIds", "values", "maxValue", "maxPosition")
    SELECT f."id", 'top', 0, e."tokenIds", e."values", e."maxValue", e."maxPosition"
    FROM "ExampleLoad" e JOIN "Feature" f ON f."saeId" = ${saeId} AND f."index" = e."featureIndex"`;
}

/** What an import did to labels, summed over its explanations files (kept in the checkpoint). */
export interface LabelImportCounts {
  /** new imported labels (explanations not seen before for that feature) */
  added: number;
  /** imported labels nobody touched whose explanation text changed: updated in place, as a new revision */
  updated: number;
  /** imported labels people touched since (edited, reviewed, voted, pinned, commented): left exactly as they are */
  keptEditedByPeople: number;
  /** imported labels nobody touched whose text is the same: nothing written */
  unchanged: number;
  /** rows not imported: no description, repeated in the same file, or for a feature the SAE does not have */
  skipped: number;
}

const emptyCounts = (): LabelImportCounts => ({ added: 0, updated: 0, keptEditedByPeople: 0, unchanged: 0, skipped: 0 });
/** How many label ids of each kind the audit event lists (the counts are always complete). */
const AUDIT_ID_LIMIT = 200;

/** What a run's checkpoint holds: files done, and the label counts of the explanations files among them. */
interface ImportCheckpoint {
  done: number;
  labels: LabelImportCounts;
  updatedLabelIds: number[];
  keptLabelIds: number[];
}

function addCounts(a: LabelImportCounts, b: LabelImportCounts): LabelImportCounts {
  return {
    added: a.added + b.added,
    updated: a.updated + b.updated,
    keptEditedByPeople: a.keptEditedByPeople + b.keptEditedByPeople,
    unchanged: a.unchanged + b.unchanged,
    skipped: a.skipped + b.skipped,
  };
}

/**
 * Like withCheckpoint (lib/db/dashboards.ts), but the checkpoint is what `fn` returns: an
 * explanations file's label counts are known only inside its transaction, and they must commit with
 * the file's rows and the "file done" mark, or a resumed run would count that file twice or never.
 */
async function withFileCheckpoint(
  runId: number, owner: string, leaseMs: number, update: Required<Pick<ProgressUpdate, "phase" | "batchesDone" | "batchesTotal" | "progress" | "message">>,
  fn: (tx: TransactionSql) => Promise<ImportCheckpoint>,
): Promise<ImportCheckpoint> {
  return rawSql().begin(async (tx) => {
    const state = await fn(tx);
    const checkpoint = Buffer.from(JSON.stringify(state));
    const result = await tx`
      UPDATE "DashboardRun" SET "phase" = ${update.phase}, "progress" = ${update.progress}, "batchesDone" = ${update.batchesDone},
        "batchesTotal" = ${update.batchesTotal}, "message" = ${update.message}, "checkpoint" = ${checkpoint},
        "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
      WHERE "id" = ${runId} AND "leaseOwner" = ${owner}`;
    if (result.count === 0) throw new LeaseLostError(runId);
    return state;
  }) as Promise<ImportCheckpoint>;
}

interface ExplanationContext {
  saeId: number;
  runId: number;
  exportDir: string;
  file: string;
  dSae: number;
}

const optionalString = (value: unknown): string | null =>
  (typeof value === "string" && value.trim()) || (typeof value === "number" && Number.isFinite(value)) ? String(value).trim() : null;

/**
 * An explanation's identity within its feature, so a re-import finds the label it made before: the
 * Neuronpedia explanation id when the export has one, else (method, explainer model, author). Rows
 * of one file that share an identity with different text get `#2`, `#3`… in file order.
 * Labels written before explanation keys existed (provenance `importedFrom`, no key) are matched on
 * their stored typeName and explanationModelName, preferring one with the same text, see LEGACY_KEY.
 */
function baseExplanationKey(row: Record<string, unknown>): string {
  const id = optionalString(row.id);
  if (id) return `id:${id}`;
  return `m:${optionalString(row.typeName) ?? ""}|${optionalString(row.explanationModelName) ?? ""}|${optionalString(row.authorId) ?? ""}`;
}

const IMPORTED_LABEL = `l."source" = 'model' AND COALESCE(l."provenance"->>'source', l."provenance"->>'importedFrom') = 'neuronpedia'`;
const LEGACY_KEY = `'m:' || COALESCE(l."provenance"->>'typeName', '') || '|' || COALESCE(l."provenance"->>'explanationModelName', '') || '|'`;

/**
 * One explanations file, set-based in the batch's transaction: COPY the rows into a temporary
 * table, classify each against the label an earlier import made for the same explanation (add /
 * update / kept / unchanged), insert and update with their revisions in two statements, and re-choose
 * the shown label of the features that got a new or changed label with the normal ranking rule.
 * Imported labels are never deleted, and a label people touched is never written to.
 */
async function writeExplanations(
  tx: TransactionSql, ctx: ExplanationContext, rows: Array<Record<string, unknown>>,
): Promise<{ counts: LabelImportCounts; updatedLabelIds: number[]; keptLabelIds: number[] }> {
  const counts = emptyCounts();
  const exportFile = path.relative(ctx.exportDir, ctx.file) || path.basename(ctx.file);
  const seenText = new Set<string>();
  const keyUses = new Map<string, number>();
  const loads: string[] = [];
  for (const row of rows) {
    const index = featureIndex(row, ctx.file, ctx.dSae);
    const text = typeof row.description === "string" ? row.description.replaceAll("\u0000", "").trim() : "";
    if (!text) {
      counts.skipped += 1;
      continue;
    }
    const base = baseExplanationKey(row);
    const textKey = `${index}\u0000${base}\u0000${text}`;
    if (seenText.has(textKey)) {
      counts.skipped += 1; // the same explanation twice in one file
      continue;
    }
    seenText.add(textKey);
    const uses = (keyUses.get(`${index}\u0000${base}`) ?? 0) + 1;
    keyUses.set(`${index}\u0000${base}`, uses);
    const key = uses === 1 ? base : `${base}#${uses}`;
    const provenance = {
      source: "neuronpedia",
      provider: "neuronpedia",
      model: optionalString(row.explanationModelName),
      method: optionalString(row.typeName),
      author: optionalString(row.authorId),
      explanationId: optionalString(row.id),
      explanationKey: key,
      exportDir: ctx.exportDir,
      exportFile,
      runId: ctx.runId,
    };
    const legacyKey = `m:${provenance.method ?? ""}|${provenance.model ?? ""}|`;
    loads.push(copyLine([index, key, legacyKey, text, JSON.stringify(provenance)]));
  }
  if (loads.length === 0) return { counts, updatedLabelIds: [], keptLabelIds: [] };

  await tx.unsafe(`DROP TABLE IF EXISTS "LabelLoad"`);
  await tx.unsafe(`DROP TABLE IF EXISTS "LabelPlan"`);
  await tx.unsafe(`CREATE TEMP TABLE "LabelLoad" ("featureIndex" int, "key" text, "legacyKey" text, "text" text, "provenance" jsonb) ON COMMIT DROP`);
  await copyInto(tx, `"LabelLoad"`, ["featureIndex", "key", "legacyKey", "text", "provenance"], loads);
  // Label writes lock the feature row first (lib/db/labels.ts), so holding these locks means no
  // person edits, votes on or pins one of these features' labels between the plan and the writes.
  await tx`
    SELECT count(*) FROM (
      SELECT f."id" FROM "Feature" f
      WHERE f."saeId" = ${ctx.saeId} AND f."index" IN (SELECT "featureIndex" FROM "LabelLoad")
      ORDER BY f."id" FOR UPDATE) locked`;
  // "touched by people": any version past the one the import wrote, a review, a vote, a pin, an
  // audited action on the label (label.update/accept/reject/reopen/vote/pin/unpin), or a comment on
  // its feature since the label was imported.
  await tx.unsafe(`
    CREATE TEMP TABLE "LabelPlan" ON COMMIT DROP AS
    SELECT ld."featureIndex", f."id" AS "featureId", ld."key", ld."text", ld."provenance", m."id" AS "labelId",
      CASE WHEN f."id" IS NULL THEN 'skip'
           WHEN m."id" IS NULL THEN 'add'
           WHEN m."touched" THEN 'kept'
           WHEN m."text" = ld."text" THEN 'same'
           ELSE 'update' END AS "action"
    FROM "LabelLoad" ld
    LEFT JOIN "Feature" f ON f."saeId" = ${Number(ctx.saeId)} AND f."index" = ld."featureIndex"
    LEFT JOIN LATERAL (
      SELECT l."id", l."text", (
        l."version" <> COALESCE((l."provenance"->>'importedVersion')::int, 1)
        OR l."status" <> 'draft'
        OR l."pinnedAt" IS NOT NULL
        OR EXISTS (SELECT 1 FROM "Vote" v WHERE v."labelId" = l."id")
        OR EXISTS (SELECT 1 FROM "AuditEvent" a WHERE a."targetType" = 'label' AND a."targetId" = l."id")
        OR EXISTS (SELECT 1 FROM "Comment" c WHERE c."featureId" = l."featureId" AND c."deletedAt" IS NULL AND c."createdAt" >= l."createdAt")
      ) AS "touched"
      FROM "Label" l
      WHERE l."featureId" = f."id" AND ${IMPORTED_LABEL}
        AND (l."provenance"->>'explanationKey' = ld."key"
             OR (l."provenance"->>'explanationKey' IS NULL AND ${LEGACY_KEY} = ld."legacyKey"))
      ORDER BY (l."provenance"->>'explanationKey' IS NOT NULL) DESC, (l."text" = ld."text") DESC, l."id" LIMIT 1
    ) m ON true`);

  const note = `imported from Neuronpedia export run ${ctx.runId} (${exportFile})`;
  await tx`
    WITH inserted AS (
      INSERT INTO "Label" ("featureId", "text", "source", "status", "version", "provenance", "updatedAt")
      SELECT "featureId", "text", 'model', 'draft', 1, "provenance" || '{"importedVersion": 1}'::jsonb, now()
      FROM "LabelPlan" WHERE "action" = 'add' ORDER BY "featureIndex", "key"
      RETURNING "id", "text", "status"
    )
    INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "note")
    SELECT "id", 1, "text", "status", ${note} FROM inserted`;
  // labels written without history get their starting point recorded first (as updateLabel does)
  await tx`
    INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "editorId", "createdAt")
    SELECT l."id", l."version", l."text", l."status", l."authorId", l."createdAt"
    FROM "LabelPlan" p JOIN "Label" l ON l."id" = p."labelId" WHERE p."action" = 'update'
    ON CONFLICT ("labelId", "version") DO NOTHING`;
  await tx`
    WITH updated AS (
      UPDATE "Label" l SET "text" = p."text", "version" = l."version" + 1,
        "provenance" = p."provenance" || jsonb_build_object('importedVersion', l."version" + 1), "updatedAt" = now()
      FROM "LabelPlan" p WHERE p."action" = 'update' AND l."id" = p."labelId"
      RETURNING l."id", l."version", l."text", l."status"
    )
    INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "note")
    SELECT "id", "version", "text", "status", ${`${note}: the explanation's text changed`} FROM updated`;

  // the shown label of every feature that got a new or changed label, by the normal ranking rule
  const candidates = await tx<Array<RankableLabel & { featureId: number }>>`
    SELECT l."id", l."featureId", l."status", l."source", l."voteScore", l."detectionScore", l."simulationScore", l."pinnedAt"
    FROM "Label" l
    WHERE l."featureId" IN (SELECT "featureId" FROM "LabelPlan" WHERE "action" IN ('add', 'update'))`;
  const byFeature = new Map<number, RankableLabel[]>();
  for (const label of candidates) {
    const list = byFeature.get(label.featureId) ?? [];
    list.push(label);
    byFeature.set(label.featureId, list);
  }
  const shown = [...byFeature].map(([featureId, labels]) => {
    const current = chooseCurrentLabel(labels);
    return { featureId, labelId: current?.id ?? null, status: current?.status ?? null, score: current ? bestScore(current) : null };
  });
  if (shown.length > 0) {
    await tx`
      UPDATE "Feature" f SET "currentLabelId" = s."labelId", "labelStatus" = s."status"::"LabelStatus", "labelScore" = s."score"
      FROM jsonb_to_recordset(${tx.json(shown)}) AS s("featureId" int, "labelId" int, "status" text, "score" real)
      WHERE f."id" = s."featureId"
        AND (f."currentLabelId" IS DISTINCT FROM s."labelId" OR f."labelStatus"::text IS DISTINCT FROM s."status"
             OR f."labelScore" IS DISTINCT FROM s."score")`;
  }

  const tally = await tx<Array<{ action: string; n: number; ids: number[] | null }>>`
    SELECT "action", count(*)::int AS "n", array_agg("labelId" ORDER BY "labelId") FILTER (WHERE "labelId" IS NOT NULL) AS "ids"
    FROM "LabelPlan" GROUP BY "action"`;
  let updatedLabelIds: number[] = [];
  let keptLabelIds: number[] = [];
  for (const { action, n, ids } of tally) {
    if (action === "add") counts.added += n;
    else if (action === "same") counts.unchanged += n;
    else if (action === "skip") counts.skipped += n;
    else if (action === "update") {
      counts.updated += n;
      updatedLabelIds = (ids ?? []).slice(0, AUDIT_ID_LIMIT);
    } else if (action === "kept") {
      counts.keptEditedByPeople += n;
      keptLabelIds = (ids ?? []).slice(0, AUDIT_ID_LIMIT);
    }
  }
  return { counts, updatedLabelIds, keptLabelIds };
}

/**
 * The export's batch files as (relative path, size, modification time), hashed: a run is identified
 * by the folder and this fingerprint, so importing an unchanged export again finds the finished run
 * and does nothing, while an export replaced or updated in the same folder is imported again (which
 * never loses what people did to the labels, see writeExplanations).
 */
async function exportFingerprint(exportDir: string, files: NeuronpediaExportFiles): Promise<string> {
  const hash = createHash("sha256");
  for (const kind of KIND_ORDER) {
    for (const file of files[kind]) {
      const info = await stat(file);
      hash.update(`${kind}\u0000${path.relative(exportDir, file)}\u0000${info.size}\u0000${Math.round(info.mtimeMs)}\n`);
    }
  }
  return hash.digest("hex");
}

export async function createNeuronpediaRun(saeId: number, exportDir: string): Promise<DashboardRunRow> {
  const files = await listExportFiles(exportDir); // fail early on a folder that is not an export
  const resolved = path.resolve(exportDir);
  return findOrCreateRun(saeId, "neuronpedia", { exportDir: resolved, fingerprint: await exportFingerprint(resolved, files) });
}

/**
 * The import's one audit event (action label.import on the Sae): label counts and the ids of the
 * labels it updated or left alone because people had touched them (the first AUDIT_ID_LIMIT of
 * each). Written once per run: a run resumed after this point (killed before finishRun) finds it.
 */
async function recordImportAudit(runId: number, saeId: number, exportDir: string, owner: string, tally: ImportCheckpoint): Promise<void> {
  const existing = await db().auditEvent.findFirst({
    where: { action: "label.import", targetType: "Sae", targetId: saeId, details: { path: ["runId"], equals: runId } },
    select: { id: true },
  });
  if (existing) return;
  await recordAudit({
    actorId: null,
    action: "label.import",
    targetType: "Sae",
    targetId: saeId,
    details: {
      source: "neuronpedia", runId, exportDir, worker: owner, ...tally.labels,
      updatedLabelIds: tally.updatedLabelIds, keptLabelIds: tally.keptLabelIds,
    },
  });
}

/** The label counts of a finished import run (its audit event's details), or null before it finishes. */
export async function labelImportSummary(runId: number, saeId: number): Promise<(LabelImportCounts & Record<string, unknown>) | null> {
  const event = await db().auditEvent.findFirst({
    where: { action: "label.import", targetType: "Sae", targetId: saeId, details: { path: ["runId"], equals: runId } },
    select: { details: true },
  });
  return (event?.details as (LabelImportCounts & Record<string, unknown>) | null | undefined) ?? null;
}

export async function runNeuronpediaImport(
  runId: number,
  options: { owner: string; leaseMs?: number; signal?: AbortSignal; log?: (line: string) => void; afterFile?: (done: number) => void | Promise<void> },
): Promise<RunOutcome> {
  const leaseMs = options.leaseMs ?? 90_000;
  const run = await claimRun(runId, options.owner, leaseMs);
  if (!run) return { status: "skipped", reason: "the run is done or another worker holds it" };
  const sae = await db().sae.findUnique({ where: { id: run.saeId } });
  if (!sae) return { status: "skipped", reason: "the SAE was deleted" };
  try {
    const exportDir = String(run.params.exportDir);
    const files = await listExportFiles(exportDir);
    const plan = KIND_ORDER.flatMap((kind) => files[kind].map((file) => ({ kind, file })));
    const tokens = await TokenMap.forModel(sae.modelId);
    const saved = run.checkpoint ? (JSON.parse(new TextDecoder().decode(run.checkpoint)) as Partial<ImportCheckpoint>) : {};
    const done = saved.done ?? 0;
    // the label counts so far travel in the checkpoint (written in each file's transaction), so the
    // audit event of a resumed import counts every file exactly once
    let tally: ImportCheckpoint = {
      done,
      labels: { ...emptyCounts(), ...saved.labels },
      updatedLabelIds: saved.updatedLabelIds ?? [],
      keptLabelIds: saved.keptLabelIds ?? [],
    };
    for (let i = done; i < plan.length; i++) {
      if (options.signal?.aborted) return { status: "interrupted", phase: plan[i].kind, batch: i };
      const { kind, file } = plan[i];
      const rows = await readJsonLines(file);
      const firstOfKind = plan.findIndex((p) => p.kind === kind) === i;
      tally = await withFileCheckpoint(runId, options.owner, leaseMs, {
        phase: kind, batchesDone: i + 1, batchesTotal: plan.length, progress: (i + 1) / plan.length,
        message: `${kind}: ${path.basename(file)} (${rows.length} rows)`,
      }, async (tx) => {
        if (kind === "features") {
          await upsertFeatureRows(tx, sae.id, rows.map((row) => toFeatureRow(row, featureIndex(row, file, sae.dSae), tokens)));
        } else if (kind === "activations") {
          if (firstOfKind) await tx`DELETE FROM "ActivationExample" WHERE "featureId" IN (SELECT "id" FROM "Feature" WHERE "saeId" = ${sae.id})`;
          await writeActivations(tx, sae.id, file, rows, sae.dSae, tokens);
        } else {
          const result = await writeExplanations(tx, { saeId: sae.id, runId, exportDir, file, dSae: sae.dSae }, rows);
          return {
            done: i + 1,
            labels: addCounts(tally.labels, result.counts),
            updatedLabelIds: [...tally.updatedLabelIds, ...result.updatedLabelIds].slice(0, AUDIT_ID_LIMIT),
            keptLabelIds: [...tally.keptLabelIds, ...result.keptLabelIds].slice(0, AUDIT_ID_LIMIT),
          };
        }
        return { ...tally, done: i + 1 };
      });
      options.log?.(`neuronpedia: ${kind} ${path.basename(file)}: ${rows.length} rows`);
      await options.afterFile?.(i + 1);
    }
    // examples ranked by their max within each feature
    await db().$executeRaw`
      UPDATE "ActivationExample" a SET "rank" = r.rank - 1
      FROM (SELECT e."id", row_number() OVER (PARTITION BY e."featureId" ORDER BY e."maxValue" DESC, e."id") AS rank
            FROM "ActivationExample" e JOIN "Feature" f ON f."id" = e."featureId" WHERE f."saeId" = ${sae.id}) r
      WHERE a."id" = r."id"`;
    await recordImportAudit(runId, sae.id, exportDir, options.owner, tally);
    await finishRun(runId, sae.id);
    options.log?.(`neuronpedia: labels ${JSON.stringify(tally.labels)}`);
    if (tokens.unmatched) options.log?.(`neuronpedia: ${tokens.unmatched} token strings had no id in the model's vocabulary (stored as -1)`);
    const [features, examples] = await Promise.all([
      db().feature.count({ where: { saeId: sae.id } }),
      db().activationExample.count({ where: { feature: { saeId: sae.id } } }),
    ]);
    return { status: "done", features, examples, metrics: null, resumedFrom: done ? { phase: "files", batch: done } : null };
  } catch (error) {
    if (error instanceof LeaseLostError) return { status: "skipped", reason: error.message };
    const described = describeImportError(error);
    await failRun(runId, options.owner, described).catch(() => undefined);
    return { status: "failed", ...described };
  }
}
