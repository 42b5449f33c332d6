import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FIXTURE_MODEL, writeFixtureModelPackage } from "@/lib/model/fixtures";
import { loadModelPackage, type ModelSession } from "@/lib/model";
import { steer, type FeatureIntervention } from "@/lib/model/interventions";
import type { HookRegistration } from "@/lib/model/hooks";
import { logSoftmax } from "@/lib/model/sampling";
import type { GeneratedToken } from "@/lib/steering/result";
import { fixtureSae, referenceEncodeDecode, type FixtureSaeOptions, type ReferenceSaeSpec } from "@/lib/sae/fixtures";
import { loadSae, type Sae } from "@/lib/sae";
import type { ServiceSteerRequest, SteerDoneEvent, SteerEvent } from "./protocol";
import { klDivergence, runSteering, toIntervention } from "./steering";

describe("klDivergence", () => {
  it("is Σ p·log(p/q), hand-computed", () => {
    // p = (1/4, 3/4), q = (3/4, 1/4): KL = 1/4·ln(1/3) + 3/4·ln 3 = ½·ln 3
    expect(klDivergence([0, Math.log(3)], [Math.log(3), 0])).toBeCloseTo(0.5 * Math.log(3), 12);
    // p = (1/2, 1/2), q = (1/5, 4/5): KL = ½·ln(5/2) + ½·ln(5/8)
    expect(klDivergence([7, 7], [0, Math.log(4)])).toBeCloseTo(0.5 * Math.log(2.5) + 0.5 * Math.log(5 / 8), 12);
  });

  it("is 0 for the same distribution, whatever the logits' offset", () => {
    expect(klDivergence([1, 2, 3], [11, 12, 13])).toBeCloseTo(0, 12);
  });

  it("takes known normalisers without changing the result", () => {
    const p = Float32Array.from([0.5, -1, 2, 0.25]);
    const q = Float32Array.from([1, 0, -2, 0.5]);
    const zp = Math.log(p.reduce((s, v) => s + Math.exp(v), 0));
    const zq = Math.log(q.reduce((s, v) => s + Math.exp(v), 0));
    expect(klDivergence(p, q, zp, zq)).toBeCloseTo(klDivergence(p, q), 12);
  });
});

describe("toIntervention", () => {
  it("maps the request's units to the runtime's interventions", () => {
    expect(toIntervention({ index: 3, method: "clamp", value: 10 }, 2.5)).toEqual({ kind: "clamp", feature: 3, multiple: 10, maxActivation: 2.5 });
    expect(toIntervention({ index: 3, method: "add", value: -4 }, 0)).toEqual({ kind: "add", feature: 3, strength: -4 });
    expect(toIntervention({ index: 3, method: "multiply", value: 2 }, 0)).toEqual({ kind: "multiply", feature: 3, factor: 2 });
    expect(() => toIntervention({ index: 3, method: "clamp", value: 10 }, 0)).toThrow(/never fired/);
  });

  it("add in hook-norm units: s·N along the unit-length decoder direction (docs/STEERING.md)", () => {
    expect(toIntervention({ index: 3, method: "add", value: 0.5, unit: "hook-norm" }, 0, 12)).toEqual({ kind: "add", feature: 3, strength: 6, unitNorm: true });
    expect(toIntervention({ index: 3, method: "add", value: 4, unit: "decoder" }, 0, 12)).toEqual({ kind: "add", feature: 3, strength: 4 });
    expect(() => toIntervention({ index: 3, method: "add", value: 0.5, unit: "hook-norm" }, 0, null)).toThrow(/not been measured/);
  });
});

// ---- runSteering against the plain composition of the runtime's pieces

let dir: string;
let model: ModelSession;
const saes = new Map<number, { sae: Sae; hookName: string }>();
/** The fixture SAEs' weights and options, for the plain-JS references. */
const fixtures = new Map<number, { tensors: Record<string, Float32Array>; options: FixtureSaeOptions }>();

async function writeSae(name: string, options: FixtureSaeOptions, id: number): Promise<Sae> {
  const saeDir = path.join(dir, name);
  fs.mkdirSync(saeDir);
  const sae = fixtureSae(options);
  fixtures.set(id, { tensors: sae.tensors, options });
  fs.writeFileSync(path.join(saeDir, "cfg.json"), JSON.stringify(sae.config));
  fs.writeFileSync(path.join(saeDir, "sae_weights.safetensors"), sae.weightsBytes);
  return loadSae(saeDir, { executionProviders: ["cpu"] });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fs-steering-"));
  await writeFixtureModelPackage(path.join(dir, "model"), FIXTURE_MODEL);
  model = await loadModelPackage(path.join(dir, "model"), { executionProviders: ["cpu"] });
  const d = FIXTURE_MODEL.dModel;
  saes.set(1, { sae: await writeSae("topk", { architecture: "topk", dIn: d, dSae: 32, k: 4, seed: 1 }, 1), hookName: "blocks.1.hook_resid_post" });
  saes.set(2, { sae: await writeSae("relu", { architecture: "standard", dIn: d, dSae: 24, seed: 2 }, 2), hookName: "blocks.1.hook_resid_post" });
  saes.set(3, { sae: await writeSae("ln", { architecture: "jumprelu", dIn: d, dSae: 16, seed: 3, normalizeActivations: "layer_norm" }, 3), hookName: "blocks.0.hook_resid_post" });
});

afterAll(async () => {
  await model?.dispose();
  for (const { sae } of saes.values()) await sae.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The steering run written as plainly as possible: steer() hooks on rows 1–2 (encoding the whole
 * batch), row 2 following row 0's tokens, then one measuring hook per SAE encoding rows 0–1's last
 * positions (at step t: token t − 1's position), a fresh log-softmax for every KL and logprob, and
 * one extra step for the last token's reading. The fast path must give exactly these events.
 */
async function plainSteering(request: ServiceSteerRequest): Promise<SteerEvent[]> {
  const promptIds = model.encode(request.prompt);
  const maxTokens = request.maxTokens!;
  const bySae = new Map<number, FeatureIntervention[]>();
  request.features.forEach((f, i) => bySae.set(f.saeId, [...(bySae.get(f.saeId) ?? []), toIntervention({ ...f, value: f.value ?? 0 }, request.maxActivations[i], request.hookNorms?.[i] ?? null)]));
  const hooks: HookRegistration[] = [];
  for (const [saeId, interventions] of bySae) hooks.push(steer(saes.get(saeId)!.sae, interventions, { rows: [1, 2], hookName: saes.get(saeId)!.hookName }));
  const readings: { default: number[]; steered: number[] }[] = [];
  for (const saeId of bySae.keys()) {
    const { sae, hookName } = saes.get(saeId)!;
    hooks.push({
      hookName,
      fn: async (t) => {
        if (t.step === 0) return;
        const rows = new Float32Array(2 * t.width);
        for (let b = 0; b < 2; b++) rows.set(t.data.subarray((b * t.seqLen + t.seqLen - 1) * t.width, (b * t.seqLen + t.seqLen) * t.width), b * t.width);
        const encoding = await sae.encode(rows);
        readings[t.step - 1] ??= { default: [], steered: [] };
        request.features.forEach((f, i) => {
          if (f.saeId !== saeId) return;
          readings[t.step - 1].default[i] = encoding.featureActs[f.index];
          readings[t.step - 1].steered[i] = encoding.featureActs[sae.dSae + f.index];
        });
      },
    });
  }
  const V = model.manifest.dVocab;
  const klOf = (p: Float32Array, q: Float32Array) => {
    const logP = logSoftmax(p);
    const logQ = logSoftmax(q);
    let kl = 0;
    for (let i = 0; i < V; i++) { const pi = Math.exp(logP[i]); if (pi > 0) kl += pi * (logP[i] - logQ[i]); }
    return Math.max(0, kl);
  };
  const steps: { step: number; default: GeneratedToken | null; steered: GeneratedToken | null; kl: number | null; klSampled: number | null; read: boolean[] }[] = [];
  const ended = [false, false];
  const sequences = await model.generate([promptIds, promptIds, promptIds], {
    maxNewTokens: maxTokens + 1, seed: request.seed, temperature: request.temperature, topP: request.topP, hooks, follow: [null, null, 0],
    onStep: ({ step, logits, tokens }) => {
      if (step >= maxTokens) return;
      const rows = [0, 1, 2].map((b) => logits.subarray(b * V, (b + 1) * V));
      const kl = ended[0] ? null : klOf(rows[0], rows[2]);
      const klSampled = ended[0] || ended[1] ? null : klOf(rows[0], rows[1]);
      const read = [false, false];
      const generated = [0, 1].map((b) => {
        if (ended[b]) return null;
        const id = tokens[b];
        if (id === model.manifest.eosTokenId || promptIds.length + step >= model.manifest.nCtx) ended[b] = true;
        else read[b] = true;
        return { id, text: model.tokenizer.tokenText(id), logprob: logSoftmax(rows[b])[id] };
      });
      steps.push({ step, default: generated[0], steered: generated[1], kl, klSampled, read });
    },
  });
  const events: SteerEvent[] = [];
  const featureActs = { default: [] as (number[] | null)[], steered: [] as (number[] | null)[] };
  for (const { read, ...step } of steps) {
    const acts = { default: read[0] ? readings[step.step].default : null, steered: read[1] ? readings[step.step].steered : null };
    featureActs.default.push(acts.default);
    featureActs.steered.push(acts.steered);
    events.push({ event: "token", data: { ...step, featureActs: acts } });
  }
  const completion = (b: number) => ({
    text: model.tokenizer.decode(sequences[b].tokens.slice(0, maxTokens)),
    tokens: sequences[b].tokens.slice(0, maxTokens).map((id, i) => ({ id, text: model.tokenizer.tokenText(id), logprob: sequences[b].logprobs[i] })),
    finishReason: sequences[b].tokens.length > maxTokens ? "length" as const : sequences[b].finishReason,
  });
  const kl = steps.map((s) => s.kl);
  const klSampled = steps.map((s) => s.klSampled);
  const mean = (xs: (number | null)[]) => { const d = xs.filter((x): x is number => x !== null); return d.length ? d.reduce((a, b) => a + b, 0) / d.length : null; };
  events.push({ event: "done", data: {
    default: completion(0), steered: completion(1), kl, klPrefix: "default", meanKl: mean(kl), klSampled, meanKlSampled: mean(klSampled),
    featureActsAt: "token", featureActs, timingsMs: { firstToken: 0, total: 0 },
  } });
  return events;
}

async function fastSteering(request: ServiceSteerRequest): Promise<SteerEvent[]> {
  const events: SteerEvent[] = [];
  await runSteering(model, saes, request, (event) => void events.push(event));
  const done = events.at(-1)!;
  if (done.event === "done") done.data.timingsMs = { firstToken: 0, total: 0 };
  return events.slice(1); // the start event has no counterpart in the plain version
}

const base = { modelId: 1, prompt: "the cat sat", maxTokens: 8, temperature: 0.9, topP: 0.95 };
const requests: Record<string, ServiceSteerRequest> = {
  "clamp on a TopK SAE": { ...base, seed: 3, features: [{ saeId: 1, index: 5, method: "clamp", value: 8 }], maxActivations: [1.5] },
  "add (no encode needed to steer)": { ...base, seed: 4, features: [{ saeId: 1, index: 2, method: "add", value: 30 }], maxActivations: [0] },
  "ablate and multiply, greedy": { ...base, seed: 5, temperature: 0, features: [{ saeId: 2, index: 1, method: "ablate", value: 0 }, { saeId: 2, index: 4, method: "multiply", value: 5 }], maxActivations: [1, 1] },
  "two SAEs at one hook and a layer-normed SAE at another": {
    ...base, seed: 6, temperature: 1.2, topP: 1,
    features: [{ saeId: 1, index: 5, method: "clamp", value: -6 }, { saeId: 3, index: 7, method: "clamp", value: 4 }, { saeId: 2, index: 3, method: "add", value: -20 }, { saeId: 1, index: 5, method: "multiply", value: 2 }],
    maxActivations: [1.5, 0.8, 0, 1.5],
  },
};

describe("runSteering", () => {
  for (const [name, request] of Object.entries(requests)) {
    it(`streams exactly the plain composition's events: ${name}`, async () => {
      const plain = await plainSteering(request);
      const fast = await fastSteering(request);
      expect(fast).toEqual(plain);
      // and steering did something
      const done = fast.at(-1)!.data as Extract<SteerEvent, { event: "done" }>["data"];
      expect(Math.max(...done.kl.filter((v) => v !== null))).toBeGreaterThan(1e-6);
    });
  }

  it("encodes once per SAE per generated token: the step's clamp input and the previous step's reading in one run", async () => {
    const { sae } = saes.get(1)!;
    const encode = vi.spyOn(sae, "encode");
    try {
      const promptLength = model.encode(base.prompt).length;
      await runSteering(model, saes, { ...requests["clamp on a TopK SAE"], maxTokens: 4 }, () => undefined);
      const rows = encode.mock.calls.map(([x]) => x.length / sae.dIn);
      // prompt pass: steered rows 1–2's prompt positions to clamp (no reading: the last prompt
      // position holds no generated token); step 1: its clamp input (it reads token 0, owed);
      // steps 2–4: token t − 2's reading + step t's clamp input in one run; after the extra step 4,
      // which only reads: token 3's reading
      expect(rows).toEqual([2 * promptLength, 2, 4, 4, 4, 2]);
      // token events still stream during generation, in order, each once its own position was read
      encode.mockClear();
      const emitted: { step: number; encodes: number }[] = [];
      await runSteering(model, saes, { ...requests["clamp on a TopK SAE"], maxTokens: 4 }, (event) => {
        if (event.event === "token") emitted.push({ step: event.data.step, encodes: encode.mock.calls.length });
      });
      expect(emitted.map((e) => e.step)).toEqual([0, 1, 2, 3]);
      // token s's position is processed at step s + 1 and its reading encoded with step s + 2's
      // clamp input (the last one flushed after the extra step)
      expect(emitted.map((e) => e.encodes)).toEqual([3, 4, 5, 6]);
      encode.mockClear();
      await runSteering(model, saes, { ...requests["add (no encode needed to steer)"], maxTokens: 4 }, () => undefined);
      expect(encode.mock.calls.map(([x]) => x.length / sae.dIn)).toEqual([2, 2, 2, 2]);
    } finally {
      encode.mockRestore();
    }
  });
});

// ---- against independent references: full forward passes over a fixed text (no KV cache, no
// third row, no encode sharing), steering written by hand from INTERP §5, the KL as SAELens defines
// it and the SAE encode as SAELens defines it (lib/sae/fixtures.ts referenceEncodeDecode, plain JS)

/**
 * KL(p ‖ q) of two rows of logits, written from SAELens sae_lens/evals.py get_recons_loss, its inner
 * kl(original_logits, new_logits): softmax both, Σ p·(log p − log q) over the vocabulary, with both
 * models run on the SAME tokens (model.run_with_hooks on batch_tokens).
 */
function referenceKl(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const softmax = (x: ArrayLike<number>) => {
    let max = -Infinity;
    for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
    const e = Array.from(x, (v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  };
  const pp = softmax(p);
  const qq = softmax(q);
  return pp.reduce((sum, pi, i) => (pi > 0 ? sum + pi * (Math.log(pi) - Math.log(qq[i])) : sum), 0);
}

function referenceSpec(id: number): ReferenceSaeSpec {
  const { options } = fixtures.get(id)!;
  return {
    architecture: options.architecture, dIn: options.dIn, dSae: options.dSae, k: options.k,
    applyBDecToInput: options.applyBDecToInput ?? true, normalizeActivations: options.normalizeActivations ?? "none",
    normScalingFactor: options.normScalingFactor ?? 1, rescaleActsByDecoderNorm: options.rescaleActsByDecoderNorm ?? false,
  };
}

/** f_i(h) by the plain-JS SAELens encode. */
function referenceActivation(saeId: number, h: ArrayLike<number>, index: number): number {
  return referenceEncodeDecode(referenceSpec(saeId), fixtures.get(saeId)!.tensors, h).f[index];
}

/** INTERP §5 by hand, at every position: add h ← h + s·d_i; clamp h ← h + (v − f_i(h))·d_i. */
function handSteering(saeId: number, edit: { method: "add"; index: number; s: number } | { method: "clamp"; index: number; v: number }): (h: Float32Array) => void {
  const { tensors, options } = fixtures.get(saeId)!;
  const d = tensors.W_dec.subarray(edit.index * options.dIn, (edit.index + 1) * options.dIn);
  return (h) => {
    const scale = edit.method === "add" ? edit.s : edit.v - referenceActivation(saeId, h, edit.index);
    for (let j = 0; j < h.length; j++) h[j] += scale * d[j];
  };
}

/** One full forward pass over `tokens` (optionally steered at `hookName`): per-position logits and the hook's values after the edit. */
async function referencePass(tokens: number[], hookName: string, edit?: (h: Float32Array) => void) {
  const result = await model.forward([tokens], {
    capture: [hookName],
    hooks: edit ? { [hookName]: (t) => { for (let p = 0; p < t.seqLen; p++) edit(t.data.subarray(p * t.width, (p + 1) * t.width)); } } : undefined,
  });
  const V = model.manifest.dVocab;
  const acts = result.activations[hookName];
  const width = acts.length / tokens.length;
  return {
    logits: (position: number) => result.logits!.subarray(position * V, (position + 1) * V),
    hook: (position: number) => acts.subarray(position * width, (position + 1) * width),
  };
}

async function doneOf(request: ServiceSteerRequest): Promise<SteerDoneEvent> {
  return runSteering(model, saes, request, () => undefined);
}

describe("runSteering against independent references", () => {
  const hookName = "blocks.1.hook_resid_post";
  const addRequest: ServiceSteerRequest = { ...base, seed: 4, features: [{ saeId: 1, index: 5, method: "add", value: 30 }], maxActivations: [0] };
  const clampRequest: ServiceSteerRequest = { ...base, seed: 3, features: [{ saeId: 1, index: 5, method: "clamp", value: 8 }], maxActivations: [1.5] };
  const cases = [
    { name: "add", request: addRequest, edit: () => handSteering(1, { method: "add", index: 5, s: 30 }), index: 5 },
    { name: "clamp", request: clampRequest, edit: () => handSteering(1, { method: "clamp", index: 5, v: 8 * 1.5 }), index: 5 },
    {
      // s = 0.8 in hook-norm units with N = 5: h + 0.8·5·d/‖d‖, i.e. a raw coefficient of 4/‖d‖
      name: "add in hook-norm units",
      request: { ...addRequest, features: [{ saeId: 1, index: 5, method: "add", unit: "hook-norm", value: 0.8 }], hookNorms: [5] } as ServiceSteerRequest,
      edit: () => {
        const d = fixtures.get(1)!.tensors.W_dec.subarray(5 * FIXTURE_MODEL.dModel, 6 * FIXTURE_MODEL.dModel);
        return handSteering(1, { method: "add", index: 5, s: (0.8 * 5) / Math.hypot(...d) });
      },
      index: 5,
    },
  ];

  for (const { name, request, edit, index } of cases) {
    it(`${name}: the KL at each step is the steered model's KL on the default text, not on its own`, async () => {
      const done = await doneOf(request);
      const prompt = model.encode(request.prompt);
      const text = [...prompt, ...done.default.tokens.map((t) => t.id)];
      const plain = await referencePass(text, hookName);
      const steered = await referencePass(text, hookName, edit());
      const expected = done.default.tokens.map((_, s) => referenceKl(plain.logits(prompt.length - 1 + s), steered.logits(prompt.length - 1 + s)));
      expect(done.klPrefix).toBe("default");
      expect(done.kl).toHaveLength(expected.length);
      done.kl.forEach((kl, s) => expect(kl).toBeCloseTo(expected[s], 4));
      expect(done.meanKl).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / expected.length, 4);
      // the texts diverged, so the rows' own-prefix KL (what was shown before) is a different number
      expect(done.steered.tokens.map((t) => t.id)).not.toEqual(done.default.tokens.map((t) => t.id));
      expect(Math.max(...done.klSampled.map((v, s) => Math.abs(v! - expected[s])))).toBeGreaterThan(1e-2);
    });

    it(`${name}: a generated token's reading is the feature's activation at that token's own position`, async () => {
      const done = await doneOf(request);
      expect(done.featureActsAt).toBe("token");
      const prompt = model.encode(request.prompt);
      let fromPredictingPosition = 0;
      for (const row of ["default", "steered"] as const) {
        const tokens = done[row].tokens.map((t) => t.id);
        const pass = await referencePass([...prompt, ...tokens], hookName, row === "steered" ? edit() : undefined);
        tokens.forEach((_, s) => {
          const own = referenceActivation(1, pass.hook(prompt.length + s), index);
          expect(done.featureActs[row][s]![0]).toBeCloseTo(own, 4);
          fromPredictingPosition = Math.max(fromPredictingPosition, Math.abs(referenceActivation(1, pass.hook(prompt.length - 1 + s), index) - own));
        });
      }
      // the position that predicted each token (what was read before) gives other numbers
      expect(fromPredictingPosition).toBeGreaterThan(1e-3);
    });
  }

  // seeds found for the fixture: the default row ends at its 5th token (EOS) while the steered row
  // runs on, and the other way round; the asserts on finishReason keep them honest
  const endRequest = (seed: number): ServiceSteerRequest => ({ modelId: 1, prompt: "the", maxTokens: 10, temperature: 2, topP: 1, seed, features: [{ saeId: 1, index: 2, method: "add", value: 3 }], maxActivations: [0] });

  it("after the default completion's EOS nothing of it counts: KL, sampled KL and its readings are null, and means leave them out", async () => {
    const done = await doneOf(endRequest(6));
    expect(done.default.finishReason).toBe("eos");
    expect(done.default.tokens).toHaveLength(5);
    expect(done.steered.tokens).toHaveLength(10);
    const prompt = model.encode("the");
    const text = [...prompt, ...done.default.tokens.map((t) => t.id)];
    const plain = await referencePass(text, "blocks.1.hook_resid_post");
    const steered = await referencePass(text, "blocks.1.hook_resid_post", handSteering(1, { method: "add", index: 2, s: 3 }));
    const expected = [0, 1, 2, 3, 4].map((s) => referenceKl(plain.logits(prompt.length - 1 + s), steered.logits(prompt.length - 1 + s)));
    expect(done.kl.slice(0, 5).map((v) => Number(v!.toFixed(5)))).toEqual(expected.map((v) => Number(v.toFixed(5))));
    expect(done.kl.slice(5)).toEqual([null, null, null, null, null]);
    expect(done.klSampled.slice(5)).toEqual([null, null, null, null, null]);
    expect(done.meanKl).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 5, 5);
    // tokens 0–3 are read at their positions; the EOS (token 4) is never read, nor anything after it
    expect(done.featureActs.default.map((a) => a !== null)).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect(done.featureActs.steered.every((a) => a !== null)).toBe(true);
  });

  it("after the steered completion's EOS its readings and the sampled KL stop; the KL on the default text goes on", async () => {
    const events: SteerEvent[] = [];
    const done = await runSteering(model, saes, endRequest(0), (e) => void events.push(e));
    expect(done.steered.finishReason).toBe("eos");
    expect(done.steered.tokens).toHaveLength(4);
    expect(done.default.tokens).toHaveLength(10);
    expect(done.kl.every((v) => v !== null)).toBe(true);
    expect(done.klSampled.map((v) => v !== null)).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect(done.featureActs.steered.map((a) => a !== null)).toEqual([true, true, true, false, false, false, false, false, false, false]);
    const tokenEvents = events.filter((e): e is Extract<SteerEvent, { event: "token" }> => e.event === "token");
    expect(tokenEvents.slice(4).every((e) => e.data.steered === null && e.data.featureActs.steered === null && e.data.klSampled === null)).toBe(true);
    const defined = done.klSampled.filter((v): v is number => v !== null);
    expect(done.meanKlSampled).toBeCloseTo(defined.reduce((a, b) => a + b, 0) / defined.length, 12);
  });

  it("a token that reaches the end of the context ends its row and is not read (its position does not exist)", async () => {
    const done = await doneOf({ ...endRequest(3), temperature: 0, maxTokens: 30 });
    const prompt = model.encode("the");
    const length = model.manifest.nCtx - prompt.length + 1;
    expect(done.default.finishReason).toBe("context");
    expect(done.default.tokens).toHaveLength(length);
    expect(done.featureActs.default.at(-1)).toBeNull();
    expect(done.featureActs.default.slice(0, -1).every((a) => a !== null)).toBe(true);
  });
});
