/**
 * Imported records → rows. Expectations follow SAEDashboard's definitions: neuronpedia_converter.py
 * (_parse_sequence_group_title: top records bin_min −1; intervals "INTERVAL a - b", equal-width
 * slices of [0, max]) and utils_fns.py HistogramData.from_data (bar_values are bin centres).
 */
import { describe, expect, it } from "vitest";
import type { ImportedExample } from "./dashboard-records";
import { barsFromHistogram, exampleRows, histogramFromBars, intervalBins } from "./dashboard-rows";

const record = (values: number[], bin: [number, number, number] | null, q: number | null = null): ImportedExample => ({
  featureIndex: 7, tokens: values.map((_, i) => `t${i}`), values,
  binMin: bin?.[0] ?? null, binMax: bin?.[1] ?? null, binContains: bin?.[2] ?? null, qualifyingTokenIndex: q,
});

describe("imported dashboard rows", () => {
  it("ranks top records by their max activation, whatever the file's order", () => {
    const { rows, maxActivation } = exampleRows(7, [record([0, 1], [-1, 3, -1]), record([3, 0], [-1, 3, -1]), record([0, 2], null)], (t) => t.map((_, i) => i));
    expect(rows.filter((r) => r.kind === "top").map((r) => [r.rank, r.maxValue])).toEqual([[0, 3], [1, 2], [2, 1]]);
    expect(maxActivation).toBe(3);
  });

  it("keeps interval records in their own bins, placed by their bounds when bins are missing", () => {
    const examples = [record([0.1], [0, 0.5, 0.9]), record([2.4], [2, 2.5, 0.01]), record([0.2], [0, 0.5, 0.9]), record([1], [-1, 2.5, -1])];
    expect(intervalBins(examples).map((b) => b.index)).toEqual([0, 4]);
    const { rows, intervalShares } = exampleRows(7, examples, (t) => t.map(() => 0));
    const intervals = rows.filter((r) => r.kind === "interval");
    expect(intervals.map((r) => [r.intervalIndex, r.rank, r.intervalMin, r.intervalMax])).toEqual([[0, 0, 0, 0.5], [4, 0, 2, 2.5], [0, 1, 0, 0.5]]);
    expect(intervalShares.map((s) => (Number.isNaN(s) ? null : s))).toEqual([0.9, null, null, null, 0.01]);
  });

  it("numbers bins in order when their widths disagree, and centres the context on the qualifying token", () => {
    const bins = intervalBins([record([1], [0, 1, 0.5]), record([2], [1, 3, 0.3]), record([3], [3, 3.5, 0.2])]);
    expect(bins.map((b) => b.index)).toEqual([0, 1, 2]);
    const { rows } = exampleRows(7, [record([5, 1, 0], [0, 6, 1], 1)], (t) => t.map(() => 0));
    expect(rows[0].maxPosition).toBe(1);
  });

  it("turns bar centres into the histogram's range and back", () => {
    // 4 bins over [0, 2]: centres 0.25, 0.75, 1.25, 1.75
    expect(histogramFromBars({ centres: [0.25, 0.75, 1.25, 1.75], heights: [3, 2, 1, 0] })).toEqual({ min: 0, max: 2, counts: [3, 2, 1, 0] });
    expect(barsFromHistogram(0, 2, 4)).toEqual([0.25, 0.75, 1.25, 1.75]);
  });
});
