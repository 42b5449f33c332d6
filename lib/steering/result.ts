/**
 * One steering result as the pages show it, built from the live stream (token events, then the
 * done event) or from a saved run, so the live view and the permalink render the same thing.
 */
import type { SteerDoneEvent, SteerTokenEvent } from "@/lib/inference/protocol";

export interface GeneratedToken {
  id: number;
  text: string;
  logprob: number;
}

export interface SteerResultView {
  defaultTokens: GeneratedToken[];
  steeredTokens: GeneratedToken[];
  /** KL(default ‖ steered) per step. */
  kl: number[];
  /** Per step, each steered feature's activation in the default and in the steered run. */
  featureActs: { default: number[][]; steered: number[][] };
  finishReasons?: { default: string; steered: string };
}

export function emptyResult(): SteerResultView {
  return { defaultTokens: [], steeredTokens: [], kl: [], featureActs: { default: [], steered: [] } };
}

/** Appends one streamed step (completions that ended contribute null). */
export function appendStep(view: SteerResultView, step: SteerTokenEvent): SteerResultView {
  return {
    defaultTokens: step.default ? [...view.defaultTokens, step.default] : view.defaultTokens,
    steeredTokens: step.steered ? [...view.steeredTokens, step.steered] : view.steeredTokens,
    kl: [...view.kl, step.kl],
    featureActs: { default: [...view.featureActs.default, step.featureActs.default], steered: [...view.featureActs.steered, step.featureActs.steered] },
  };
}

export function resultFromDone(done: SteerDoneEvent): SteerResultView {
  return {
    defaultTokens: done.default.tokens,
    steeredTokens: done.steered.tokens,
    kl: done.kl,
    featureActs: done.featureActs,
    finishReasons: { default: done.default.finishReason, steered: done.steered.finishReason },
  };
}

/** A saved run's token columns (lib/db/steering.ts saveSteeringRun) back into a view; tolerant of missing parts. */
export function resultFromSaved(defaultTokens: unknown, steeredTokens: unknown): SteerResultView {
  const d = (defaultTokens ?? {}) as { tokens?: GeneratedToken[]; finishReason?: string; featureActs?: number[][]; kl?: number[] };
  const s = (steeredTokens ?? {}) as { tokens?: GeneratedToken[]; finishReason?: string; featureActs?: number[][] };
  return {
    defaultTokens: d.tokens ?? [],
    steeredTokens: s.tokens ?? [],
    kl: d.kl ?? [],
    featureActs: { default: d.featureActs ?? [], steered: s.featureActs ?? [] },
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

/** Summary numbers of one run for the sweep chart. */
export function summarizeRun(view: SteerResultView, featurePosition = 0): { meanActivation: number; meanDefaultActivation: number; meanKl: number; maxKl: number } {
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  const acts = view.featureActs.steered.map((row) => row[featurePosition] ?? 0);
  const defaults = view.featureActs.default.map((row) => row[featurePosition] ?? 0);
  return { meanActivation: mean(acts), meanDefaultActivation: mean(defaults), meanKl: mean(view.kl), maxKl: view.kl.length ? Math.max(...view.kl) : 0 };
}

/** N evenly spaced values from `from` to `to` inclusive, rounded to 4 decimals for readable labels. */
export function sweepValues(from: number, to: number, count: number): number[] {
  if (count <= 1) return [from];
  return Array.from({ length: count }, (_, i) => Math.round((from + ((to - from) * i) / (count - 1)) * 1e4) / 1e4);
}
