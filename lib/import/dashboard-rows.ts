/**
 * Imported dashboards (lib/import/dashboard-records.ts) → Feature and ActivationExample row values,
 * exactly as the file says: interval records become interval examples of their own bins, top
 * records are ranked by their max activation, histograms keep their bins.
 */
import type { ImportedExample, ImportedFeature } from "./dashboard-records";

export interface FeatureRow {
  index: number;
  maxActivation: number;
  density: number;
  dead: boolean;
  ultraRare: boolean;
  histogramMin: number | null;
  histogramMax: number | null;
  histogramCounts: number[];
  intervalShares: number[];
  logitTopTokenIds: number[];
  logitTopValues: number[];
  logitBottomTokenIds: number[];
  logitBottomValues: number[];
  logitHistogramMin: number | null;
  logitHistogramMax: number | null;
  logitHistogramCounts: number[];
  neighborIndices: number[];
  neighborCosines: number[];
  correlatedIndices: number[];
  correlatedPearson: number[];
  correlatedCosines: number[];
}

export interface ExampleRow {
  featureIndex: number;
  kind: "top" | "interval";
  rank: number;
  intervalIndex: number | null;
  intervalMin: number | null;
  intervalMax: number | null;
  tokenIds: number[];
  values: number[];
  maxValue: number;
  maxPosition: number;
}

/**
 * SAEDashboard's histogram bars (utils_fns.py HistogramData.from_data: n equal bins over
 * [min, max], bar_values = min + (i + ½)·bin_size, bar_heights = torch.histc counts) → the
 * bins' range and counts. A single bar has no width: its range is the one value.
 */
export function histogramFromBars(bars: { centres: number[]; heights: number[] } | null): { min: number | null; max: number | null; counts: number[] } {
  if (!bars || bars.centres.length === 0) return { min: null, max: null, counts: [] };
  const n = bars.centres.length;
  const first = bars.centres[0];
  const last = bars.centres[n - 1];
  const half = n > 1 ? (last - first) / (n - 1) / 2 : 0;
  return { min: first - half, max: last + half, counts: bars.heights.map((h) => Math.round(h)) };
}

/** The inverse of histogramFromBars: bar centres of n equal bins over [min, max]. */
export function barsFromHistogram(min: number, max: number, n: number): number[] {
  if (n === 1) return [min];
  const size = (max - min) / n;
  return Array.from({ length: n }, (_, i) => min + (i + 0.5) * size);
}

/** SAEDashboard marks top-activation records with bin_min −1 (neuronpedia_converter.py _parse_sequence_group_title). */
export const isTopRecord = (example: Pick<ImportedExample, "binMin">): boolean => example.binMin === null || example.binMin < 0;

function maxOf(values: number[]): number {
  let max = values.length ? values[0] : 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

/**
 * The interval bins of one feature, in order of their lower bound, each with its index among the
 * feature's linear intervals. SAEDashboard's intervals are equal-width slices of [0, max], but it
 * writes only bins that had records, so a bin's index is its lower bound over the width when the
 * widths agree (bin 4 of 5 stays bin 4 when bins 1–3 are empty); otherwise bins are numbered in order.
 */
export function intervalBins(examples: ImportedExample[]): Array<{ min: number; max: number; contains: number | null; index: number }> {
  const byKey = new Map<string, { min: number; max: number; contains: number | null }>();
  for (const e of examples) {
    if (isTopRecord(e)) continue;
    const key = `${e.binMin}|${e.binMax}`;
    if (!byKey.has(key)) byKey.set(key, { min: e.binMin!, max: e.binMax ?? e.binMin!, contains: e.binContains });
  }
  const bins = [...byKey.values()].sort((a, b) => a.min - b.min || a.max - b.max);
  const widths = bins.map((b) => b.max - b.min).sort((a, b) => a - b);
  const width = widths.length ? widths[Math.floor(widths.length / 2)] : 0;
  let indices = bins.map((_, i) => i);
  if (width > 0) {
    const derived = bins.map((b) => b.min / width);
    const rounded = derived.map(Math.round);
    const consistent = derived.every((d, i) => Math.abs(d - rounded[i]) < 0.05 && Math.abs(bins[i].max - bins[i].min - width) <= 0.05 * width)
      && new Set(rounded).size === rounded.length && rounded.every((r) => r >= 0 && r < 1000);
    if (consistent) indices = rounded;
  }
  return bins.map((b, i) => ({ ...b, index: indices[i] }));
}

/** One feature's records → its example rows (token strings mapped by `tokenIds`) and interval shares. */
export function exampleRows(
  featureIndex: number,
  examples: ImportedExample[],
  tokenIds: (tokens: string[]) => number[],
): { rows: ExampleRow[]; intervalShares: number[]; maxActivation: number } {
  const bins = intervalBins(examples);
  const binIndex = new Map(bins.map((b) => [`${b.min}|${b.max}`, b]));
  const shares = new Array<number>(bins.length ? Math.max(...bins.map((b) => b.index)) + 1 : 0).fill(Number.NaN);
  for (const b of bins) if (b.contains !== null) shares[b.index] = b.contains;

  const position = (e: ImportedExample): number => {
    const q = e.qualifyingTokenIndex;
    if (q !== null && q >= 0 && q < e.values.length) return q;
    return Math.max(0, e.values.indexOf(maxOf(e.values)));
  };
  const rows: ExampleRow[] = [];
  const top = examples.filter(isTopRecord).map((e, order) => ({ e, order, max: maxOf(e.values) }));
  // ranked by max activation, the file's order breaking ties
  top.sort((a, b) => b.max - a.max || a.order - b.order);
  top.forEach(({ e, max }, rank) => rows.push({
    featureIndex, kind: "top", rank, intervalIndex: null, intervalMin: null, intervalMax: null,
    tokenIds: tokenIds(e.tokens), values: e.values, maxValue: max, maxPosition: position(e),
  }));
  const ranks = new Map<number, number>();
  for (const e of examples) {
    if (isTopRecord(e)) continue;
    const bin = binIndex.get(`${e.binMin}|${e.binMax}`)!;
    const rank = ranks.get(bin.index) ?? 0;
    ranks.set(bin.index, rank + 1);
    rows.push({
      featureIndex, kind: "interval", rank, intervalIndex: bin.index, intervalMin: bin.min, intervalMax: bin.max,
      tokenIds: tokenIds(e.tokens), values: e.values, maxValue: maxOf(e.values), maxPosition: position(e),
    });
  }
  const maxActivation = examples.reduce((m, e) => Math.max(m, maxOf(e.values)), 0);
  return { rows, intervalShares: shares, maxActivation };
}

/** A feature's values as a row (token strings mapped by `tokenIds`). */
export function featureRow(feature: ImportedFeature, tokenIds: (tokens: string[]) => number[], fromExamples?: { maxActivation: number; intervalShares: number[] }): FeatureRow {
  const histogram = histogramFromBars(feature.histogram);
  const logitHistogram = histogramFromBars(feature.logitHistogram);
  const density = feature.density;
  return {
    index: feature.index,
    maxActivation: feature.maxActivation ?? fromExamples?.maxActivation ?? 0,
    density,
    dead: !(density > 0),
    ultraRare: density > 0 && density < 1e-5,
    histogramMin: histogram.min,
    histogramMax: histogram.max,
    histogramCounts: histogram.counts,
    intervalShares: fromExamples?.intervalShares ?? [],
    logitTopTokenIds: tokenIds(feature.logitTop.tokens),
    logitTopValues: feature.logitTop.values,
    logitBottomTokenIds: tokenIds(feature.logitBottom.tokens),
    logitBottomValues: feature.logitBottom.values,
    logitHistogramMin: logitHistogram.min,
    logitHistogramMax: logitHistogram.max,
    logitHistogramCounts: logitHistogram.counts,
    neighborIndices: feature.neighbours.indices,
    neighborCosines: feature.neighbours.cosines,
    correlatedIndices: feature.correlated.indices,
    correlatedPearson: feature.correlated.pearson,
    correlatedCosines: feature.correlated.cosines,
  };
}
