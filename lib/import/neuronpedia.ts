/**
 * Imports dashboards that already exist as files — Neuronpedia's export layout (features/,
 * activations/, explanations/ *.jsonl[.gz]) or SAEDashboard's Neuronpedia batch files
 * (batch-N.json [+ skipped_indexes.json]) — into the tables the dashboard computation fills, for a
 * weight-backed SAE or a browse-only one (lib/import/browse-only.ts). Field lists and versions:
 * lib/import/dashboard-records.ts.
 *
 * Exactly what the file says: interval records become interval examples of their bins, top records
 * are ranked by max activation, histograms, logits, density, correlated features and explanations
 * (method, model, scores) are kept, and every field the product cannot represent is counted in the
 * import report. Each file is validated whole before anything is written; a file with problems is
 * written not at all and each problem is one message in the report. Resumable: each file is written
 * in one transaction together with the checkpoint saying it is done.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createGunzip, gunzipSync } from "node:zlib";
import { recordAudit } from "@/lib/db/audit";
import { db } from "@/lib/db/client";
import {
  claimRun, failRun, findOrCreateRun, finishRun, LeaseLostError, type DashboardRunRow, type TransactionSql,
} from "@/lib/db/dashboards";
import {
  ensureFeatures, ImportVocabulary, recordImportedCorpus, replaceImportedExamples, setIntervalShares, upsertImportedFeatures,
} from "@/lib/db/dashboard-import";
import type { RunOutcome } from "@/lib/dashboards/run";
import {
  parseBatchFile, parseNeuronpediaActivations, parseNeuronpediaFeatures, skippedIndexesSchema,
  type ImportedExample, type ImportedFeature, type Unrepresented, issueMessages,
} from "./dashboard-records";
import { exampleRows, featureRow } from "./dashboard-rows";
import { describeImportError, ImportError } from "./errors";
import {
  addCounts, AUDIT_ID_LIMIT, emptyCounts, withFileCheckpoint, writeExplanations, type ImportCheckpoint, type LabelImportCounts,
} from "./neuronpedia-labels";
import { detectTokenFormat, displayText, TOKEN_FORMATS, type TokenFormat } from "./token-strings";

export type { LabelImportCounts } from "./neuronpedia-labels";

export type ExportLayout = "neuronpedia" | "saedashboard";
export type ExportFileKind = "source" | "features" | "activations" | "explanations" | "batch" | "skipped";

export interface NeuronpediaExportFiles {
  layout: ExportLayout;
  features: string[];
  activations: string[];
  explanations: string[];
  /** SAEDashboard batch-N.json files */
  batches: string[];
  /** SAEDashboard's skipped_indexes.json, when present */
  skipped: string | null;
  /** Neuronpedia's source.jsonl (the Source row: dataset, num_prompts, num_tokens_in_prompt), when present */
  source: string | null;
}

const natural = new Intl.Collator("en", { numeric: true });
const JSONL = /\.jsonl(\.gz)?$/i;
const BATCH = /^batch-\d+\.json(\.gz)?$/i;

/** The export's files by kind, each list in natural order (batch-2 before batch-10). */
export async function listExportFiles(dir: string): Promise<NeuronpediaExportFiles> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ImportError("NEURONPEDIA_EXPORT_INVALID", `${dir}: no such export folder`);
  const files: NeuronpediaExportFiles = { layout: "neuronpedia", features: [], activations: [], explanations: [], batches: [], skipped: null, source: null };
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (folder === dir && BATCH.test(entry.name)) files.batches.push(full);
      else if (folder === dir && entry.name === "skipped_indexes.json") files.skipped = full;
      else if (folder === dir && entry.name === "source.jsonl") files.source = full;
      else if (JSONL.test(entry.name)) {
        const relative = path.relative(dir, full).toLowerCase();
        const kind = (["features", "activations", "explanations"] as const).find((k) => relative.includes(k.slice(0, -1)));
        if (kind) files[kind].push(full);
      }
    }
  };
  await walk(dir);
  for (const list of [files.features, files.activations, files.explanations, files.batches]) list.sort(natural.compare);
  if (files.batches.length > 0) {
    files.layout = "saedashboard";
    if (files.features.length || files.activations.length) {
      throw new ImportError("NEURONPEDIA_EXPORT_INVALID", `${dir}: holds both SAEDashboard batch-N.json files and Neuronpedia features/activations folders; import them separately`);
    }
  } else if (files.features.length === 0 && files.activations.length === 0) {
    throw new ImportError(
      "NEURONPEDIA_EXPORT_INVALID",
      `${dir}: no dashboard files (expected SAEDashboard batch-N.json files, or Neuronpedia's features/*.jsonl.gz and activations/*.jsonl.gz)`,
    );
  }
  return files;
}

function planOf(files: NeuronpediaExportFiles): Array<{ kind: ExportFileKind; file: string }> {
  if (files.layout === "saedashboard") {
    return [
      ...(files.skipped ? [{ kind: "skipped" as const, file: files.skipped }] : []),
      ...files.batches.map((file) => ({ kind: "batch" as const, file })),
      ...files.explanations.map((file) => ({ kind: "explanations" as const, file })),
    ];
  }
  return [
    ...(files.source ? [{ kind: "source" as const, file: files.source }] : []),
    ...(["features", "activations", "explanations"] as const).flatMap((kind) => files[kind].map((file) => ({ kind, file }))),
  ];
}

async function readText(file: string): Promise<string> {
  const raw = await readFile(file);
  if (!file.endsWith(".gz")) return raw.toString("utf8");
  try {
    return gunzipSync(raw).toString("utf8");
  } catch (error) {
    throw new FileProblem(`${path.basename(file)}: not a readable gzip file (${(error as Error).message}); it may be truncated`);
  }
}

class FileProblem extends Error {}

/** A JSON-lines file → its rows with their line numbers, and one problem per line that is not JSON. */
async function readJsonLines(file: string): Promise<{ lines: Array<{ line: number; value: Record<string, unknown> }>; problems: string[] }> {
  const raw = createReadStream(file);
  const name = path.basename(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  const lines: Array<{ line: number; value: Record<string, unknown> }> = [];
  const problems: string[] = [];
  let lineNumber = 0;
  try {
    for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
      lineNumber += 1;
      if (!line.trim()) continue;
      try {
        const value = JSON.parse(line) as unknown;
        if (value && typeof value === "object" && !Array.isArray(value)) lines.push({ line: lineNumber, value: value as Record<string, unknown> });
        else problems.push(`${name}:${lineNumber}: not a JSON object`);
      } catch {
        problems.push(`${name}:${lineNumber}: not a JSON line (malformed or cut off)`);
      }
    }
  } catch (error) {
    problems.push(`${name}: could not be read past line ${lineNumber} (${(error as Error).message}); the file may be truncated`);
  }
  return { lines, problems };
}

// ---------------------------------------------------------------------------------------------
// The import report
// ---------------------------------------------------------------------------------------------

/** What an import read and kept, and what it could not (shown by the CLI, stored in the audit event). */
export interface ImportReport {
  layout: ExportLayout;
  /** which file format versions the reader follows (lib/import/dashboard-records.ts) */
  formatVersion: string;
  tokenFormat: TokenFormat | null;
  tokenFormatEvidence: string | null;
  filesRead: number;
  filesWithProblems: number;
  features: number;
  deadFromSkippedIndexes: number;
  examples: { top: number; interval: number };
  /** fields present in the files that Featurescope has no place for, with how many records had them */
  notImported: Unrepresented;
  /** one message per problem; the files they are in were not written */
  problems: string[];
  /** token strings with no id in the model's vocabulary (weight-backed SAEs; stored as −1) */
  unmatchedTokens: number;
  /** distinct token strings added to a model known by name only */
  tokensAdded: number;
}

const FORMAT_VERSIONS: Record<ExportLayout, string> = {
  saedashboard: "SAEDashboard Neuronpedia batch files (neuronpedia_dashboard.py to_dict, jbloomAus/SAEDashboard db4839a; 2024 files without vector/dfa fields also read)",
  neuronpedia: "Neuronpedia export layout (neuronpedia-utils export-data.py and db_models, hijohnnylin/neuronpedia ebb8426; SAEDashboard neuronpedia_export.py)",
};

const PROBLEM_LIMIT = 500;

function emptyReport(layout: ExportLayout): ImportReport {
  return {
    layout, formatVersion: FORMAT_VERSIONS[layout], tokenFormat: null, tokenFormatEvidence: null, filesRead: 0, filesWithProblems: 0,
    features: 0, deadFromSkippedIndexes: 0, examples: { top: 0, interval: 0 }, notImported: {}, problems: [], unmatchedTokens: 0, tokensAdded: 0,
  };
}

type Checkpoint = ImportCheckpoint<ImportReport>;

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

/**
 * The export's files as (relative path, size, modification time), hashed: a run is identified by
 * the folder, this fingerprint and the token format asked for, so importing an unchanged export
 * again finds the finished run and does nothing, while an export replaced or updated in the same
 * folder is imported again (which never loses what people did to the labels, see writeExplanations).
 */
async function exportFingerprint(exportDir: string, files: NeuronpediaExportFiles): Promise<string> {
  const hash = createHash("sha256");
  for (const { kind, file } of planOf(files)) {
    const info = await stat(file);
    hash.update(`${kind}\u0000${path.relative(exportDir, file)}\u0000${info.size}\u0000${Math.round(info.mtimeMs)}\n`);
  }
  return hash.digest("hex");
}

export interface NeuronpediaRunOptions {
  /** how token strings are written in the files; "auto" reads it from them (lib/import/token-strings.ts) */
  tokenFormat?: TokenFormat | "auto";
}

export async function createNeuronpediaRun(saeId: number, exportDir: string, options: NeuronpediaRunOptions = {}): Promise<DashboardRunRow> {
  const files = await listExportFiles(exportDir); // fail early on a folder that is not an export
  const resolved = path.resolve(exportDir);
  const tokenFormat = options.tokenFormat ?? "auto";
  if (tokenFormat !== "auto" && !TOKEN_FORMATS.includes(tokenFormat)) {
    throw new ImportError("IMPORT_ARGUMENT_INVALID", `--token-format must be auto, ${TOKEN_FORMATS.join(", ")}; got ${tokenFormat}`);
  }
  return findOrCreateRun(saeId, "neuronpedia", {
    exportDir: resolved, fingerprint: await exportFingerprint(resolved, files), ...(tokenFormat === "auto" ? {} : { tokenFormat }),
  });
}

/**
 * The import's one audit event (action label.import on the Sae): label counts, the ids of the
 * labels it updated or left alone because people had touched them (the first AUDIT_ID_LIMIT of
 * each), and the import report. Written once per run: a resumed run (killed before finishRun) finds it.
 */
async function recordImportAudit(runId: number, saeId: number, exportDir: string, owner: string, tally: Checkpoint): Promise<void> {
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
      updatedLabelIds: tally.updatedLabelIds, keptLabelIds: tally.keptLabelIds, report: JSON.parse(JSON.stringify(tally.report)),
    },
  });
}

/** The label counts and report of a finished import run (its audit event's details), or null before it finishes. */
export async function labelImportSummary(runId: number, saeId: number): Promise<(LabelImportCounts & { report?: ImportReport } & Record<string, unknown>) | null> {
  const event = await db().auditEvent.findFirst({
    where: { action: "label.import", targetType: "Sae", targetId: saeId, details: { path: ["runId"], equals: runId } },
    select: { details: true },
  });
  return (event?.details as (LabelImportCounts & { report?: ImportReport } & Record<string, unknown>) | null | undefined) ?? null;
}

interface SaeForImport {
  id: number;
  modelId: number;
  dSae: number;
  browseOnly: boolean;
}

/** Feature indices must lie in [0, d_sae) of a weight-backed SAE; a browse-only SAE learns d_sae from the files. */
function indexProblems(name: string, indices: Iterable<number>, sae: SaeForImport): string[] {
  if (sae.browseOnly) return [];
  const bad = [...new Set([...indices].filter((i) => i >= sae.dSae))];
  return bad.slice(0, 20).map((i) => `${name}: feature index ${i} is not in [0, ${sae.dSae}) (the SAE has ${sae.dSae} features)`);
}

/** Everything one file would write, built before the transaction (so a bad file writes nothing). */
interface FileWrite {
  features: ImportedFeature[];
  examples: ImportedExample[];
  corpus: ImportedFeature["corpus"] | null;
  maxIndex: number | null;
  texts: Set<string>;
}

function collectTexts(into: Set<string>, tokens: string[], format: TokenFormat) {
  for (const token of tokens) into.add(displayText(token, format));
}

function groupByFeature(examples: ImportedExample[]): Map<number, ImportedExample[]> {
  const byFeature = new Map<number, ImportedExample[]>();
  for (const e of examples) {
    const list = byFeature.get(e.featureIndex) ?? [];
    list.push(e);
    byFeature.set(e.featureIndex, list);
  }
  return byFeature;
}

export async function runNeuronpediaImport(
  runId: number,
  options: { owner: string; leaseMs?: number; signal?: AbortSignal; log?: (line: string) => void; afterFile?: (done: number) => void | Promise<void> },
): Promise<RunOutcome> {
  const leaseMs = options.leaseMs ?? 90_000;
  const run = await claimRun(runId, options.owner, leaseMs);
  if (!run) return { status: "skipped", reason: "the run is done or another worker holds it" };
  const saeRow = await db().sae.findUnique({ where: { id: run.saeId }, include: { model: { select: { packagePath: true } } } });
  if (!saeRow) return { status: "skipped", reason: "the SAE was deleted" };
  const sae: SaeForImport = { id: saeRow.id, modelId: saeRow.modelId, dSae: saeRow.dSae, browseOnly: saeRow.path === null };
  try {
    const exportDir = String(run.params.exportDir);
    const files = await listExportFiles(exportDir);
    const plan = planOf(files);
    const saved = run.checkpoint ? (JSON.parse(new TextDecoder().decode(run.checkpoint)) as Partial<Checkpoint>) : {};
    const done = saved.done ?? 0;
    // the label counts and the report so far travel in the checkpoint (written in each file's
    // transaction), so a resumed import counts every file exactly once
    let tally: Checkpoint = {
      done,
      labels: { ...emptyCounts(), ...saved.labels },
      updatedLabelIds: saved.updatedLabelIds ?? [],
      keptLabelIds: saved.keptLabelIds ?? [],
      report: { ...emptyReport(files.layout), ...saved.report },
    };
    const asked = run.params.tokenFormat as TokenFormat | undefined;
    let vocabulary: ImportVocabulary | undefined;
    for (let i = done; i < plan.length; i++) {
      if (options.signal?.aborted) return { status: "interrupted", phase: plan[i].kind, batch: i };
      const { kind, file } = plan[i];
      const name = path.relative(exportDir, file) || path.basename(file);
      const report: ImportReport = JSON.parse(JSON.stringify(tally.report));
      report.filesRead += 1;
      const problems: string[] = [];
      let write: FileWrite | null = null;
      let explanationRows: Array<Record<string, unknown>> | null = null;
      let deadFromSkipped: number[] = [];
      let source: ImportedFeature["corpus"] | null = null;
      try {
        if (kind === "source") {
          const { lines, problems: lineProblems } = await readJsonLines(file);
          problems.push(...lineProblems);
          const row = lines[0]?.value ?? {};
          const count = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null);
          source = { dataset: typeof row.dataset === "string" && row.dataset ? row.dataset : null, prompts: count(row.num_prompts), tokensPerPrompt: count(row.num_tokens_in_prompt) };
        } else if (kind === "skipped") {
          const parsed = skippedIndexesSchema.safeParse(JSON.parse(await readText(file)));
          if (!parsed.success) problems.push(...issueMessages(name, parsed.error.issues));
          else {
            deadFromSkipped = parsed.data.skipped_indexes;
            problems.push(...indexProblems(name, deadFromSkipped, sae));
          }
        } else if (kind === "explanations") {
          const { lines, problems: lineProblems } = await readJsonLines(file);
          problems.push(...lineProblems);
          for (const { line, value } of lines) {
            const index = Number(value.index);
            if (!Number.isInteger(index) || index < 0) problems.push(`${name}:${line}: index ${JSON.stringify(value.index)} is not a feature index`);
          }
          problems.push(...indexProblems(name, lines.map((l) => Number(l.value.index)).filter(Number.isInteger), sae));
          for (const { value } of lines) {
            for (const key of ["embedding", "umap_x", "umap_y", "umap_cluster", "umap_log_feature_sparsity", "notes", "triggeredByUserId"]) {
              if (value[key] !== null && value[key] !== undefined && value[key] !== "" && !(Array.isArray(value[key]) && value[key].length === 0)) {
                report.notImported[`explanation.${key}`] = (report.notImported[`explanation.${key}`] ?? 0) + 1;
              }
            }
          }
          explanationRows = lines.map((l) => l.value);
        } else {
          let features: ImportedFeature[] = [];
          let examples: ImportedExample[] = [];
          if (kind === "batch") {
            const parsed = parseBatchFile(name, await readText(file), report.notImported);
            problems.push(...parsed.problems);
            features = parsed.features;
            examples = parsed.examples;
          } else {
            const { lines, problems: lineProblems } = await readJsonLines(file);
            problems.push(...lineProblems);
            if (kind === "features") {
              const parsed = parseNeuronpediaFeatures(name, lines, report.notImported);
              problems.push(...parsed.problems);
              features = parsed.rows;
            } else {
              const parsed = parseNeuronpediaActivations(name, lines, report.notImported);
              problems.push(...parsed.problems);
              examples = parsed.rows;
            }
          }
          problems.push(...indexProblems(name, [...features.map((f) => f.index), ...examples.map((e) => e.featureIndex)], sae));
          if (problems.length === 0) {
            if (!report.tokenFormat) {
              const guess = asked
                ? { format: asked, evidence: "given with --token-format" }
                : detectTokenFormat([...examples.flatMap((e) => e.tokens), ...features.flatMap((f) => [...f.logitTop.tokens, ...f.logitBottom.tokens])]);
              report.tokenFormat = guess.format;
              report.tokenFormatEvidence = guess.evidence;
            }
            const format = report.tokenFormat;
            const texts = new Set<string>();
            for (const e of examples) collectTexts(texts, e.tokens, format);
            for (const f of features) {
              collectTexts(texts, f.logitTop.tokens, format);
              collectTexts(texts, f.logitBottom.tokens, format);
            }
            const all = [...features.map((f) => f.index), ...examples.map((e) => e.featureIndex)];
            // rows are built inside the transaction, once the vocabulary knows every string
            write = { features, examples, corpus: features[0]?.corpus ?? null, maxIndex: all.length ? Math.max(...all) : null, texts };
          }
        }
      } catch (error) {
        if (error instanceof FileProblem) problems.push(error.message);
        else if (error instanceof SyntaxError) problems.push(`${name}: not valid JSON (${error.message}); the file may be truncated`);
        else throw error;
      }

      if (problems.length > 0) {
        report.filesWithProblems += 1;
        report.problems = [...report.problems, ...problems].slice(0, PROBLEM_LIMIT);
        for (const problem of problems.slice(0, 5)) options.log?.(`neuronpedia: ✖ ${problem}`);
      }
      tally = await withFileCheckpoint(runId, options.owner, leaseMs, {
        phase: kind, batchesDone: i + 1, batchesTotal: plan.length, progress: (i + 1) / plan.length,
        message: `${kind}: ${path.basename(file)}${problems.length ? ` (${problems.length} problems, not written)` : ""}`,
      }, async (tx): Promise<Checkpoint> => {
        const next: Checkpoint = { ...tally, done: i + 1, report };
        if (problems.length > 0) return next;
        if (kind === "source") {
          await recordImportedCorpus(tx, sae.id, source, null, false);
          return next;
        }
        if (kind === "skipped") {
          await writeDeadFeatures(tx, sae, deadFromSkipped);
          report.deadFromSkippedIndexes += deadFromSkipped.length;
          return next;
        }
        if (kind === "explanations") {
          const result = await writeExplanations(tx, { saeId: sae.id, runId, exportDir, file }, explanationRows ?? []);
          return {
            ...next,
            labels: addCounts(tally.labels, result.counts),
            updatedLabelIds: [...tally.updatedLabelIds, ...result.updatedLabelIds].slice(0, AUDIT_ID_LIMIT),
            keptLabelIds: [...tally.keptLabelIds, ...result.keptLabelIds].slice(0, AUDIT_ID_LIMIT),
          };
        }
        vocabulary ??= await ImportVocabulary.forModel(tx, sae.modelId);
        const unmatchedBefore = vocabulary.unmatched;
        const addedBefore = vocabulary.added;
        await writeDashboards(tx, sae, kind, write!, vocabulary, report.tokenFormat ?? "text", report);
        report.unmatchedTokens += vocabulary.unmatched - unmatchedBefore;
        report.tokensAdded += vocabulary.added - addedBefore;
        return next;
      });
      options.log?.(`neuronpedia: ${kind} ${path.basename(file)}${problems.length ? `: ${problems.length} problems, not written` : ""}`);
      await options.afterFile?.(i + 1);
    }
    await recordImportAudit(runId, sae.id, exportDir, options.owner, tally);
    await finishRun(runId, sae.id);
    options.log?.(`neuronpedia: labels ${JSON.stringify(tally.labels)}`);
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

/** SAEDashboard's skipped features ("write dead into file so we can create them as dead in Neuronpedia"). */
async function writeDeadFeatures(tx: TransactionSql, sae: SaeForImport, indices: number[]): Promise<void> {
  if (indices.length === 0) return;
  await ensureFeatures(tx, sae.id, indices);
  await tx`UPDATE "Feature" SET "dead" = true, "density" = 0, "ultraRare" = false WHERE "saeId" = ${sae.id} AND "index" = ANY(${indices}::int[])`;
  await recordImportedCorpus(tx, sae.id, null, Math.max(...indices), sae.browseOnly);
}

async function writeDashboards(
  tx: TransactionSql, sae: SaeForImport, kind: ExportFileKind, write: FileWrite, vocabulary: ImportVocabulary, format: TokenFormat, report: ImportReport,
): Promise<void> {
  const { features, examples } = write;
  await vocabulary.prepare(tx, write.texts);
  const ids = (tokens: string[]) => tokens.map((t) => vocabulary.id(displayText(t, format)));
  const byFeature = groupByFeature(examples);
  const fromExamples = new Map<number, ReturnType<typeof exampleRows>>();
  for (const [index, list] of byFeature) fromExamples.set(index, exampleRows(index, list, ids));
  const featureRows = features.map((f) => featureRow(f, ids, fromExamples.get(f.index) ?? (kind === "batch" ? { maxActivation: 0, intervalShares: [] } : undefined)));
  await upsertImportedFeatures(tx, sae.id, featureRows);
  if (kind === "activations") await ensureFeatures(tx, sae.id, [...byFeature.keys()]);
  const exampleFeatures = kind === "batch" ? features.map((f) => f.index) : [...byFeature.keys()];
  const rows = [...fromExamples.values()].flatMap((r) => r.rows);
  await replaceImportedExamples(tx, sae.id, exampleFeatures, rows);
  if (kind === "activations") await setIntervalShares(tx, sae.id, new Map([...fromExamples].map(([index, r]) => [index, r.intervalShares])));
  await recordImportedCorpus(tx, sae.id, write.corpus, write.maxIndex, sae.browseOnly);
  report.features += featureRows.length;
  for (const row of rows) report.examples[row.kind] += 1;
}
