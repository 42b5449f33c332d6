/**
 * Exports any SAE's dashboards and labels in the formats lib/import/neuronpedia.ts reads, so that
 * import → export → import gives identical data:
 * - SAEDashboard batch files: `batch-N.json` with NeuronpediaDashboardBatch.to_dict()'s keys and
 *   order (sae_dashboard/neuronpedia/neuronpedia_dashboard.py, commit db4839a), `skipped_indexes.json`
 *   for dead features with nothing to show, and labels as Neuronpedia explanation rows in
 *   `explanations/batch-N.jsonl` (SAEDashboard has no place for them);
 * - Neuronpedia's layout: `features/`, `activations/`, `explanations/batch-N.jsonl.gz` with the
 *   columns of neuronpedia-utils export-data.py (hijohnnylin/neuronpedia commit ebb8426).
 * Numbers are written as the shortest decimal that reads back as the same float32 (the columns are
 * real), and histogram bar values rounded to 5 decimals as SAEDashboard's HistogramData.from_data does.
 */
import { barsFromHistogram } from "./dashboard-rows";
import type { ExportedFeature, ExportedLabel, ExportedSae } from "@/lib/db/dashboard-export";

export const EXPORT_FORMATS = ["saedashboard", "neuronpedia"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The shortest decimal that is the same float32 (so 2.2139999866 is written 2.214). */
export function float32(value: number): number {
  if (!Number.isFinite(value)) return value;
  const target = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}

const round5 = (value: number) => Math.round(value * 1e5) / 1e5 + 0; // + 0 turns −0 into 0
const f32s = (values: number[]) => values.map(float32);

function bars(min: number | null, max: number | null, counts: number[]): { values: number[]; heights: number[] } {
  if (min === null || max === null || counts.length === 0) return { values: [], heights: [] };
  return { values: barsFromHistogram(min, max, counts.length).map(round5), heights: counts };
}

/** The SAE's identity in Neuronpedia's terms: source id `${layer}-${set}[__suffix]` (neuronpedia_export.py _build_source_id). */
export function sourceIdentity(sae: ExportedSae): { modelId: string; layer: number; saeSet: string; saeIdSuffix: string | null; sourceId: string } {
  const prefix = `${sae.layer}-`;
  const rest = sae.name.startsWith(prefix) ? sae.name.slice(prefix.length) : sae.name;
  const [saeSet, suffix] = rest.split("__");
  return { modelId: sae.modelName, layer: sae.layer, saeSet, saeIdSuffix: suffix ?? null, sourceId: sae.name };
}

function texts(ids: number[], vocabulary: Map<number, string>): string[] {
  return ids.map((id) => vocabulary.get(id) ?? "");
}

/** Dead, nothing stored: SAEDashboard lists such features in skipped_indexes.json instead of a batch. */
export function isSkippedFeature(f: ExportedFeature): boolean {
  return f.dead && f.examples.length === 0 && f.logitTopTokenIds.length === 0 && f.logitBottomTokenIds.length === 0 && f.histogramCounts.length === 0;
}

function corpusFields(sae: ExportedSae) {
  const perPrompt = sae.dashboardContextSize ?? 0;
  return {
    n_prompts_total: perPrompt > 0 && sae.dashboardTokens !== null ? Math.round(sae.dashboardTokens / perPrompt) : 0,
    n_tokens_in_prompt: perPrompt,
    dataset: sae.dashboardCorpus ?? "",
  };
}

function binOf(f: ExportedFeature, e: ExportedFeature["examples"][number]): { min: number; max: number; contains: number } {
  if (e.kind !== "interval" || e.intervalIndex === null) return { min: -1, max: float32(f.maxActivation), contains: -1 };
  const share = f.intervalShares[e.intervalIndex];
  return { min: float32(e.intervalMin ?? 0), max: float32(e.intervalMax ?? 0), contains: Number.isFinite(share) ? float32(share) : 0 };
}

/** One feature as NeuronpediaDashboardFeature.to_dict() (keys in its order). */
export function saeDashboardFeature(sae: ExportedSae, f: ExportedFeature, vocabulary: Map<number, string>): Record<string, unknown> {
  const histogram = bars(f.histogramMin, f.histogramMax, f.histogramCounts);
  const logitHistogram = bars(f.logitHistogramMin, f.logitHistogramMax, f.logitHistogramCounts);
  return {
    feature_index: f.index,
    neuron_alignment_indices: [], neuron_alignment_values: [], neuron_alignment_l1: [],
    correlated_neurons_indices: [], correlated_neurons_l1: [], correlated_neurons_pearson: [],
    correlated_features_indices: f.correlatedIndices,
    correlated_features_l1: f32s(f.correlatedCosines),
    correlated_features_pearson: f32s(f.correlatedPearson),
    neg_str: texts(f.logitBottomTokenIds, vocabulary), neg_values: f32s(f.logitBottomValues),
    pos_str: texts(f.logitTopTokenIds, vocabulary), pos_values: f32s(f.logitTopValues),
    frac_nonzero: float32(f.density),
    freq_hist_data_bar_values: histogram.values, freq_hist_data_bar_heights: histogram.heights,
    logits_hist_data_bar_heights: logitHistogram.heights, logits_hist_data_bar_values: logitHistogram.values,
    ...corpusFields(sae),
    decoder_weights_dist: [],
    activations: f.examples.filter((e) => e.kind !== "random").map((e) => {
      const bin = binOf(f, e);
      return {
        bin_min: bin.min, bin_max: bin.max, bin_contains: bin.contains,
        tokens: texts(e.tokenIds, vocabulary), values: f32s(e.values), qualifying_token_index: e.maxPosition,
      };
    }),
    vector: [],
  };
}

/** A whole batch file's text (NeuronpediaDashboardBatch.to_dict()). */
export function saeDashboardBatch(sae: ExportedSae, features: ExportedFeature[], vocabulary: Map<number, string>): string {
  const id = sourceIdentity(sae);
  return JSON.stringify({
    model_id: id.modelId, layer: id.layer, sae_set: id.saeSet, sae_id_suffix: id.saeIdSuffix,
    features: features.map((f) => saeDashboardFeature(sae, f, vocabulary)),
  });
}

export function skippedIndexesFile(sae: ExportedSae, indices: number[]): string {
  const id = sourceIdentity(sae);
  return JSON.stringify({ model_id: id.modelId, layer: String(id.layer), sae_set: id.saeSet, log_sparsity: 1, skipped_indexes: indices });
}

/** A feature as a Neuronpedia Neuron row (export-data.py's columns that hold dashboard data). */
export function neuronpediaFeatureRow(sae: ExportedSae, f: ExportedFeature, vocabulary: Map<number, string>): Record<string, unknown> {
  const id = sourceIdentity(sae);
  const histogram = bars(f.histogramMin, f.histogramMax, f.histogramCounts);
  const logitHistogram = bars(f.logitHistogramMin, f.logitHistogramMax, f.logitHistogramCounts);
  return {
    modelId: id.modelId, layer: id.sourceId, index: String(f.index), maxActApprox: float32(f.maxActivation),
    frac_nonzero: float32(f.density),
    freq_hist_data_bar_heights: histogram.heights, freq_hist_data_bar_values: histogram.values,
    logits_hist_data_bar_heights: logitHistogram.heights, logits_hist_data_bar_values: logitHistogram.values,
    correlated_features_indices: f.correlatedIndices, correlated_features_l1: f32s(f.correlatedCosines),
    correlated_features_pearson: f32s(f.correlatedPearson),
    neg_str: texts(f.logitBottomTokenIds, vocabulary), neg_values: f32s(f.logitBottomValues),
    pos_str: texts(f.logitTopTokenIds, vocabulary), pos_values: f32s(f.logitTopValues),
    topkCosSimIndices: f.neighborIndices, topkCosSimValues: f32s(f.neighborCosines),
  };
}

/** A feature's examples as Neuronpedia Activation rows (maxValue etc. as neuronpedia_export.py computes them). */
export function neuronpediaActivationRows(sae: ExportedSae, f: ExportedFeature, vocabulary: Map<number, string>): Array<Record<string, unknown>> {
  const id = sourceIdentity(sae);
  return f.examples.filter((e) => e.kind !== "random").map((e) => {
    const values = f32s(e.values);
    const maxValue = values.length ? Math.max(...values) : 0;
    const bin = binOf(f, e);
    return {
      modelId: id.modelId, layer: id.sourceId, index: String(f.index), tokens: texts(e.tokenIds, vocabulary), values,
      maxValue, maxValueTokenIndex: Math.max(0, values.indexOf(maxValue)), minValue: values.length ? Math.min(...values) : 0,
      binMin: bin.min, binMax: bin.max, binContains: bin.contains, qualifyingTokenIndex: e.maxPosition,
    };
  });
}

/**
 * A label as a Neuronpedia Explanation row. Imported labels keep their Neuronpedia identity (id,
 * method, explainer model, author, scores); Featurescope's own say where they came from.
 */
export function explanationRow(sae: ExportedSae, index: number, label: ExportedLabel): Record<string, unknown> {
  const id = sourceIdentity(sae);
  const p = label.provenance ?? {};
  const str = (value: unknown) => (typeof value === "string" && value ? value : null);
  const imported = p.source === "neuronpedia" || p.importedFrom === "neuronpedia";
  const scores = (p.scores && typeof p.scores === "object" ? { ...(p.scores as Record<string, unknown>) } : {}) as Record<string, unknown>;
  const own: Array<Record<string, unknown>> = [];
  if (label.detectionScore !== null) own.push({ explanationScoreTypeName: "featurescope_detection", explanationScoreModelName: str(p.model), value: float32(label.detectionScore) });
  if (label.simulationScore !== null) own.push({ explanationScoreTypeName: "featurescope_simulation", explanationScoreModelName: str(p.model), value: float32(label.simulationScore) });
  const importedScores = Array.isArray(scores.scores)
    ? (scores.scores as Array<Record<string, unknown>>).map((s) => ({
        explanationScoreTypeName: s.type ?? null, explanationScoreModelName: s.model ?? null, value: s.value,
        ...(s.details ? { jsonDetails: s.details } : {}),
      }))
    : [];
  return {
    ...(imported ? (str(p.explanationId) ? { id: str(p.explanationId) } : {}) : { id: `featurescope-label-${label.id}` }),
    modelId: id.modelId, layer: id.sourceId, index: String(index), description: label.text,
    authorId: imported ? str(p.author) : label.authorId !== null ? `featurescope-user-${label.authorId}` : null,
    typeName: imported ? str(p.method) : label.source === "human" ? "featurescope_human" : str(p.promptVersion) ?? "featurescope_autointerp",
    explanationModelName: imported ? str(p.model) : label.source === "model" ? str(p.model) : null,
    ...(typeof scores.scoreV1 === "number" ? { scoreV1: scores.scoreV1 } : {}),
    ...(typeof scores.scoreV2 === "number" ? { scoreV2: scores.scoreV2 } : {}),
    ...(importedScores.length || own.length ? { scores: [...importedScores, ...own] } : {}),
  };
}
