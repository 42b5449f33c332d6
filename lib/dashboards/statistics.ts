/**
 * Streaming per-feature dashboard statistics (shared INTERP.md §4) over sparse SAE activations, in
 * two passes over the same corpus contexts in the same (seeded, shuffled) order:
 *
 * - pass 1: density, max, smallest non-zero value, and the top-k contexts by their max activation
 *   (a bounded min-heap per feature);
 * - pass 2, with each feature's max known: the exact 50-bin histogram over [min, max], the share of
 *   active tokens per linear interval of (ε, max], the interval samples, and the per-token values of
 *   the top contexts.
 *
 * Interval samples are uniform without replacement: contexts arrive in a seeded random order, so
 * the first `examplesPerInterval` contexts whose max falls in an interval are a uniform sample of
 * that interval — and they are final the moment they are seen, so pass 2 emits every example row
 * exactly once and nothing has to be held back. Non-activating ("random") examples are drawn the
 * same way: the first `nonActivatingExamples` contexts in that order in which a live feature is 0
 * at every counted position — read from this context's own encoding, never assumed — are a uniform
 * sample of the corpus contexts where it is inactive. Both passes are deterministic and their whole
 * state serialises (checkpoint.ts), which is what makes a resumed run equal to an uninterrupted one.
 *
 * Sampled rows (interval and random) carry the context's position in the processing order as their
 * rank. A run split into shards (contiguous ranges of that order) lets every shard emit its own
 * first N per slot; publishing keeps the N smallest positions per slot and renumbers them 0…N−1,
 * which is exactly what one worker going through the whole order would have kept.
 *
 * Positions marked excluded (the BOS token and any other BOS-id token) count nowhere.
 */

export interface DashboardSettings {
  /** Top examples per feature (20). */
  topK: number;
  /** Linear intervals of (ε, max] (10). */
  intervals: number;
  /** Random contexts sampled per interval (5). */
  examplesPerInterval: number;
  /** Histogram bins over non-zero activations (50). */
  histogramBins: number;
  /** Lowest interval bound as a fraction of the feature's max: values ≤ ε·max are in no interval. */
  epsilonFraction: number;
  /** Alive features with a density below this are flagged ultra-rare. */
  ultraRareDensity: number;
  /** Sampled contexts per live feature where it is 0 at every counted position (15). */
  nonActivatingExamples: number;
}

export const DEFAULT_DASHBOARD_SETTINGS: DashboardSettings = {
  topK: 20,
  intervals: 10,
  examplesPerInterval: 5,
  histogramBins: 50,
  epsilonFraction: 1e-6,
  ultraRareDensity: 1e-5,
  // auto-interp needs 10 detection negatives and 5 simulation records that the explainer never saw
  nonActivatingExamples: 15,
};

/**
 * One context's sparse feature activations in CSR form: token t's active features are
 * features[offsets[t] .. offsets[t+1]) with the matching values (> 0).
 */
export interface ContextActivations {
  contextIndex: number;
  tokenIds: Int32Array;
  offsets: Int32Array;
  features: Int32Array;
  values: Float32Array;
  /** 1 where a position counts nowhere (BOS). */
  excluded: Uint8Array;
  /** Position of this context in the run's processing order (the rank of the sampled rows it yields). */
  order?: number;
}

/** top: the k strongest contexts; interval: sampled per activation interval; random: sampled where the feature is 0. */
export type ExampleKind = "top" | "interval" | "random";

/** One example row as it will be stored (ActivationExample, through the staging table). */
export interface ExampleRow {
  featureIndex: number;
  kind: ExampleKind;
  /** top: rank 0…k−1; interval and random: the context's position in the processing order (see above). */
  rank: number;
  intervalIndex: number | null;
  intervalMin: number | null;
  intervalMax: number | null;
  contextIndex: number;
  tokenIds: Int32Array;
  values: Float32Array;
  maxValue: number;
  maxPosition: number;
}

/** Scratch space for one context's per-feature max, reset after each context. */
class ContextMaxima {
  readonly max: Float32Array;
  readonly position: Int32Array;
  readonly touched: number[] = [];

  constructor(dSae: number) {
    this.max = new Float32Array(dSae);
    this.position = new Int32Array(dSae);
  }

  scan(context: ContextActivations, onToken?: (feature: number, value: number) => void): number {
    const { offsets, features, values, excluded } = context;
    let tokens = 0;
    for (let t = 0; t < offsets.length - 1; t++) {
      if (excluded[t]) continue;
      tokens += 1;
      for (let e = offsets[t]; e < offsets[t + 1]; e++) {
        const value = values[e];
        if (!(value > 0)) continue;
        const feature = features[e];
        onToken?.(feature, value);
        const current = this.max[feature];
        if (current === 0) this.touched.push(feature);
        if (value > current) {
          this.max[feature] = value;
          this.position[feature] = t;
        }
      }
    }
    return tokens;
  }

  reset(): void {
    for (const feature of this.touched) this.max[feature] = 0;
    this.touched.length = 0;
  }
}

/** Pass 1: density, max, min non-zero, and the top-k contexts per feature. */
export class FirstPass {
  readonly dSae: number;
  readonly settings: DashboardSettings;
  /** Tokens counted (excluded positions are not). */
  tokens = 0;
  contexts = 0;
  readonly activeCount: Float64Array;
  readonly activationSum: Float64Array;
  readonly max: Float32Array;
  readonly minNonZero: Float32Array;
  /** Per feature a min-heap of (value, context, position), worst entry at the root. */
  readonly topValue: Float32Array;
  readonly topContext: Int32Array;
  readonly topPosition: Int32Array;
  readonly topSize: Int32Array;
  private readonly scratch: ContextMaxima;

  constructor(dSae: number, settings: DashboardSettings = DEFAULT_DASHBOARD_SETTINGS) {
    this.dSae = dSae;
    this.settings = settings;
    this.activeCount = new Float64Array(dSae);
    this.activationSum = new Float64Array(dSae);
    this.max = new Float32Array(dSae);
    this.minNonZero = new Float32Array(dSae).fill(Infinity);
    this.topValue = new Float32Array(dSae * settings.topK);
    this.topContext = new Int32Array(dSae * settings.topK);
    this.topPosition = new Int32Array(dSae * settings.topK);
    this.topSize = new Int32Array(dSae);
    this.scratch = new ContextMaxima(dSae);
  }

  add(context: ContextActivations): void {
    const { activeCount, activationSum, max, minNonZero } = this;
    this.tokens += this.scratch.scan(context, (feature, value) => {
      activeCount[feature] += 1;
      activationSum[feature] += value;
      if (value > max[feature]) max[feature] = value;
      if (value < minNonZero[feature]) minNonZero[feature] = value;
    });
    for (const feature of this.scratch.touched) {
      this.offerTop(feature, this.scratch.max[feature], context.contextIndex, this.scratch.position[feature]);
    }
    this.scratch.reset();
    this.contexts += 1;
  }

  /** a ranks above b: larger value, then the earlier context. */
  private static better(va: number, ca: number, vb: number, cb: number): boolean {
    return va > vb || (va === vb && ca < cb);
  }

  private offerTop(feature: number, value: number, context: number, position: number): void {
    const k = this.settings.topK;
    const base = feature * k;
    const size = this.topSize[feature];
    const { topValue: tv, topContext: tc, topPosition: tp } = this;
    if (size < k) {
      // sift up: the root holds the worst entry
      let i = size;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!FirstPass.better(tv[base + parent], tc[base + parent], value, context)) break;
        tv[base + i] = tv[base + parent];
        tc[base + i] = tc[base + parent];
        tp[base + i] = tp[base + parent];
        i = parent;
      }
      tv[base + i] = value;
      tc[base + i] = context;
      tp[base + i] = position;
      this.topSize[feature] = size + 1;
      return;
    }
    if (!FirstPass.better(value, context, tv[base], tc[base])) return;
    // replace the root and sift down
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= k) break;
      let worst = left;
      const right = left + 1;
      if (right < k && FirstPass.better(tv[base + left], tc[base + left], tv[base + right], tc[base + right])) worst = right;
      if (!FirstPass.better(value, context, tv[base + worst], tc[base + worst])) break;
      tv[base + i] = tv[base + worst];
      tc[base + i] = tc[base + worst];
      tp[base + i] = tp[base + worst];
      i = worst;
    }
    tv[base + i] = value;
    tc[base + i] = context;
    tp[base + i] = position;
  }

  /**
   * Adds another shard's first pass over other contexts. Exact: counts add, extremes combine, and
   * the top-k lists merge under the same total order (value, then earlier context), so the merged
   * state ranks every feature's top contexts exactly as one pass over all contexts does.
   * (activationSum adds in another order, so its last bits may differ; it is stored nowhere.)
   */
  merge(other: FirstPass): void {
    if (other.dSae !== this.dSae || other.settings.topK !== this.settings.topK) throw new Error("first passes of different shapes cannot merge");
    this.tokens += other.tokens;
    this.contexts += other.contexts;
    const k = this.settings.topK;
    for (let f = 0; f < this.dSae; f++) {
      this.activeCount[f] += other.activeCount[f];
      this.activationSum[f] += other.activationSum[f];
      if (other.max[f] > this.max[f]) this.max[f] = other.max[f];
      if (other.minNonZero[f] < this.minNonZero[f]) this.minNonZero[f] = other.minNonZero[f];
      for (let i = 0; i < other.topSize[f]; i++) {
        this.offerTop(f, other.topValue[f * k + i], other.topContext[f * k + i], other.topPosition[f * k + i]);
      }
    }
  }

  /** A feature's top contexts, best first. */
  topOf(feature: number): Array<{ value: number; contextIndex: number; position: number }> {
    const k = this.settings.topK;
    const entries = [];
    for (let i = 0; i < this.topSize[feature]; i++) {
      entries.push({
        value: this.topValue[feature * k + i],
        contextIndex: this.topContext[feature * k + i],
        position: this.topPosition[feature * k + i],
      });
    }
    return entries.sort((a, b) => b.value - a.value || a.contextIndex - b.contextIndex);
  }
}

/** Pass 2: histograms, interval shares, interval samples and the top contexts' token values. */
export class SecondPass {
  readonly first: FirstPass;
  readonly dSae: number;
  readonly settings: DashboardSettings;
  tokens = 0;
  contexts = 0;
  readonly histogram: Int32Array;
  readonly intervalCount: Float64Array;
  /** How many samples each (feature, interval) already has. */
  readonly intervalFilled: Int32Array;
  /** How many non-activating samples each feature already has (dead features are never sampled). */
  readonly randomFilled: Int32Array;
  /** Live features still short of non-activating samples (compacted as they fill). */
  private pendingRandom: Int32Array;
  /** contextIndex → [feature, rank] pairs of the top-k lists that hold it. */
  private readonly topMembership = new Map<number, number[]>();
  private readonly scratch: ContextMaxima;

  constructor(first: FirstPass) {
    this.first = first;
    this.dSae = first.dSae;
    this.settings = first.settings;
    this.histogram = new Int32Array(this.dSae * this.settings.histogramBins);
    this.intervalCount = new Float64Array(this.dSae * this.settings.intervals);
    this.intervalFilled = new Int32Array(this.dSae * this.settings.intervals);
    this.randomFilled = new Int32Array(this.dSae);
    this.pendingRandom = new Int32Array(0);
    this.refreshPendingRandom();
    this.scratch = new ContextMaxima(this.dSae);
    for (let feature = 0; feature < this.dSae; feature++) {
      first.topOf(feature).forEach((entry, rank) => {
        const list = this.topMembership.get(entry.contextIndex) ?? [];
        list.push(feature, rank);
        this.topMembership.set(entry.contextIndex, list);
      });
    }
  }

  /**
   * Adds another shard's second pass (same first pass, other contexts): histograms and interval
   * shares add. The samples themselves are rows, chosen at publish time by order position.
   */
  merge(other: SecondPass): void {
    if (other.histogram.length !== this.histogram.length || other.intervalCount.length !== this.intervalCount.length) {
      throw new Error("second passes of different shapes cannot merge");
    }
    this.tokens += other.tokens;
    this.contexts += other.contexts;
    for (let i = 0; i < this.histogram.length; i++) this.histogram[i] += other.histogram[i];
    for (let i = 0; i < this.intervalCount.length; i++) this.intervalCount[i] += other.intervalCount[i];
  }

  /**
   * Counts `count` samples already emitted for a slot by earlier contexts of the order (the shards
   * before this one), so this shard emits only the samples still missing. Exact whenever the count
   * is at most what those shards finally emit: publishing keeps the earliest N per slot anyway.
   */
  countEarlier(feature: number, kind: "interval" | "random", interval: number | null, count: number): void {
    if (kind === "interval" && interval !== null) {
      const slot = feature * this.settings.intervals + interval;
      this.intervalFilled[slot] = Math.min(this.settings.examplesPerInterval, this.intervalFilled[slot] + count);
    } else if (kind === "random") {
      this.randomFilled[feature] = Math.min(this.settings.nonActivatingExamples, this.randomFilled[feature] + count);
    }
  }

  /** Recomputes the live features still needing non-activating samples (after a restore). */
  refreshPendingRandom(): void {
    const wanted = this.settings.nonActivatingExamples ?? 0;
    const pending: number[] = [];
    for (let f = 0; f < this.dSae; f++) if (this.first.activeCount[f] > 0 && this.randomFilled[f] < wanted) pending.push(f);
    this.pendingRandom = Int32Array.from(pending);
  }

  epsilon(feature: number): number {
    return this.first.max[feature] * this.settings.epsilonFraction;
  }

  /** Interval index of a value (−1 when ≤ ε). Interval j is (j·w, (j+1)·w], the first starts at ε. */
  intervalOf(feature: number, value: number): number {
    const max = this.first.max[feature];
    if (!(value > this.epsilon(feature)) || max <= 0) return -1;
    const n = this.settings.intervals;
    return Math.min(n - 1, Math.max(0, Math.ceil((value / max) * n) - 1));
  }

  intervalBounds(feature: number, interval: number): [number, number] {
    const max = this.first.max[feature];
    const n = this.settings.intervals;
    return [interval === 0 ? this.epsilon(feature) : (max * interval) / n, (max * (interval + 1)) / n];
  }

  private binOf(feature: number, value: number): number {
    const bins = this.settings.histogramBins;
    const lo = this.first.minNonZero[feature];
    const hi = this.first.max[feature];
    if (!(hi > lo)) return bins - 1;
    return Math.min(bins - 1, Math.max(0, Math.floor(((value - lo) / (hi - lo)) * bins)));
  }

  /** Adds one context; returns the example rows it contributes (final, emitted once). */
  add(context: ContextActivations): ExampleRow[] {
    const { histogram, intervalCount } = this;
    const bins = this.settings.histogramBins;
    const n = this.settings.intervals;
    this.tokens += this.scratch.scan(context, (feature, value) => {
      histogram[feature * bins + this.binOf(feature, value)] += 1;
      const interval = this.intervalOf(feature, value);
      if (interval >= 0) intervalCount[feature * n + interval] += 1;
    });

    const order = context.order ?? this.contexts;
    // which features emit a row for this context, and as what
    const emits: Array<{ feature: number; kind: ExampleKind; rank: number; interval: number | null }> = [];
    const top = this.topMembership.get(context.contextIndex);
    if (top) for (let i = 0; i < top.length; i += 2) emits.push({ feature: top[i], kind: "top", rank: top[i + 1], interval: null });
    for (const feature of this.scratch.touched) {
      const interval = this.intervalOf(feature, this.scratch.max[feature]);
      if (interval < 0) continue;
      const slot = feature * n + interval;
      if (this.intervalFilled[slot] >= this.settings.examplesPerInterval) continue;
      emits.push({ feature, kind: "interval", rank: order, interval });
      this.intervalFilled[slot] += 1;
    }

    const rows: ExampleRow[] = [];
    if (this.pendingRandom.length > 0) rows.push(...this.nonActivating(context, order));
    if (emits.length > 0) {
      const valuesOf = new Map<number, Float32Array>();
      const length = context.offsets.length - 1;
      for (const emit of emits) if (!valuesOf.has(emit.feature)) valuesOf.set(emit.feature, new Float32Array(length));
      for (let t = 0; t < length; t++) {
        if (context.excluded[t]) continue;
        for (let e = context.offsets[t]; e < context.offsets[t + 1]; e++) {
          const target = valuesOf.get(context.features[e]);
          if (target && context.values[e] > 0) target[t] = context.values[e];
        }
      }
      for (const emit of emits) {
        const bounds = emit.interval === null ? null : this.intervalBounds(emit.feature, emit.interval);
        rows.push({
          featureIndex: emit.feature,
          kind: emit.kind,
          rank: emit.rank,
          intervalIndex: emit.interval,
          intervalMin: bounds ? bounds[0] : null,
          intervalMax: bounds ? bounds[1] : null,
          contextIndex: context.contextIndex,
          tokenIds: context.tokenIds,
          values: valuesOf.get(emit.feature)!,
          maxValue: this.scratch.max[emit.feature],
          maxPosition: this.scratch.position[emit.feature],
        });
      }
    }
    this.scratch.reset();
    this.contexts += 1;
    return rows;
  }

  /**
   * Rows for the live features that are 0 at every counted position of this context and still
   * need samples. Their values are all zeros and maxPosition is the counted position nearest the
   * context's middle (a window there shows ordinary text, not the BOS). Call before scratch.reset(): "touched" is the proof.
   */
  private nonActivating(context: ContextActivations, order: number): ExampleRow[] {
    const wanted = this.settings.nonActivatingExamples;
    const length = context.offsets.length - 1;
    // the counted position nearest the middle (an EOS/BOS-id token there counts nowhere)
    let middle = -1;
    for (let d = 0; d <= length && middle < 0; d++) {
      for (const t of [(length >> 1) - d, (length >> 1) + d]) {
        if (t >= 0 && t < length && !context.excluded[t]) {
          middle = t;
          break;
        }
      }
    }
    if (middle < 0) return [];
    const zeros = new Float32Array(length);
    const rows: ExampleRow[] = [];
    let keep = 0;
    for (let i = 0; i < this.pendingRandom.length; i++) {
      const feature = this.pendingRandom[i];
      if (this.scratch.max[feature] === 0) {
        rows.push({
          featureIndex: feature, kind: "random", rank: order, intervalIndex: null, intervalMin: null, intervalMax: null,
          contextIndex: context.contextIndex, tokenIds: context.tokenIds, values: zeros, maxValue: 0, maxPosition: middle,
        });
        this.randomFilled[feature] += 1;
      }
      if (this.randomFilled[feature] < wanted) this.pendingRandom[keep++] = feature;
    }
    this.pendingRandom = this.pendingRandom.subarray(0, keep);
    return rows;
  }
}

/** The per-feature values that end up on Feature rows (logit effects and neighbours come from readout.ts). */
export interface FeatureStatistics {
  index: number;
  maxActivation: number;
  density: number;
  meanActivation: number;
  activeTokens: number;
  dead: boolean;
  ultraRare: boolean;
  histogramMin: number | null;
  histogramMax: number | null;
  histogramCounts: number[];
  intervalShares: number[];
}

export function featureStatistics(second: SecondPass, feature: number): FeatureStatistics {
  const { first, settings } = second;
  const count = first.activeCount[feature];
  const tokens = Math.max(1, first.tokens);
  const dead = count === 0;
  const bins = settings.histogramBins;
  const n = settings.intervals;
  const density = count / tokens;
  return {
    index: feature,
    maxActivation: first.max[feature],
    density,
    meanActivation: dead ? 0 : first.activationSum[feature] / count,
    activeTokens: count,
    dead,
    ultraRare: !dead && density < settings.ultraRareDensity,
    histogramMin: dead ? null : first.minNonZero[feature],
    histogramMax: dead ? null : first.max[feature],
    histogramCounts: dead ? [] : Array.from(second.histogram.subarray(feature * bins, (feature + 1) * bins)),
    intervalShares: dead ? [] : Array.from(second.intervalCount.subarray(feature * n, (feature + 1) * n), (c) => c / count),
  };
}
