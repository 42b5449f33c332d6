/**
 * One steering result as the pages show it, built from the live stream (token events, then the
 * done event) or from a saved run, so the live view and the permalink render the same thing.
 */
import { FEATURE_ACTS_AT, KL_PREFIX, type SteerDoneEvent, type SteerTokenEvent } from "@/lib/inference/protocol";

export interface GeneratedToken {
  id: number;
  text: string;
  logprob: number;
}

/**
 * One run's tokens and per-step series. Step s is token s of each completion (a completion's tokens
 * are consecutive from step 0 until it ends); a null entry is a step where the series is undefined
 * because a completion had ended.
 */
export interface SteerResultView {
  defaultTokens: GeneratedToken[];
  steeredTokens: GeneratedToken[];
  /** KL(default ‖ steered) per step, on the prefix `klPrefix` names. */
  kl: (number | null)[];
  /** The sampled texts' divergence: each row's next-token distribution on its own prefix. */
  klSampled: (number | null)[];
  /**
   * "default": both distributions on the default completion's prefix (what steering changes);
   * "own": each row on its own sampled prefix — how runs saved before the fix measured it.
   */
  klPrefix: "default" | "own";
  /** "token": a token's reading is at its own position; "predicting": at the position that predicted it (older runs). */
  featureActsAt: "token" | "predicting";
  /** Per step, each steered feature's activation in the default and in the steered run (null: not read). */
  featureActs: { default: (number[] | null)[]; steered: (number[] | null)[] };
  finishReasons?: { default: string; steered: string };
}

export function emptyResult(): SteerResultView {
  return { defaultTokens: [], steeredTokens: [], kl: [], klSampled: [], klPrefix: KL_PREFIX, featureActsAt: FEATURE_ACTS_AT, featureActs: { default: [], steered: [] } };
}

/** Appends one streamed step (completions that ended contribute null). */
export function appendStep(view: SteerResultView, step: SteerTokenEvent): SteerResultView {
  return {
    ...view,
    defaultTokens: step.default ? [...view.defaultTokens, step.default] : view.defaultTokens,
    steeredTokens: step.steered ? [...view.steeredTokens, step.steered] : view.steeredTokens,
    kl: [...view.kl, step.kl],
    klSampled: [...view.klSampled, step.klSampled],
    featureActs: { default: [...view.featureActs.default, step.featureActs.default], steered: [...view.featureActs.steered, step.featureActs.steered] },
  };
}

export function resultFromDone(done: SteerDoneEvent): SteerResultView {
  return {
    defaultTokens: done.default.tokens,
    steeredTokens: done.steered.tokens,
    kl: done.kl,
    klSampled: done.klSampled,
    klPrefix: done.klPrefix,
    featureActsAt: done.featureActsAt,
    featureActs: done.featureActs,
    finishReasons: { default: done.default.finishReason, steered: done.steered.finishReason },
  };
}

/** Entries at steps ≥ `length` become null: the completion had ended (runs saved before the fix kept counting). */
function endAt<T>(series: (T | null)[], length: number): (T | null)[] {
  return series.map((v, step) => (step < length ? v : null));
}

/**
 * A saved run's token columns (lib/db/steering.ts saveSteeringRun) back into a view; tolerant of
 * missing parts. Runs saved before the KL and the readings were fixed carry no `klPrefix`: their
 * KL compared each row on its own prefix and their readings sat one position early; they are
 * labelled so, and their series are cut where each completion ended.
 */
export function resultFromSaved(defaultTokens: unknown, steeredTokens: unknown): SteerResultView {
  const d = (defaultTokens ?? {}) as {
    tokens?: GeneratedToken[]; finishReason?: string; featureActs?: (number[] | null)[];
    kl?: (number | null)[]; klSampled?: (number | null)[]; klPrefix?: string; featureActsAt?: string;
  };
  const s = (steeredTokens ?? {}) as { tokens?: GeneratedToken[]; finishReason?: string; featureActs?: (number[] | null)[] };
  const tokens = { default: d.tokens ?? [], steered: s.tokens ?? [] };
  const current = d.klPrefix === KL_PREFIX;
  const legacyKl = d.kl ?? [];
  return {
    defaultTokens: tokens.default,
    steeredTokens: tokens.steered,
    kl: current ? legacyKl : [],
    // an old run's KL is the sampled texts' divergence: defined while both completions ran
    klSampled: current ? (d.klSampled ?? []) : endAt(legacyKl, Math.min(tokens.default.length, tokens.steered.length)),
    klPrefix: current ? "default" : "own",
    featureActsAt: d.featureActsAt === FEATURE_ACTS_AT ? "token" : "predicting",
    featureActs: {
      default: endAt(d.featureActs ?? [], tokens.default.length),
      steered: endAt(s.featureActs ?? [], tokens.steered.length),
    },
    finishReasons: d.finishReason && s.finishReason ? { default: d.finishReason, steered: s.finishReason } : undefined,
  };
}

/**
 * Whether a rerun reproduced a saved run, per completion: the same token ids in the same order.
 * (Not the texts: a saved run's text is the tokenizer's decoding, while the tokens are shown as
 * display texts — `<|endoftext|>`, bytes of split characters as \xNN — so the two never compare.)
 */
export function compareRuns(saved: Pick<SteerResultView, "defaultTokens" | "steeredTokens">, rerun: Pick<SteerResultView, "defaultTokens" | "steeredTokens">): { default: boolean; steered: boolean } {
  const same = (a: { id: number }[], b: { id: number }[]) => a.length === b.length && a.every((t, i) => t.id === b[i].id);
  return { default: same(saved.defaultTokens, rerun.defaultTokens), steered: same(saved.steeredTokens, rerun.steeredTokens) };
}

/** The mean of the defined entries (null: a completion had ended), and how many there were. */
export function meanOfDefined(values: readonly (number | null | undefined)[]): { mean: number | null; count: number } {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    sum += v;
    count += 1;
  }
  return { mean: count ? sum / count : null, count };
}

/**
 * Summary numbers of one run for the sweep chart. The activations are averaged over the generated
 * tokens that have a reading (each at its own position, after steering; a completion's EOS and
 * anything after it excluded); the KL over the steps where the default completion was running.
 */
export function summarizeRun(view: SteerResultView, featurePosition = 0): {
  meanActivation: number | null; meanDefaultActivation: number | null; activationTokens: number;
  meanKl: number | null; maxKl: number | null; klSteps: number; meanKlSampled: number | null;
} {
  const steered = meanOfDefined(view.featureActs.steered.map((row) => row?.[featurePosition]));
  const defaults = meanOfDefined(view.featureActs.default.map((row) => row?.[featurePosition]));
  const kl = meanOfDefined(view.kl);
  const defined = view.kl.filter((v): v is number => v !== null);
  return {
    meanActivation: steered.mean, meanDefaultActivation: defaults.mean, activationTokens: steered.count,
    meanKl: kl.mean, maxKl: defined.length ? Math.max(...defined) : null, klSteps: kl.count,
    meanKlSampled: meanOfDefined(view.klSampled).mean,
  };
}

/** N evenly spaced values from `from` to `to` inclusive, rounded to 4 decimals for readable labels. */
export function sweepValues(from: number, to: number, count: number): number[] {
  if (count <= 1) return [from];
  return Array.from({ length: count }, (_, i) => Math.round((from + ((to - from) * i) / (count - 1)) * 1e4) / 1e4);
}
