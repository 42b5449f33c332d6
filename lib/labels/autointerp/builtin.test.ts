/** The built-in explainer, its grammar and its deterministic simulator, through the real pipeline. */
import { describe, expect, it } from "vitest";
import { baselineExplainer, builtinExplainer, formatTokenExplanation, parseTokenExplanation, simulateTokens, tokenSimulator } from "./builtin";
import type { FeatureExample, FeatureMaterial } from "./material";
import { draftWith } from "./pipeline";

describe("the explanation grammar", () => {
  it("round-trips any token, quotes and newlines included", () => {
    const e = { fires: [" thou", "\"", "a\nb"], after: [" that"], promotes: [" shalt"] };
    const text = formatTokenExplanation(e);
    expect(text).toBe('" thou" (also "\\"", "a\\nb") after " that", promotes " shalt"');
    expect(parseTokenExplanation(text)).toEqual(e);
    expect(parseTokenExplanation('the token after "data:image", promotes "png"')).toEqual({ fires: [], after: ["data:image"], promotes: ["png"] });
  });

  it("simulates from the text alone: main 10, also 6, context-restricted 3 without the context, promotes ignored", () => {
    const tokens = [" that", " thou", " and", " thee", " thou", " shalt"];
    expect(simulateTokens(parseTokenExplanation('" thou" (also " thee"), promotes " shalt"'), tokens)).toEqual([0, 10, 0, 6, 10, 0]);
    expect(simulateTokens(parseTokenExplanation('" thou" after " that"'), tokens)).toEqual([0, 10, 0, 0, 3, 0]);
    expect(simulateTokens(parseTokenExplanation('the token after " thou"'), tokens)).toEqual([0, 0, 10, 0, 0, 10]);
  });
});

let id = 1;
/** A feature firing on " thou" (strongly) and " thee" (half as strongly), never elsewhere. */
function material(): FeatureMaterial {
  const words = [" and", " the", " king", " said", " unto", " him", ",", " go"];
  const context = (i: number, target: string | null): string[] => {
    const tokens = Array.from({ length: 21 }, (_, t) => words[(i * 7 + t * 3) % words.length]);
    if (target) tokens[10] = target;
    return tokens;
  };
  const example = (kind: FeatureExample["kind"], rank: number, target: string | null, value: number, intervalIndex: number | null = null): FeatureExample => {
    const tokens = context(rank + (kind === "random" ? 50 : kind === "interval" ? 25 : 0), target);
    const values = tokens.map((t) => (t === " thou" ? value : t === " thee" ? value / 2 : 0));
    return { id: id++, kind, rank, intervalIndex, tokens, values, maxValue: Math.max(...values), maxPosition: target ? 10 : 10 };
  };
  return {
    saeId: 9, index: 952, maxActivation: 10,
    top: Array.from({ length: 20 }, (_, i) => example("top", i, i % 4 === 3 ? " thee" : " thou", i % 4 === 3 ? 18 - i * 0.2 : 10 - i * 0.1)),
    interval: Array.from({ length: 30 }, (_, i) => example("interval", i % 3, i % 2 ? " thee" : " thou", 1 + Math.floor(i / 3) * 0.8, Math.floor(i / 3))),
    random: Array.from({ length: 15 }, (_, i) => example("random", i, null, 0)),
    promotes: [" shalt", " art"],
  };
}

describe("the built-in explainer", () => {
  it("names the over-represented peak tokens and what the feature promotes, and outscores the baseline", async () => {
    const m = material();
    const builtin = await draftWith(m, builtinExplainer(null), tokenSimulator);
    expect(builtin.explanation).toBe('" thou" (also " thee"), promotes " shalt", " art"');
    const baseline = await draftWith(m, baselineExplainer, tokenSimulator);
    expect(baseline.explanation).toBe('" thou"');
    // scored on held-out and non-activating examples only, by the same scorers
    expect(builtin.detection.score).toBe(1);
    expect(builtin.simulation.score!).toBeGreaterThan(baseline.simulation.score!);
    expect(builtin.detection.score!).toBeGreaterThan(baseline.detection.score!);
    expect(builtin.simulation.records).toEqual({ top: 5, interval: 5, random: 5 });
  });
});
