/**
 * A feature's auto-interp material and its fixed split (shared INTERP.md §6): the explainer sees a
 * fixed set of top and interval examples; simulation is scored on held-out top, interval and
 * non-activating examples; detection on held-out activating examples across activation quantiles
 * and non-activating ones. No example is in two parts, and the non-activating examples are the
 * dashboard's "random" rows — contexts the SAE's own encoding found inactive for this feature at
 * every counted position (lib/dashboards/statistics.ts), never other features' contexts assumed
 * to be inactive.
 */
import { seededRandom } from "./scoring";

export interface FeatureExample {
  id: number;
  /** top: strongest contexts by rank; interval: sampled per activation interval; random: verified non-activating */
  kind: "top" | "interval" | "random";
  intervalIndex: number | null;
  rank: number;
  tokens: string[];
  /** token ids, when known (the built-in explainer compares them with the corpus) */
  tokenIds?: number[];
  values: number[];
  maxValue: number;
  maxPosition: number;
}

export interface FeatureMaterial {
  saeId: number;
  index: number;
  maxActivation: number;
  /** by rank */
  top: FeatureExample[];
  /** by interval, then rank */
  interval: FeatureExample[];
  /** non-activating contexts, by rank (uniform sample of the corpus contexts where the feature is 0) */
  random: FeatureExample[];
  /** the tokens its decoder direction promotes most (logit effects), strongest first */
  promotes?: string[];
}

export const SAMPLE_SIZES = {
  explainTop: 10,
  explainInterval: 5,
  simulationTop: 5,
  simulationInterval: 5,
  simulationRandom: 5,
  detectionActive: 10,
  detectionInactive: 10,
  detectionBatch: 5,
  /** tokens either side of an example's max shown to the model */
  window: 24,
} as const;

export interface MaterialSplit {
  explain: FeatureExample[];
  simulation: FeatureExample[];
  detectionActive: FeatureExample[];
  detectionInactive: FeatureExample[];
}

/** `count` items spread evenly over `items` (deterministic: the first, the last, and even steps between). */
export function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return [...items];
  if (count <= 1) return items.slice(0, count);
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]);
}

/** One example from each of up to `count` quantile bins of activation strength (delphi's sampling). */
export function quantileSample(examples: FeatureExample[], count: number, random: () => number): FeatureExample[] {
  if (examples.length <= count) return [...examples];
  const sorted = [...examples].sort((a, b) => b.maxValue - a.maxValue || a.id - b.id);
  const picked: FeatureExample[] = [];
  for (let bin = 0; bin < count; bin++) {
    const from = Math.floor((bin * sorted.length) / count);
    const to = Math.max(from + 1, Math.floor(((bin + 1) * sorted.length) / count));
    picked.push(sorted[from + Math.floor(random() * (to - from))]);
  }
  return picked;
}

/**
 * The split. Explain: top ranks 0–9 and one sampled example from each of 5 intervals spread over
 * the activation range. Simulation: top ranks 10–14, 5 more interval examples, non-activating
 * ranks 0–4. Detection: 10 activating examples across activation quantiles from what is left, and
 * non-activating ranks 5–14. `seed` only picks within the detection quantile bins.
 */
export function splitMaterial(material: FeatureMaterial, seed: number): MaterialSplit {
  const random = seededRandom(seed);
  const top = [...material.top].sort((a, b) => a.rank - b.rank);
  const interval = [...material.interval].sort((a, b) => (a.intervalIndex ?? 0) - (b.intervalIndex ?? 0) || a.rank - b.rank);
  const nonActivating = [...material.random].sort((a, b) => a.rank - b.rank).filter((e) => e.maxValue <= 0);

  const explainTop = top.slice(0, SAMPLE_SIZES.explainTop);
  // the first sample of each interval that has one, spread over the range
  const firstPerInterval = interval.filter((e, i) => i === 0 || interval[i - 1].intervalIndex !== e.intervalIndex);
  const explainInterval = spread(firstPerInterval, SAMPLE_SIZES.explainInterval);
  const used = new Set([...explainTop, ...explainInterval].map((e) => e.id));

  const simulationTop = top.slice(SAMPLE_SIZES.explainTop, SAMPLE_SIZES.explainTop + SAMPLE_SIZES.simulationTop);
  const intervalLeft = interval.filter((e) => !used.has(e.id));
  const secondPerInterval = intervalLeft.filter((e, i) => i === 0 || intervalLeft[i - 1].intervalIndex !== e.intervalIndex);
  const simulationInterval = spread(secondPerInterval, SAMPLE_SIZES.simulationInterval);
  const simulationRandom = nonActivating.slice(0, SAMPLE_SIZES.simulationRandom);
  const simulation = [...simulationTop, ...simulationInterval, ...simulationRandom];
  for (const e of simulation) used.add(e.id);

  const activeLeft = [...top, ...interval].filter((e) => !used.has(e.id));
  const detectionActive = quantileSample(activeLeft, SAMPLE_SIZES.detectionActive, random);
  const detectionInactive = nonActivating.slice(SAMPLE_SIZES.simulationRandom, SAMPLE_SIZES.simulationRandom + SAMPLE_SIZES.detectionInactive);
  return { explain: [...explainTop, ...explainInterval], simulation, detectionActive, detectionInactive };
}

/** A window of the context around its max, so prompts stay short. */
export function windowed(example: FeatureExample, radius: number = SAMPLE_SIZES.window): { tokens: string[]; values: number[]; tokenIds?: number[] } {
  const start = Math.max(0, example.maxPosition - radius);
  const end = Math.min(example.tokens.length, example.maxPosition + radius + 1);
  return {
    tokens: example.tokens.slice(start, end),
    values: example.values.slice(start, end),
    ...(example.tokenIds ? { tokenIds: example.tokenIds.slice(start, end) } : {}),
  };
}
