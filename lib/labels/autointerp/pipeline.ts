/**
 * Drafting one feature's label (shared INTERP.md §6): explain from a fixed set of top and interval
 * examples (activations as integers 0–10), then score the explanation on examples the explainer
 * never saw (material.ts splits them): simulation — Pearson r of predicted vs true activations on
 * held-out top, interval and non-activating records; detection — balanced accuracy telling
 * held-out activating examples (across activation quantiles) from verified non-activating ones,
 * five at a time.
 *
 * Who explains and who predicts is pluggable: an LLM behind an OpenAI-compatible endpoint
 * (llmExplainer/llmSimulator: Bills et al.'s prompts), or the built-in explainer and its
 * deterministic simulator (builtin.ts), which need no network. Both go through the same split and
 * the same scorers. Provider errors and unparsable replies propagate as ProviderError: a failed
 * call is never turned into a score.
 */
import { splitMaterial, SAMPLE_SIZES, windowed, type FeatureExample, type FeatureMaterial } from "./material";
import { PROMPT_VERSION, detectMessages, explainMessages, parseDetection, parseExplanation, parseSimulation, simulateMessages } from "./prompts";
import { ProviderError, type ChatMessage, type ChatProvider, type ChatUsage } from "./provider";
import { balancedAccuracy, confusion, pearson, quantizeActivations, seededRandom, shuffle } from "./scoring";

export { SAMPLE_SIZES, windowed, quantileSample, type FeatureExample, type FeatureMaterial } from "./material";

/** A record as an explainer or simulator sees it: a window of tokens (and their ids, when known). */
export interface ShownRecord {
  tokens: string[];
  tokenIds?: number[];
}

export interface Explainer {
  /** What provenance records as the explainer. */
  readonly name: string;
  readonly version: string;
  /** One explanation from the explain set (records with activations quantised 0–10). */
  explain(records: Array<ShownRecord & { activations: number[] }>, material: FeatureMaterial): Promise<string>;
}

export interface Simulator {
  readonly name: string;
  /** Predicted activation 0–10 for every token of the record. */
  simulate(explanation: string, record: ShownRecord): Promise<number[]>;
  /** Which of the records contain what the explanation describes. */
  detect(explanation: string, records: ShownRecord[]): Promise<boolean[]>;
}

export interface DraftResult {
  explanation: string;
  detection: {
    score: number | null; tp: number; fn: number; tn: number; fp: number; n: number; batches: number;
    inactiveSource: string; note?: string;
  };
  simulation: {
    score: number | null; n: number; tokens: number; perRecord: (number | null)[];
    records: { top: number; interval: number; random: number }; note?: string;
  };
  usage: ChatUsage;
  calls: number;
  examples: { explain: number[]; simulation: number[]; detectionActive: number[]; detectionInactive: number[] };
  seed: number;
  promptVersion: string;
  explainer: string;
  simulator: string;
}

export function defaultSeed(material: Pick<FeatureMaterial, "saeId" | "index">): number {
  return (material.saeId * 1_000_003 + material.index) >>> 0;
}

const shown = (example: FeatureExample): ShownRecord & { values: number[] } => windowed(example);

/** Explains (unless `explanation` is given) and scores, on the fixed split of `material`. */
export async function draftWith(
  material: FeatureMaterial,
  explainer: Explainer | null,
  simulator: Simulator,
  options: { seed?: number; explanation?: string; usage?: () => { usage: ChatUsage; calls: number } } = {},
): Promise<DraftResult> {
  const seed = options.seed ?? defaultSeed(material);
  const random = seededRandom(seed ^ 0x5bd1e995);
  const max = material.maxActivation > 0 ? material.maxActivation : Math.max(0, ...material.top.map((e) => e.maxValue));
  if (!(max > 0) || material.top.length === 0) {
    throw new ProviderError(`Feature ${material.index} has no activating examples to explain (dead, or dashboards not computed).`, "config", false);
  }
  const split = splitMaterial(material, seed);

  // 1. explain: the fixed explain set
  let explanation = options.explanation;
  if (explanation === undefined) {
    if (!explainer) throw new Error("draftWith needs an explainer or an explanation");
    const records = split.explain.map((example) => {
      const { tokens, values, tokenIds } = shown(example);
      return { tokens, tokenIds, activations: quantizeActivations(values, max) };
    });
    explanation = await explainer.explain(records, material);
    if (!explanation) throw new ProviderError("The explainer returned an empty explanation.", "malformed", true);
  }

  // 2. simulation: held-out top, interval and non-activating records
  const predictedAll: number[] = [];
  const trueAll: number[] = [];
  const perRecord: (number | null)[] = [];
  for (const example of split.simulation) {
    const record = shown(example);
    const predicted = await simulator.simulate(explanation, record);
    if (predicted.length !== record.tokens.length) throw new Error(`${simulator.name} predicted ${predicted.length} values for ${record.tokens.length} tokens`);
    predictedAll.push(...predicted);
    trueAll.push(...record.values);
    perRecord.push(pearson(predicted, record.values));
  }
  const simulationScore = predictedAll.length ? pearson(predictedAll, trueAll) : null;

  // 3. detection: held-out activating examples vs verified non-activating ones, 5 per question
  const trials = shuffle([
    ...split.detectionActive.map((example) => ({ example, isActive: true })),
    ...split.detectionInactive.map((example) => ({ example, isActive: false })),
  ], random);
  const predicted: boolean[] = [];
  let batches = 0;
  for (let start = 0; start < trials.length; start += SAMPLE_SIZES.detectionBatch) {
    const batch = trials.slice(start, start + SAMPLE_SIZES.detectionBatch);
    const matches = await simulator.detect(explanation, batch.map(({ example }) => shown(example)));
    if (matches.length !== batch.length) throw new Error(`${simulator.name} answered ${matches.length} of ${batch.length} detection examples`);
    predicted.push(...matches);
    batches++;
  }
  const counts = confusion(predicted, trials.map((t) => t.isActive));
  const detectionScore = balancedAccuracy(counts);
  const spent = options.usage?.() ?? { usage: { promptTokens: 0, completionTokens: 0 }, calls: 0 };
  const count = (kind: FeatureExample["kind"]) => split.simulation.filter((e) => e.kind === kind).length;

  return {
    explanation,
    detection: {
      score: detectionScore,
      ...counts,
      n: trials.length,
      batches,
      inactiveSource: `${split.detectionInactive.length} non-activating contexts sampled from the corpus (activation 0 at every position, verified by the dashboard's encode)`,
      note: detectionScore === null
        ? split.detectionInactive.length === 0 ? "undefined: no non-activating contexts (the feature is active nearly everywhere)" : "undefined: no held-out activating examples"
        : undefined,
    },
    simulation: {
      score: simulationScore,
      n: split.simulation.length,
      tokens: trueAll.length,
      perRecord,
      records: { top: count("top"), interval: count("interval"), random: count("random") },
      note: simulationScore === null ? "undefined: predicted or true activations were constant" : undefined,
    },
    usage: spent.usage,
    calls: spent.calls,
    examples: {
      explain: split.explain.map((e) => e.id),
      simulation: split.simulation.map((e) => e.id),
      detectionActive: split.detectionActive.map((e) => e.id),
      detectionInactive: split.detectionInactive.map((e) => e.id),
    },
    seed,
    promptVersion: explainer?.version ?? PROMPT_VERSION,
    explainer: explainer?.name ?? "given",
    simulator: simulator.name,
  };
}

/** Counts an LLM's token usage and calls over one draft. */
function meter(provider: ChatProvider) {
  const usage: ChatUsage = { promptTokens: 0, completionTokens: 0 };
  let calls = 0;
  const ask = async (messages: ChatMessage[], maxTokens: number) => {
    calls++;
    const result = await provider.chat(messages, { maxTokens, temperature: 0 });
    usage.promptTokens += result.usage.promptTokens;
    usage.completionTokens += result.usage.completionTokens;
    return result.text;
  };
  return { ask, spent: () => ({ usage: { ...usage }, calls }) };
}

/** Bills et al.'s explanation prompt through an LLM. */
export function llmExplainer(ask: (messages: ChatMessage[], maxTokens: number) => Promise<string>, model: string): Explainer {
  return {
    name: model,
    version: PROMPT_VERSION,
    async explain(records) {
      return parseExplanation(await ask(explainMessages(records), 80));
    },
  };
}

/** Simulation and detection prompts through an LLM. */
export function llmSimulator(ask: (messages: ChatMessage[], maxTokens: number) => Promise<string>, model: string): Simulator {
  return {
    name: model,
    async simulate(explanation, record) {
      const reply = await ask(simulateMessages(explanation, record.tokens), 16 + record.tokens.length * 4);
      const predicted = parseSimulation(reply, record.tokens.length);
      if (predicted instanceof Error) throw new ProviderError(`Simulation: ${predicted.message}.`, "malformed", true, null, reply.slice(0, 500));
      return predicted;
    },
    async detect(explanation, records) {
      const reply = await ask(detectMessages(explanation, records.map((r) => r.tokens.join(""))), 40);
      const matches = parseDetection(reply, records.length);
      if (matches instanceof Error) throw new ProviderError(`Detection: ${matches.message}.`, "malformed", true, null, reply.slice(0, 500));
      return matches;
    },
  };
}

/** The LLM path: the provider explains, simulates and detects. */
export async function draftFeatureLabel(material: FeatureMaterial, provider: ChatProvider, options: { seed?: number } = {}): Promise<DraftResult> {
  const metered = meter(provider);
  return draftWith(material, llmExplainer(metered.ask, provider.model), llmSimulator(metered.ask, provider.model), { seed: options.seed, usage: metered.spent });
}
