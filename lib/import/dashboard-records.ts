/**
 * The two dashboard file formats Featurescope reads, validated with zod and turned into one shape
 * (ImportedFeature / ImportedExample), with every field the product cannot represent counted for
 * the import report instead of dropped silently.
 *
 * Versions read, from their source (field lists copied, not guessed):
 * - SAEDashboard batch files `batch-N.json`: NeuronpediaDashboardBatch / NeuronpediaDashboardFeature /
 *   NeuronpediaDashboardActivation .to_dict() in sae_dashboard/neuronpedia/neuronpedia_dashboard.py,
 *   written by neuronpedia_converter.py (jbloomAus/SAEDashboard commit db4839a, v0.8.0+, 2026-05).
 *   Older files (SAEDashboard ≥ 2024-07, e.g. tests/acceptance/test_simple/batch-0.json at commit
 *   96247d5) lack `vector` and the dfa fields, which are optional here. `skipped_indexes.json`
 *   (NeuronpediaRunner.record_skipped_features) lists features written as dead.
 * - Neuronpedia export layout `features/`, `activations/`, `explanations/` *.jsonl(.gz): the column
 *   lists of utils/neuronpedia-utils/neuronpedia_utils/export-data.py and db_models/*.py
 *   (hijohnnylin/neuronpedia commit ebb8426, 2026-08) and SAEDashboard's neuronpedia_export.py
 *   (same dataclasses). Explanation scores are not in Neuronpedia's bulk export; when a row carries
 *   the Explanation columns scoreV1/scoreV2 or ExplanationScore rows (`scores`), they are kept.
 */
import { z } from "zod";

/** One activation record: a context with its per-token values, and the interval bin it was sampled for. */
export interface ImportedExample {
  featureIndex: number;
  tokens: string[];
  values: number[];
  /** SAEDashboard's bin: min −1 marks a top example; null when the file has no bin (top). */
  binMin: number | null;
  binMax: number | null;
  binContains: number | null;
  /** The token the record was chosen for (SAEDashboard's qualifying_token_index); null if not given. */
  qualifyingTokenIndex: number | null;
}

export interface ImportedFeature {
  index: number;
  /** null: the maximum over the feature's examples (SAEDashboard batches carry no maxActApprox). */
  maxActivation: number | null;
  density: number;
  histogram: { centres: number[]; heights: number[] } | null;
  logitHistogram: { centres: number[]; heights: number[] } | null;
  logitTop: { tokens: string[]; values: number[] };
  logitBottom: { tokens: string[]; values: number[] };
  neighbours: { indices: number[]; cosines: number[] };
  correlated: { indices: number[]; pearson: number[]; cosines: number[] };
  corpus: { dataset: string | null; prompts: number | null; tokensPerPrompt: number | null };
}

export interface ImportedExplanation {
  featureIndex: number;
  raw: Record<string, unknown>;
}

/** Counts of fields the product cannot represent, by `<record kind>.<field>`. */
export type Unrepresented = Record<string, number>;

export function countUnrepresented(into: Unrepresented, kind: string, row: Record<string, unknown>, used: ReadonlySet<string>) {
  for (const [key, value] of Object.entries(row)) {
    if (used.has(key) || isEmpty(value)) continue;
    const name = `${kind}.${key}`;
    into[name] = (into[name] ?? 0) + 1;
  }
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

const finite = z.number().finite();
const numbers = z.array(finite).default([]);
const ints = z.array(z.number().int()).default([]);
const strings = z.array(z.string()).default([]);
const index = z.union([z.number().int().min(0), z.string().regex(/^\d+$/, "a feature index (digits)").transform(Number)]);

// ---------------------------------------------------------------------------------------------
// SAEDashboard batch-N.json
// ---------------------------------------------------------------------------------------------

/** Lists that must have one entry per entry of another, checked inside the schema so every problem is reported together. */
function samePairs(pairs: Array<[string, string]>) {
  return (row: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    for (const [a, b] of pairs) {
      const [la, lb] = [row[a], row[b]].map((v) => (Array.isArray(v) ? v.length : 0));
      if (la !== lb) ctx.addIssue({ code: "custom", message: `${a} has ${la} entries but ${b} has ${lb}`, input: row });
    }
  };
}

const batchActivation = z.looseObject({
  bin_min: finite,
  bin_max: finite,
  bin_contains: finite,
  tokens: z.array(z.string()),
  values: z.array(finite),
  qualifying_token_index: z.number().int().optional(),
}).superRefine(samePairs([["tokens", "values"]]));

const batchFeature = z.looseObject({
  feature_index: z.number().int().min(0),
  neg_str: strings, neg_values: numbers, pos_str: strings, pos_values: numbers,
  frac_nonzero: finite.min(0).max(1).default(0),
  freq_hist_data_bar_values: numbers, freq_hist_data_bar_heights: numbers,
  logits_hist_data_bar_values: numbers, logits_hist_data_bar_heights: numbers,
  correlated_features_indices: ints, correlated_features_pearson: numbers, correlated_features_l1: numbers,
  n_prompts_total: z.number().int().min(0).optional(),
  n_tokens_in_prompt: z.number().int().min(0).optional(),
  dataset: z.string().optional(),
  activations: z.array(batchActivation).default([]),
}).superRefine(samePairs([
  ["pos_str", "pos_values"], ["neg_str", "neg_values"], ["freq_hist_data_bar_values", "freq_hist_data_bar_heights"],
  ["logits_hist_data_bar_values", "logits_hist_data_bar_heights"], ["correlated_features_indices", "correlated_features_pearson"],
]));

export const batchFileSchema = z.looseObject({
  model_id: z.string().default(""),
  layer: z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]).default(0),
  sae_set: z.string().default(""),
  sae_id_suffix: z.string().nullable().optional(),
  features: z.array(batchFeature),
});
export type BatchFile = z.infer<typeof batchFileSchema>;

const BATCH_FEATURE_USED = new Set([
  "feature_index", "neg_str", "neg_values", "pos_str", "pos_values", "frac_nonzero", "freq_hist_data_bar_values",
  "freq_hist_data_bar_heights", "logits_hist_data_bar_values", "logits_hist_data_bar_heights",
  "correlated_features_indices", "correlated_features_pearson", "correlated_features_l1", "n_prompts_total",
  "n_tokens_in_prompt", "dataset", "activations",
]);
const BATCH_ACTIVATION_USED = new Set(["bin_min", "bin_max", "bin_contains", "tokens", "values", "qualifying_token_index"]);
const BATCH_ACTIVATION_WITHOUT_DFA = new Set([...BATCH_ACTIVATION_USED, "dfa_maxValue", "dfa_targetIndex"]);
const BATCH_USED = new Set(["model_id", "layer", "sae_set", "sae_id_suffix", "features"]);

/** zod issues → one message per problem, naming the feature the path is in. */
export function issueMessages(file: string, issues: readonly z.core.$ZodIssue[], features?: unknown[]): string[] {
  return issues.map((issue) => {
    const path = issue.path;
    let where = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    if (features && path[0] === "features" && typeof path[1] === "number") {
      const raw = features[path[1]] as { feature_index?: unknown } | undefined;
      if (raw && raw.feature_index !== undefined) where += ` (feature ${JSON.stringify(raw.feature_index)})`;
    }
    return `${file}: ${where || "top level"}: ${issue.message}`;
  });
}

function pairProblems(file: string, where: string, pairs: Array<[string, unknown[], string, unknown[]]>): string[] {
  return pairs
    .filter(([, a, , b]) => a.length !== b.length)
    .map(([na, a, nb, b]) => `${file}: ${where}: ${na} has ${a.length} entries but ${nb} has ${b.length}`);
}

export interface ParsedBatch {
  header: { modelId: string; layer: number; saeSet: string; saeIdSuffix: string | null };
  features: ImportedFeature[];
  examples: ImportedExample[];
  problems: string[];
}

/**
 * One SAEDashboard batch file's text → features and examples, or the list of its problems (one
 * message each). A batch with any problem is not written at all.
 */
export function parseBatchFile(file: string, text: string, unrepresented: Unrepresented): ParsedBatch {
  const empty: ParsedBatch = { header: { modelId: "", layer: 0, saeSet: "", saeIdSuffix: null }, features: [], examples: [], problems: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const partial = text.trim().length === 0 ? "the file is empty" : `not valid JSON (${(error as Error).message}); the file may be truncated`;
    return { ...empty, problems: [`${file}: ${partial}`] };
  }
  const parsed = batchFileSchema.safeParse(json);
  if (!parsed.success) {
    const raw = (json as { features?: unknown }).features;
    return { ...empty, problems: issueMessages(file, parsed.error.issues, Array.isArray(raw) ? raw : undefined) };
  }
  const batch = parsed.data;
  const problems: string[] = [];
  const seen = new Set<number>();
  const features: ImportedFeature[] = [];
  const examples: ImportedExample[] = [];
  for (const [i, f] of batch.features.entries()) {
    const where = `features[${i}] (feature ${f.feature_index})`;
    if (seen.has(f.feature_index)) problems.push(`${file}: ${where}: feature ${f.feature_index} appears twice in the batch`);
    seen.add(f.feature_index);
    for (const a of f.activations) {
      // dfa_maxValue 0 / dfa_targetIndex −1 are the converter's "no DFA data" defaults
      const noDfa = !Array.isArray(a.dfa_values) || a.dfa_values.length === 0;
      countUnrepresented(unrepresented, "activation", a, noDfa ? BATCH_ACTIVATION_WITHOUT_DFA : BATCH_ACTIVATION_USED);
      examples.push({
        featureIndex: f.feature_index, tokens: a.tokens, values: a.values, binMin: a.bin_min, binMax: a.bin_max,
        binContains: a.bin_contains, qualifyingTokenIndex: a.qualifying_token_index ?? null,
      });
    }
    countUnrepresented(unrepresented, "feature", f, BATCH_FEATURE_USED);
    features.push({
      index: f.feature_index,
      maxActivation: null,
      density: f.frac_nonzero,
      histogram: f.freq_hist_data_bar_values.length ? { centres: f.freq_hist_data_bar_values, heights: f.freq_hist_data_bar_heights } : null,
      logitHistogram: f.logits_hist_data_bar_values.length ? { centres: f.logits_hist_data_bar_values, heights: f.logits_hist_data_bar_heights } : null,
      logitTop: { tokens: f.pos_str, values: f.pos_values },
      logitBottom: { tokens: f.neg_str, values: f.neg_values },
      neighbours: { indices: [], cosines: [] },
      correlated: { indices: f.correlated_features_indices, pearson: f.correlated_features_pearson, cosines: f.correlated_features_l1 },
      corpus: { dataset: f.dataset || null, prompts: f.n_prompts_total ?? null, tokensPerPrompt: f.n_tokens_in_prompt ?? null },
    });
  }
  countUnrepresented(unrepresented, "batch", batch, BATCH_USED);
  return {
    header: { modelId: batch.model_id, layer: batch.layer, saeSet: batch.sae_set, saeIdSuffix: batch.sae_id_suffix ?? null },
    features, examples, problems,
  };
}

/** skipped_indexes.json (NeuronpediaRunner.record_skipped_features): features written as dead. */
export const skippedIndexesSchema = z.looseObject({
  model_id: z.string().optional(),
  layer: z.union([z.number().int(), z.string()]).optional(),
  sae_set: z.string().optional(),
  log_sparsity: z.number().optional(),
  skipped_indexes: z.array(z.number().int().min(0)),
});

// ---------------------------------------------------------------------------------------------
// Neuronpedia export rows
// ---------------------------------------------------------------------------------------------

const npFeature = z.looseObject({
  index,
  maxActApprox: finite.nullable().optional(),
  frac_nonzero: finite.min(0).max(1).nullable().optional(),
  neg_str: strings, neg_values: numbers, pos_str: strings, pos_values: numbers,
  freq_hist_data_bar_values: numbers, freq_hist_data_bar_heights: numbers,
  logits_hist_data_bar_values: numbers, logits_hist_data_bar_heights: numbers,
  topkCosSimIndices: ints, topkCosSimValues: numbers,
  correlated_features_indices: ints, correlated_features_pearson: numbers, correlated_features_l1: numbers,
});
const NP_FEATURE_USED = new Set([
  "modelId", "layer", "index", "maxActApprox", "frac_nonzero", "neg_str", "neg_values", "pos_str", "pos_values",
  "freq_hist_data_bar_values", "freq_hist_data_bar_heights", "logits_hist_data_bar_values", "logits_hist_data_bar_heights",
  "topkCosSimIndices", "topkCosSimValues", "correlated_features_indices", "correlated_features_pearson", "correlated_features_l1",
  // Neuronpedia's own bookkeeping, not dashboard content
  "creatorId", "createdAt", "hasVector", "vectorDefaultSteerStrength",
]);

const npActivation = z.looseObject({
  index,
  tokens: z.array(z.string()),
  values: z.array(finite),
  binMin: finite.nullable().optional(),
  binMax: finite.nullable().optional(),
  binContains: finite.nullable().optional(),
  qualifyingTokenIndex: z.number().int().nullable().optional(),
  maxValueTokenIndex: z.number().int().nullable().optional(),
});
// maxValue, minValue and maxValueTokenIndex are recomputed from values (as neuronpedia_export.py computes them)
const NP_ACTIVATION_USED = new Set([
  "modelId", "layer", "index", "tokens", "values", "binMin", "binMax", "binContains", "qualifyingTokenIndex",
  "maxValue", "minValue", "maxValueTokenIndex", "id", "creatorId", "createdAt",
]);

export const npExplanation = z.looseObject({ index, description: z.unknown().optional() });

export interface ParsedRows<T> {
  rows: T[];
  problems: string[];
}

function rowProblems(file: string, line: number, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${file}:${line}: ${issue.path.map(String).join(".") || "row"}: ${issue.message}`);
}

/** Lines of a Neuronpedia features file → features, with every problem (one message each). */
export function parseNeuronpediaFeatures(file: string, lines: Array<{ line: number; value: unknown }>, unrepresented: Unrepresented): ParsedRows<ImportedFeature> {
  const rows: ImportedFeature[] = [];
  const problems: string[] = [];
  for (const { line, value } of lines) {
    const parsed = npFeature.safeParse(value);
    if (!parsed.success) {
      problems.push(...rowProblems(file, line, parsed.error.issues));
      continue;
    }
    const f = parsed.data;
    problems.push(...pairProblems(`${file}:${line}`, `feature ${f.index}`, [
      ["pos_str", f.pos_str, "pos_values", f.pos_values], ["neg_str", f.neg_str, "neg_values", f.neg_values],
      ["freq_hist_data_bar_values", f.freq_hist_data_bar_values, "freq_hist_data_bar_heights", f.freq_hist_data_bar_heights],
      ["logits_hist_data_bar_values", f.logits_hist_data_bar_values, "logits_hist_data_bar_heights", f.logits_hist_data_bar_heights],
    ]));
    countUnrepresented(unrepresented, "feature", f, NP_FEATURE_USED);
    const neighbours = f.topkCosSimIndices.map((i, j) => [i, f.topkCosSimValues[j] ?? 0]).filter(([i]) => i !== f.index).slice(0, 10);
    rows.push({
      index: f.index,
      maxActivation: f.maxActApprox ?? 0,
      density: f.frac_nonzero ?? 0,
      histogram: f.freq_hist_data_bar_values.length ? { centres: f.freq_hist_data_bar_values, heights: f.freq_hist_data_bar_heights } : null,
      logitHistogram: f.logits_hist_data_bar_values.length ? { centres: f.logits_hist_data_bar_values, heights: f.logits_hist_data_bar_heights } : null,
      logitTop: { tokens: f.pos_str, values: f.pos_values },
      logitBottom: { tokens: f.neg_str, values: f.neg_values },
      neighbours: { indices: neighbours.map(([i]) => i), cosines: neighbours.map(([, v]) => v) },
      correlated: { indices: f.correlated_features_indices, pearson: f.correlated_features_pearson, cosines: f.correlated_features_l1 },
      corpus: { dataset: null, prompts: null, tokensPerPrompt: null },
    });
  }
  return { rows, problems };
}

/** Lines of a Neuronpedia activations file → examples, with every problem. */
export function parseNeuronpediaActivations(file: string, lines: Array<{ line: number; value: unknown }>, unrepresented: Unrepresented): ParsedRows<ImportedExample> {
  const rows: ImportedExample[] = [];
  const problems: string[] = [];
  for (const { line, value } of lines) {
    const parsed = npActivation.safeParse(value);
    if (!parsed.success) {
      problems.push(...rowProblems(file, line, parsed.error.issues));
      continue;
    }
    const a = parsed.data;
    if (a.tokens.length !== a.values.length) {
      problems.push(`${file}:${line}: feature ${a.index}: tokens has ${a.tokens.length} entries but values has ${a.values.length}`);
      continue;
    }
    countUnrepresented(unrepresented, "activation", a, NP_ACTIVATION_USED);
    rows.push({
      featureIndex: a.index, tokens: a.tokens, values: a.values,
      binMin: a.binMin ?? null, binMax: a.binMax ?? null, binContains: a.binContains ?? null,
      qualifyingTokenIndex: a.qualifyingTokenIndex ?? a.maxValueTokenIndex ?? null,
    });
  }
  return { rows, problems };
}
