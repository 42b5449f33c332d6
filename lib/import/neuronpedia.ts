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
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { db } from "@/lib/db/client";
import {
  claimRun, copyInto, copyLine, failRun, findOrCreateRun, finishRun, LeaseLostError, upsertFeatureRows, withCheckpoint,
  type DashboardRunRow, type FeatureRowValues, type TransactionSql,
} from "@/lib/db/dashboards";
import type { RunOutcome } from "@/lib/dashboards/run";
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

async function writeExplanations(tx: TransactionSql, saeId: number, file: string, rows: Array<Record<string, unknown>>, dSae: number) {
  await tx.unsafe(`DROP TABLE IF EXISTS "LabelLoad"`);
  await tx.unsafe(`CREATE TEMP TABLE "LabelLoad" ("featureIndex" int, "text" text, "provenance" jsonb) ON COMMIT DROP`);
  function* lines() {
    for (const row of rows) {
      const text = typeof row.description === "string" ? row.description.trim() : "";
      if (!text) continue;
      const provenance = {
        importedFrom: "neuronpedia", typeName: row.typeName ?? null, explanationModelName: row.explanationModelName ?? null,
        file: path.basename(file),
      };
      yield copyLine([featureIndex(row, file, dSae), text, JSON.stringify(provenance)]);
    }
  }
  await copyInto(tx, `"LabelLoad"`, ["featureIndex", "text", "provenance"], lines());
  await tx`
    WITH inserted AS (
      INSERT INTO "Label" ("featureId", "text", "source", "status", "provenance", "updatedAt")
      SELECT f."id", l."text", 'model', 'draft', l."provenance", now()
      FROM "LabelLoad" l JOIN "Feature" f ON f."saeId" = ${saeId} AND f."index" = l."featureIndex"
      RETURNING "id", "text", "status"
    )
    INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "note")
    SELECT "id", 1, "text", "status", 'imported from a Neuronpedia export' FROM inserted`;
  await tx`
    UPDATE "Feature" f SET "currentLabelId" = first."id", "labelStatus" = 'draft'
    FROM (SELECT DISTINCT ON (l."featureId") l."featureId", l."id" FROM "Label" l
          JOIN "Feature" g ON g."id" = l."featureId" AND g."saeId" = ${saeId}
          WHERE l."provenance"->>'importedFrom' = 'neuronpedia' ORDER BY l."featureId", l."id") first
    WHERE f."id" = first."featureId" AND f."currentLabelId" IS NULL`;
}

export async function createNeuronpediaRun(saeId: number, exportDir: string): Promise<DashboardRunRow> {
  await listExportFiles(exportDir); // fail early on a folder that is not an export
  return findOrCreateRun(saeId, "neuronpedia", { exportDir: path.resolve(exportDir) });
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
    const done = run.checkpoint ? (JSON.parse(new TextDecoder().decode(run.checkpoint)) as { done: number }).done : 0;
    for (let i = done; i < plan.length; i++) {
      if (options.signal?.aborted) return { status: "interrupted", phase: plan[i].kind, batch: i };
      const { kind, file } = plan[i];
      const rows = await readJsonLines(file);
      const firstOfKind = plan.findIndex((p) => p.kind === kind) === i;
      await withCheckpoint(runId, options.owner, leaseMs, {
        phase: kind, batchesDone: i + 1, batchesTotal: plan.length, progress: (i + 1) / plan.length,
        message: `${kind}: ${path.basename(file)} (${rows.length} rows)`,
      }, new TextEncoder().encode(JSON.stringify({ done: i + 1 })), async (tx) => {
        if (kind === "features") {
          await upsertFeatureRows(tx, sae.id, rows.map((row) => toFeatureRow(row, featureIndex(row, file, sae.dSae), tokens)));
        } else if (kind === "activations") {
          if (firstOfKind) await tx`DELETE FROM "ActivationExample" WHERE "featureId" IN (SELECT "id" FROM "Feature" WHERE "saeId" = ${sae.id})`;
          await writeActivations(tx, sae.id, file, rows, sae.dSae, tokens);
        } else {
          if (firstOfKind) {
            await tx`
              DELETE FROM "Label" WHERE "provenance"->>'importedFrom' = 'neuronpedia'
                AND "featureId" IN (SELECT "id" FROM "Feature" WHERE "saeId" = ${sae.id})`;
          }
          await writeExplanations(tx, sae.id, file, rows, sae.dSae);
        }
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
    await finishRun(runId, sae.id);
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
