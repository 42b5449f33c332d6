/**
 * Writes an SAE's dashboards and labels as a folder the importer reads back (CLI), or streams one
 * part of it (API): a page of features at a time, so memory stays bounded at any size.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { exportedFeaturePages, exportVocabulary, saeForExport, type ExportedSae } from "@/lib/db/dashboard-export";
import { ImportError } from "./errors";
import {
  explanationRow, isSkippedFeature, neuronpediaActivationRows, neuronpediaFeatureRow, saeDashboardBatch, saeDashboardFeature,
  skippedIndexesFile, sourceIdentity, type ExportFormat,
} from "./neuronpedia-export";

export interface ExportSummary {
  format: ExportFormat;
  dir: string;
  features: number;
  examples: number;
  labels: number;
  files: number;
  skipped: number;
}

async function requireSae(saeId: number): Promise<ExportedSae> {
  const sae = await saeForExport(saeId);
  if (!sae) throw new ImportError("IMPORT_ARGUMENT_INVALID", `there is no SAE ${saeId}`);
  return sae;
}

const jsonl = (rows: Array<Record<string, unknown>>) => rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length ? "\n" : "");

/** The whole export as files under `dir` (created): one batch file per `featuresPerBatch` features. */
export async function writeDashboardExport(
  saeId: number, dir: string, format: ExportFormat,
  options: { featuresPerBatch?: number; onBatch?: (done: number) => void } = {},
): Promise<ExportSummary> {
  const sae = await requireSae(saeId);
  const vocabulary = await exportVocabulary(sae.modelId);
  const summary: ExportSummary = { format, dir, features: 0, examples: 0, labels: 0, files: 0, skipped: 0 };
  const skipped: number[] = [];
  await mkdir(path.join(dir, "explanations"), { recursive: true });
  if (format === "neuronpedia") {
    await mkdir(path.join(dir, "features"), { recursive: true });
    await mkdir(path.join(dir, "activations"), { recursive: true });
  }
  if (format === "neuronpedia") {
    // the Source row of Neuronpedia's layout (neuronpedia_export.py _write_source) carries the corpus
    const id = sourceIdentity(sae);
    const perPrompt = sae.dashboardContextSize;
    await writeFile(path.join(dir, "source.jsonl"), jsonl([{
      id: id.sourceId, modelId: id.modelId, setName: id.saeSet, hasDashboards: true, dataset: sae.dashboardCorpus,
      num_prompts: perPrompt && sae.dashboardTokens !== null ? Math.round(sae.dashboardTokens / perPrompt) : null, num_tokens_in_prompt: perPrompt,
    }]));
    summary.files += 1;
  }
  let batch = 0;
  for await (const page of exportedFeaturePages(saeId, { pageSize: options.featuresPerBatch ?? 128 })) {
    const name = `batch-${batch}`;
    const shown = format === "saedashboard" ? page.filter((f) => !isSkippedFeature(f)) : page;
    for (const f of page) if (format === "saedashboard" && isSkippedFeature(f)) skipped.push(f.index);
    if (format === "saedashboard") {
      if (shown.length) {
        await writeFile(path.join(dir, `${name}.json`), saeDashboardBatch(sae, shown, vocabulary));
        summary.files += 1;
      }
    } else {
      await writeFile(path.join(dir, "features", `${name}.jsonl.gz`), gzipSync(jsonl(page.map((f) => neuronpediaFeatureRow(sae, f, vocabulary)))));
      await writeFile(path.join(dir, "activations", `${name}.jsonl.gz`), gzipSync(jsonl(page.flatMap((f) => neuronpediaActivationRows(sae, f, vocabulary)))));
      summary.files += 2;
    }
    const explanations = page.flatMap((f) => f.labels.map((label) => explanationRow(sae, f.index, label)));
    if (explanations.length) {
      const file = format === "neuronpedia" ? `${name}.jsonl.gz` : `${name}.jsonl`;
      const text = jsonl(explanations);
      await writeFile(path.join(dir, "explanations", file), format === "neuronpedia" ? gzipSync(text) : text);
      summary.files += 1;
    }
    summary.features += page.length;
    summary.examples += page.reduce((n, f) => n + f.examples.filter((e) => e.kind !== "random").length, 0);
    summary.labels += explanations.length;
    batch += 1;
    options.onBatch?.(summary.features);
  }
  if (skipped.length) {
    await writeFile(path.join(dir, "skipped_indexes.json"), skippedIndexesFile(sae, skipped));
    summary.files += 1;
    summary.skipped = skipped.length;
  }
  return summary;
}

export const EXPORT_PARTS = ["batch", "features", "activations", "explanations"] as const;
export type ExportPart = (typeof EXPORT_PARTS)[number];

/**
 * One part of an export as a stream of text: `batch` is one SAEDashboard batch file (JSON) of the
 * features in [from, to]; features / activations / explanations are Neuronpedia JSON lines.
 */
export async function* dashboardExportText(saeId: number, part: ExportPart, range: { from?: number; to?: number } = {}): AsyncGenerator<string> {
  const sae = await requireSae(saeId);
  const vocabulary = await exportVocabulary(sae.modelId);
  const pages = exportedFeaturePages(saeId, { pageSize: 64, from: range.from, to: range.to });
  if (part === "batch") {
    // the batch document written a feature at a time: same keys as saeDashboardBatch
    const id = sourceIdentity(sae);
    yield `{"model_id":${JSON.stringify(id.modelId)},"layer":${id.layer},"sae_set":${JSON.stringify(id.saeSet)},"sae_id_suffix":${JSON.stringify(id.saeIdSuffix)},"features":[`;
    let first = true;
    for await (const page of pages) {
      for (const f of page) {
        if (isSkippedFeature(f)) continue;
        yield (first ? "" : ",") + JSON.stringify(saeDashboardFeature(sae, f, vocabulary));
        first = false;
      }
    }
    yield "]}";
    return;
  }
  for await (const page of pages) {
    const rows = part === "features"
      ? page.map((f) => neuronpediaFeatureRow(sae, f, vocabulary))
      : part === "activations"
        ? page.flatMap((f) => neuronpediaActivationRows(sae, f, vocabulary))
        : page.flatMap((f) => f.labels.map((label) => explanationRow(sae, f.index, label)));
    if (rows.length) yield jsonl(rows);
  }
}
