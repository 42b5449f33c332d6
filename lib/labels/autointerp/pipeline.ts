/**
 * Drafting one feature's label: explain from top and interval examples (activations as integers
 * 0–10), then score the explanation by simulation (Pearson r of predicted vs true activations on
 * held-out top + random records) and detection (balanced accuracy telling activating examples,
 * sampled across activation quantiles, from non-activating ones, five at a time). Provider errors
 * and unparsable replies propagate as ProviderError: a failed call is never turned into a score.
 */
import { PROMPT_VERSION, detectMessages, explainMessages, parseDetection, parseExplanation, parseSimulation, simulateMessages } from "./prompts";
import { ProviderError, type ChatMessage, type ChatProvider, type ChatUsage } from "./provider";
import { balancedAccuracy, confusion, pearson, quantizeActivations, seededRandom, shuffle } from "./scoring";

export interface FeatureExample {
  id: number;
  kind: "top" | "interval" | "random" | "other";
  intervalIndex: number | null;
  tokens: string[];
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
  interval: FeatureExample[];
  random: FeatureExample[];
  /** contexts where this feature is (assumed) inactive: other features' top examples */
  others: FeatureExample[];
}

export const SAMPLE_SIZES = {
  explainTop: 10,
  explainInterval: 5,
  simulationTop: 5,
  simulationRandom: 5,
  detectionActive: 10,
  detectionInactive: 10,
  detectionBatch: 5,
  /** tokens either side of an example's max shown to the model */
  window: 24,
} as const;

export interface DraftResult {
  explanation: string;
  detection: { score: number | null; tp: number; fn: number; tn: number; fp: number; n: number; batches: number; inactiveSource: string };
  simulation: { score: number | null; n: number; tokens: number; perRecord: (number | null)[]; note?: string };
  usage: ChatUsage;
  calls: number;
  examples: { explain: number[]; simulation: number[]; detectionActive: number[]; detectionInactive: number[] };
  seed: number;
  promptVersion: string;
}

/** A window of the context around its max, so prompts stay short. */
export function windowed(example: FeatureExample, radius: number = SAMPLE_SIZES.window): { tokens: string[]; values: number[] } {
  const start = Math.max(0, example.maxPosition - radius);
  const end = Math.min(example.tokens.length, example.maxPosition + radius + 1);
  return { tokens: example.tokens.slice(start, end), values: example.values.slice(start, end) };
}

/** One example from each of up to `count` quantile bins of activation strength (delphi's sampling). */
export function quantileSample(examples: FeatureExample[], count: number, random: () => number): FeatureExample[] {
  if (examples.length <= count) return [...examples];
  const sorted = [...examples].sort((a, b) => b.maxValue - a.maxValue);
  const picked: FeatureExample[] = [];
  for (let bin = 0; bin < count; bin++) {
    const from = Math.floor((bin * sorted.length) / count);
    const to = Math.max(from + 1, Math.floor(((bin + 1) * sorted.length) / count));
    picked.push(sorted[from + Math.floor(random() * (to - from))]);
  }
  return picked;
}

export async function draftFeatureLabel(material: FeatureMaterial, provider: ChatProvider, options: { seed?: number } = {}): Promise<DraftResult> {
  const seed = options.seed ?? (material.saeId * 1_000_003 + material.index) >>> 0;
  const random = seededRandom(seed);
  const usage: ChatUsage = { promptTokens: 0, completionTokens: 0 };
  let calls = 0;
  const ask = async (messages: ChatMessage[], maxTokens: number) => {
    calls++;
    const result = await provider.chat(messages, { maxTokens, temperature: 0 });
    usage.promptTokens += result.usage.promptTokens;
    usage.completionTokens += result.usage.completionTokens;
    return result.text;
  };
  const max = material.maxActivation > 0 ? material.maxActivation : Math.max(0, ...material.top.map((e) => e.maxValue));
  if (!(max > 0) || material.top.length === 0) {
    throw new ProviderError(`Feature ${material.index} has no activating examples to explain (dead, or dashboards not computed).`, "config", false);
  }

  // 1. explain: the strongest examples plus a spread of weaker ones (intervals)
  const explainTop = material.top.slice(0, SAMPLE_SIZES.explainTop);
  const explainInterval = quantileSample(material.interval, SAMPLE_SIZES.explainInterval, random);
  const explainSet = [...explainTop, ...explainInterval];
  const records = explainSet.map((example) => {
    const { tokens, values } = windowed(example);
    return { tokens, activations: quantizeActivations(values, max) };
  });
  const explanation = parseExplanation(await ask(explainMessages(records), 80));
  if (!explanation) throw new ProviderError("The provider returned an empty explanation.", "malformed", true);

  // 2. simulation: held-out top records (when there are enough) and random records
  const heldOutTop = material.top.slice(SAMPLE_SIZES.explainTop, SAMPLE_SIZES.explainTop + SAMPLE_SIZES.simulationTop);
  const simulationTop = heldOutTop.length ? heldOutTop : material.top.slice(0, SAMPLE_SIZES.simulationTop);
  const randomPool = material.random.length ? material.random : material.interval;
  const simulationSet = [...simulationTop, ...shuffle(randomPool, random).slice(0, SAMPLE_SIZES.simulationRandom)];
  const predictedAll: number[] = [];
  const trueAll: number[] = [];
  const perRecord: (number | null)[] = [];
  for (const example of simulationSet) {
    const { tokens, values } = windowed(example);
    const reply = await ask(simulateMessages(explanation, tokens), 16 + tokens.length * 4);
    const predicted = parseSimulation(reply, tokens.length);
    if (predicted instanceof Error) throw new ProviderError(`Simulation: ${predicted.message}.`, "malformed", true, null, reply.slice(0, 500));
    predictedAll.push(...predicted);
    trueAll.push(...values);
    perRecord.push(pearson(predicted, values));
  }
  const simulationScore = pearson(predictedAll, trueAll);

  // 3. detection: activating examples across quantiles vs non-activating contexts, 5 per prompt
  const active = quantileSample([...material.top, ...material.interval], SAMPLE_SIZES.detectionActive, random);
  // random contexts where the feature is zero first, topped up with other features' top contexts
  const zeroRandom = shuffle(material.random.filter((e) => e.maxValue <= 0), random).slice(0, SAMPLE_SIZES.detectionInactive);
  const inactive = [...zeroRandom, ...shuffle(material.others, random)].slice(0, SAMPLE_SIZES.detectionInactive);
  const trials = shuffle([
    ...active.map((example) => ({ example, isActive: true })),
    ...inactive.map((example) => ({ example, isActive: false })),
  ], random);
  const predicted: boolean[] = [];
  let batches = 0;
  for (let start = 0; start < trials.length; start += SAMPLE_SIZES.detectionBatch) {
    const batch = trials.slice(start, start + SAMPLE_SIZES.detectionBatch);
    const texts = batch.map(({ example }) => windowed(example).tokens.join(""));
    const reply = await ask(detectMessages(explanation, texts), 40);
    const matches = parseDetection(reply, batch.length);
    if (matches instanceof Error) throw new ProviderError(`Detection: ${matches.message}.`, "malformed", true, null, reply.slice(0, 500));
    predicted.push(...matches);
    batches++;
  }
  const counts = confusion(predicted, trials.map((t) => t.isActive));

  return {
    explanation,
    detection: {
      score: balancedAccuracy(counts),
      ...counts,
      n: trials.length,
      batches,
      inactiveSource: `${zeroRandom.length} random contexts with zero activation, ${inactive.length - zeroRandom.length} other features' top contexts`,
    },
    simulation: {
      score: simulationScore,
      n: simulationSet.length,
      tokens: trueAll.length,
      perRecord,
      note: simulationScore === null ? "undefined: predicted or true activations were constant" : undefined,
    },
    usage,
    calls,
    examples: {
      explain: explainSet.map((e) => e.id),
      simulation: simulationSet.map((e) => e.id),
      detectionActive: active.map((e) => e.id),
      detectionInactive: inactive.map((e) => e.id),
    },
    seed,
    promptVersion: PROMPT_VERSION,
  };
}
