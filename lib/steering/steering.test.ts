import { describe, expect, it } from "vitest";
import { diffTokens, formatProbability } from "./diff";
import { ADD_HOOK_NORM_UNITS, defaultAddUnit, describeSetting, METHOD_UNITS, STEER_METHODS, unitsFor } from "./methods";
import { parseSteerQuery, steerHref } from "./query";
import { appendStep, compareRuns, emptyResult, meanOfDefined, resultFromSaved, summarizeRun, sweepValues } from "./result";
import { errorMessage, parseEventBlocks, streamSteer, SteerRequestError } from "./stream";

const ids = (...values: number[]) => values.map((id) => ({ id }));

describe("diffTokens", () => {
  it("marks nothing when the completions are identical", () => {
    const diff = diffTokens(ids(1, 2, 3), ids(1, 2, 3));
    expect(diff.defaultChanged).toEqual([false, false, false]);
    expect(diff.steeredChanged).toEqual([false, false, false]);
    expect(diff.firstDivergence).toBeNull();
  });

  it("finds the first divergence and realigns on shared stretches after it", () => {
    const diff = diffTokens(ids(1, 2, 3, 4, 5), ids(1, 9, 9, 3, 4, 5));
    expect(diff.firstDivergence).toBe(1);
    expect(diff.defaultChanged).toEqual([false, true, false, false, false]);
    expect(diff.steeredChanged).toEqual([false, true, true, false, false, false]);
  });

  it("marks the extra tail when one completion is longer", () => {
    const diff = diffTokens(ids(1, 2), ids(1, 2, 7));
    expect(diff.firstDivergence).toBe(2);
    expect(diff.steeredChanged).toEqual([false, false, true]);
    expect(diff.defaultChanged).toEqual([false, false]);
  });

  it("handles empty completions", () => {
    expect(diffTokens([], ids(4)).steeredChanged).toEqual([true]);
    expect(diffTokens([], []).firstDivergence).toBeNull();
  });
});

describe("formatProbability", () => {
  it("reads logprobs as percentages", () => {
    expect(formatProbability(Math.log(0.3125))).toBe("31.3%");
    expect(formatProbability(-20)).toBe("<0.1%");
    expect(formatProbability(0)).toBe(">99.9%");
  });
});

describe("methods", () => {
  it("gives every method units, and only ablate no slider", () => {
    for (const method of STEER_METHODS) expect(METHOD_UNITS[method]).toBeDefined();
    expect(METHOD_UNITS.ablate.slider).toBeNull();
    expect(METHOD_UNITS.clamp.slider).toEqual({ min: -10, max: 10, step: 0.5 });
    expect(describeSetting("clamp", 10)).toBe("clamp 10× max");
  });

  it("clamp's \"off\" preset is activation 0 (ablate), not −1× max", () => {
    const off = METHOD_UNITS.clamp.presets.find((p) => p.label.startsWith("off"));
    expect(off?.value).toBe(0);
    expect(METHOD_UNITS.clamp.presets.every((p) => p.value >= 0)).toBe(true);
  });

  it("add has two units, the hook-norm one by default when the norm is measured; defaults stay below a typical ‖h‖", () => {
    expect(unitsFor("add", "hook-norm")).toBe(ADD_HOOK_NORM_UNITS);
    expect(unitsFor("add", "decoder")).toBe(METHOD_UNITS.add);
    expect(unitsFor("clamp", "hook-norm")).toBe(METHOD_UNITS.clamp);
    expect(defaultAddUnit(11.8)).toBe("hook-norm");
    expect(defaultAddUnit(null)).toBe("decoder");
    // s = 1 in hook-norm units is a vector as long as a typical activation: the default is half of it
    expect(ADD_HOOK_NORM_UNITS.defaultValue).toBeLessThan(1);
    expect(Math.max(...ADD_HOOK_NORM_UNITS.presets.map((p) => Math.abs(p.value)))).toBeLessThanOrEqual(1);
    // raw decoder rows are ~unit length in most SAEs and typical ‖h‖ ≥ ~10: the raw default adds less than that
    expect(METHOD_UNITS.add.defaultValue).toBeLessThan(10);
    expect(describeSetting("add", 0.5, "hook-norm")).toBe("add 0.5× typical ‖h‖");
    expect(describeSetting("add", 4)).toBe("add 4 (raw d)");
  });
});

describe("deep links", () => {
  it("round-trips a steer link", () => {
    const href = steerHref({ modelId: 3, saeId: 7, feature: 42, method: "add", value: 40, prompt: "The bridge" });
    const params = Object.fromEntries(new URL(href, "http://x").searchParams);
    // a link without a unit means the raw decoder row (what add always meant before units)
    expect(parseSteerQuery(params)).toEqual({ modelId: 3, saeId: 7, feature: 42, method: "add", value: 40, unit: "decoder", prompt: "The bridge" });
    const norm = Object.fromEntries(new URL(steerHref({ modelId: 3, saeId: 7, feature: 42, method: "add", unit: "hook-norm", value: 0.5 }), "http://x").searchParams);
    expect(parseSteerQuery(norm)).toMatchObject({ method: "add", unit: "hook-norm", value: 0.5 });
    expect(parseSteerQuery({ method: "add", unit: "parsecs" }).unit).toBe("decoder");
    expect(parseSteerQuery({ method: "clamp", unit: "hook-norm" }).unit).toBeUndefined();
  });

  it("drops malformed parts and falls back to clamp at its default", () => {
    expect(parseSteerQuery({ model: "x", sae: "-1", feature: "1e3", method: "explode", value: "NaN" })).toEqual({
      modelId: undefined, saeId: undefined, feature: undefined, method: "clamp", value: METHOD_UNITS.clamp.defaultValue, prompt: undefined,
    });
    expect(parseSteerQuery({ feature: "0", value: "1e9" }).feature).toBe(0);
    expect(parseSteerQuery({ value: "1e9" }).value).toBe(METHOD_UNITS.clamp.defaultValue);
  });
});

describe("compareRuns", () => {
  const run = (d: number[], s: number[]) => ({ defaultTokens: d.map((id) => ({ id, text: id === 0 ? "<|endoftext|>" : "\\xB8", logprob: -1 })), steeredTokens: s.map((id) => ({ id, text: "x", logprob: -1 })) });

  it("compares completions token id by token id, not by their display texts", () => {
    expect(compareRuns(run([5, 0], [7, 7]), run([5, 0], [7, 7]))).toEqual({ default: true, steered: true });
    expect(compareRuns(run([5, 0], [7, 7]), run([5, 9], [7, 7]))).toEqual({ default: false, steered: true });
    // same texts, other tokens
    expect(compareRuns(run([5], [7, 8]), run([5], [8, 7]))).toEqual({ default: true, steered: false });
    // a prefix is not a reproduction
    expect(compareRuns(run([5, 6], [7]), run([5], [7]))).toEqual({ default: false, steered: true });
  });
});

describe("results", () => {
  it("accumulates streamed steps, skipping ended completions", () => {
    let view = emptyResult();
    view = appendStep(view, { step: 0, default: { id: 1, text: "a", logprob: -1 }, steered: { id: 2, text: "b", logprob: -2 }, kl: 0.5, klSampled: 0.7, featureActs: { default: [0], steered: [3] } });
    view = appendStep(view, { step: 1, default: { id: 0, text: "<|endoftext|>", logprob: -1 }, steered: { id: 3, text: "c", logprob: -1 }, kl: 0.1, klSampled: 0.9, featureActs: { default: null, steered: [1] } });
    view = appendStep(view, { step: 2, default: null, steered: { id: 4, text: "d", logprob: -1 }, kl: null, klSampled: null, featureActs: { default: null, steered: [8] } });
    expect(view.defaultTokens.map((t) => t.text)).toEqual(["a", "<|endoftext|>"]);
    expect(view.steeredTokens.map((t) => t.text)).toEqual(["b", "c", "d"]);
    // hand-computed: activations (3 + 1 + 8) / 3 and 0 / 1; KL (0.5 + 0.1) / 2 over the 2 steps the default ran
    expect(summarizeRun(view)).toEqual({ meanActivation: 4, meanDefaultActivation: 0, activationTokens: 3, meanKl: 0.3, maxKl: 0.5, klSteps: 2, meanKlSampled: 0.8 });
    expect(meanOfDefined([null, 2, null, 4])).toEqual({ mean: 3, count: 2 });
    expect(meanOfDefined([null])).toEqual({ mean: null, count: 0 });
  });

  it("reads saved runs, tolerating missing columns", () => {
    const view = resultFromSaved({ tokens: [{ id: 1, text: "x", logprob: -1 }], finishReason: "length", kl: [0.2], featureActs: [[1]] }, null);
    expect(view.defaultTokens).toHaveLength(1);
    expect(view.steeredTokens).toEqual([]);
    expect(view.finishReasons).toBeUndefined();
  });

  it("labels runs saved before the fix (own-prefix KL, readings one position early) and cuts their series where each completion ended", () => {
    const tokens = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, text: "t", logprob: -1 }));
    const old = resultFromSaved(
      { tokens: tokens(2), finishReason: "eos", kl: [0.5, 0.4, 3, 3], featureActs: [[1], [2], [9], [9]] },
      { tokens: tokens(4), finishReason: "length", featureActs: [[1], [2], [3], [4]] },
    );
    expect(old.klPrefix).toBe("own");
    expect(old.featureActsAt).toBe("predicting");
    expect(old.kl).toEqual([]);
    expect(old.klSampled).toEqual([0.5, 0.4, null, null]);
    expect(old.featureActs.default).toEqual([[1], [2], null, null]);
    const current = resultFromSaved(
      { tokens: tokens(2), finishReason: "eos", kl: [0.5, 0.4, null], klSampled: [0.6, 0.7, null], klPrefix: "default", featureActsAt: "token", featureActs: [[1], null, null] },
      { tokens: tokens(3), finishReason: "length", featureActs: [[1], [2], [3]] },
    );
    expect(current).toMatchObject({ klPrefix: "default", featureActsAt: "token", kl: [0.5, 0.4, null], klSampled: [0.6, 0.7, null] });
  });

  it("spaces sweep values evenly, ends included", () => {
    expect(sweepValues(-10, 10, 5)).toEqual([-10, -5, 0, 5, 10]);
    expect(sweepValues(0, 1, 4)).toEqual([0, 0.3333, 0.6667, 1]);
    expect(sweepValues(2, 9, 1)).toEqual([2]);
  });
});

describe("stream", () => {
  it("parses complete event blocks and keeps the rest", () => {
    const { events, rest } = parseEventBlocks('event: token\ndata: {"a":1}\n\nevent: done\r\ndata: {"b"');
    expect(events).toEqual([{ event: "token", data: '{"a":1}' }]);
    expect(rest).toBe('event: done\ndata: {"b"');
  });

  it("names the field in validation messages", () => {
    expect(errorMessage({ error: { code: "validation_failed", message: "Invalid", details: [{ path: ["prompt"], message: "Prompts are limited to 2000 characters." }] } }, 400))
      .toBe("prompt: Prompts are limited to 2000 characters.");
    expect(errorMessage(undefined, 502)).toBe("The server answered 502.");
  });

  it("streams events split across chunks and returns done and saved", async () => {
    const text = [
      'event: start\ndata: {"promptTokens":[],"executionProvider":"cpu","seed":0}\n\n',
      'event: token\ndata: {"step":0,"default":{"id":1,"text":" a","logprob":-1},"steered":{"id":2,"text":" b","logprob":-2},"kl":0.3,"klSampled":0.3,"featureActs":{"default":[0],"steered":[2]}}\n\n',
      'event: done\ndata: {"default":{"text":" a","tokens":[],"finishReason":"length"},"steered":{"text":" b","tokens":[],"finishReason":"length"},"kl":[0.3],"klPrefix":"default","meanKl":0.3,"klSampled":[0.3],"meanKlSampled":0.3,"featureActsAt":"token","featureActs":{"default":[[0]],"steered":[[2]]},"timingsMs":{"firstToken":1,"total":2}}\n\n',
      'event: saved\ndata: {"id":"CoXUX8xLQkefVvrUc9yPcw","permalink":"/steer/runs/CoXUX8xLQkefVvrUc9yPcw"}\n\n',
    ].join("");
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 37) controller.enqueue(bytes.slice(i, i + 37));
        controller.close();
      },
    });
    const seen: string[] = [];
    const fakeFetch = (async () => new Response(body, { status: 200 })) as typeof fetch;
    const { done, saved } = await streamSteer({ modelId: 1, prompt: "x", features: [{ saeId: 1, index: 0, method: "ablate" }] }, (e) => seen.push(e.event), { fetch: fakeFetch });
    expect(seen).toEqual(["start", "token", "done", "saved"]);
    expect(done.steered.text).toBe(" b");
    expect(saved).toEqual({ id: "CoXUX8xLQkefVvrUc9yPcw", permalink: "/steer/runs/CoXUX8xLQkefVvrUc9yPcw" });
  });

  it("turns a 429 into a message with the wait, and an error event into an error", async () => {
    const limited = (async () => new Response(JSON.stringify({ error: { code: "rate_limited", message: "Too many steering requests." } }), { status: 429, headers: { "Retry-After": "12" } })) as typeof fetch;
    const request = { modelId: 1, prompt: "x", features: [{ saeId: 1, index: 0, method: "ablate" as const }] };
    await expect(streamSteer(request, () => {}, { fetch: limited })).rejects.toMatchObject({ status: 429, retryAfter: 12, message: "Too many steering requests. Try again in 12 s." });
    const failing = (async () => new Response('event: error\ndata: {"error":{"code":"unavailable","message":"The service died."}}\n\n', { status: 200 })) as typeof fetch;
    await expect(streamSteer(request, () => {}, { fetch: failing })).rejects.toBeInstanceOf(SteerRequestError);
  });
});
