import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FIXTURE_MODEL, writeFixtureModelPackage } from "@/lib/model/fixtures";
import { loadModelPackage, type ModelSession } from "@/lib/model";
import { steer, type FeatureIntervention } from "@/lib/model/interventions";
import type { HookRegistration } from "@/lib/model/hooks";
import { logSoftmax } from "@/lib/model/sampling";
import { fixtureSae, type FixtureSaeOptions } from "@/lib/sae/fixtures";
import { loadSae, type Sae } from "@/lib/sae";
import type { ServiceSteerRequest, SteerEvent } from "./protocol";
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
});

// ---- runSteering against the plain composition of the runtime's pieces

let dir: string;
let model: ModelSession;
const saes = new Map<number, { sae: Sae; hookName: string }>();

async function writeSae(name: string, options: FixtureSaeOptions): Promise<Sae> {
  const saeDir = path.join(dir, name);
  fs.mkdirSync(saeDir);
  const sae = fixtureSae(options);
  fs.writeFileSync(path.join(saeDir, "cfg.json"), JSON.stringify(sae.config));
  fs.writeFileSync(path.join(saeDir, "sae_weights.safetensors"), sae.weightsBytes);
  return loadSae(saeDir, { executionProviders: ["cpu"] });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fs-steering-"));
  await writeFixtureModelPackage(path.join(dir, "model"), FIXTURE_MODEL);
  model = await loadModelPackage(path.join(dir, "model"), { executionProviders: ["cpu"] });
  const d = FIXTURE_MODEL.dModel;
  saes.set(1, { sae: await writeSae("topk", { architecture: "topk", dIn: d, dSae: 32, k: 4, seed: 1 }), hookName: "blocks.1.hook_resid_post" });
  saes.set(2, { sae: await writeSae("relu", { architecture: "standard", dIn: d, dSae: 24, seed: 2 }), hookName: "blocks.1.hook_resid_post" });
  saes.set(3, { sae: await writeSae("ln", { architecture: "jumprelu", dIn: d, dSae: 16, seed: 3, normalizeActivations: "layer_norm" }), hookName: "blocks.0.hook_resid_post" });
});

afterAll(async () => {
  await model?.dispose();
  for (const { sae } of saes.values()) await sae.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The steering run written as plainly as possible, the way it was first built: steer() hooks on
 * row 1 (encoding the whole batch), then one measuring hook per SAE encoding both rows' last
 * positions, and a fresh log-softmax for the KL and for every logprob.
 */
async function plainSteering(request: ServiceSteerRequest): Promise<SteerEvent[]> {
  const promptIds = model.encode(request.prompt);
  const bySae = new Map<number, FeatureIntervention[]>();
  request.features.forEach((f, i) => bySae.set(f.saeId, [...(bySae.get(f.saeId) ?? []), toIntervention({ ...f, value: f.value ?? 0 }, request.maxActivations[i])]));
  const hooks: HookRegistration[] = [];
  for (const [saeId, interventions] of bySae) hooks.push(steer(saes.get(saeId)!.sae, interventions, { rows: [1], hookName: saes.get(saeId)!.hookName }));
  let acts: number[][] = [[], []];
  for (const saeId of bySae.keys()) {
    const { sae, hookName } = saes.get(saeId)!;
    hooks.push({
      hookName,
      fn: async (t) => {
        const rows = new Float32Array(2 * t.width);
        for (let b = 0; b < 2; b++) rows.set(t.data.subarray((b * t.seqLen + t.seqLen - 1) * t.width, (b * t.seqLen + t.seqLen) * t.width), b * t.width);
        const encoding = await sae.encode(rows);
        request.features.forEach((f, i) => {
          if (f.saeId !== saeId) return;
          acts[0][i] = encoding.featureActs[f.index];
          acts[1][i] = encoding.featureActs[sae.dSae + f.index];
        });
      },
    });
  }
  const V = model.manifest.dVocab;
  const events: SteerEvent[] = [];
  const ended = [false, false];
  const kl: number[] = [];
  const featureActs = { default: [] as number[][], steered: [] as number[][] };
  const sequences = await model.generate([promptIds, promptIds], {
    maxNewTokens: request.maxTokens!, seed: request.seed, temperature: request.temperature, topP: request.topP, hooks,
    onStep: ({ step, logits, tokens }) => {
      const rows = [logits.subarray(0, V), logits.subarray(V, 2 * V)];
      const logP = logSoftmax(rows[0]);
      const logQ = logSoftmax(rows[1]);
      let stepKl = 0;
      for (let i = 0; i < V; i++) { const p = Math.exp(logP[i]); if (p > 0) stepKl += p * (logP[i] - logQ[i]); }
      stepKl = Math.max(0, stepKl);
      kl.push(stepKl);
      featureActs.default.push([...acts[0]]);
      featureActs.steered.push([...acts[1]]);
      const generated = [0, 1].map((b) => {
        if (ended[b]) return null;
        const id = tokens[b];
        if (id === model.manifest.eosTokenId || promptIds.length + step >= model.manifest.nCtx) ended[b] = true;
        return { id, text: model.tokenizer.tokenText(id), logprob: logSoftmax(rows[b])[id] };
      });
      events.push({ event: "token", data: { step, default: generated[0], steered: generated[1], kl: stepKl, featureActs: { default: [...acts[0]], steered: [...acts[1]] } } });
      acts = [[], []];
    },
  });
  const completion = (b: number) => ({
    text: model.tokenizer.decode(sequences[b].tokens),
    tokens: sequences[b].tokens.map((id, i) => ({ id, text: model.tokenizer.tokenText(id), logprob: sequences[b].logprobs[i] })),
    finishReason: sequences[b].finishReason,
  });
  events.push({ event: "done", data: { default: completion(0), steered: completion(1), kl, featureActs, timingsMs: { firstToken: 0, total: 0 } } });
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
      expect(Math.max(...done.kl)).toBeGreaterThan(1e-6);
    });
  }

  it("encodes once per SAE per generated token: the step's clamp input and the previous step's reading in one run", async () => {
    const { sae } = saes.get(1)!;
    const encode = vi.spyOn(sae, "encode");
    try {
      const promptLength = model.encode(base.prompt).length;
      await runSteering(model, saes, { ...requests["clamp on a TopK SAE"], maxTokens: 4 }, () => undefined);
      const rows = encode.mock.calls.map(([x]) => x.length / sae.dIn);
      // prompt pass: the steered row's prompt positions to clamp, then both rows' last positions to read
      // (at once: the first token is not delayed); step 1: its clamp input; steps 2–3: step t − 1's
      // reading + step t's clamp input in one run; after the last step: its reading
      expect(rows).toEqual([promptLength, 2, 1, 3, 3, 2]);
      // token events still stream during generation, each at most one step late, in order
      encode.mockClear();
      const emitted: { step: number; encodes: number }[] = [];
      await runSteering(model, saes, { ...requests["clamp on a TopK SAE"], maxTokens: 6 }, (event) => {
        if (event.event === "token") emitted.push({ step: event.data.step, encodes: encode.mock.calls.length });
      });
      expect(emitted.map((e) => e.step)).toEqual([0, 1, 2, 3, 4, 5]);
      // step 0 right after the prompt pass (2 encodes); step t ≥ 1 once step t + 1's encode carried its reading
      expect(emitted.map((e) => e.encodes)).toEqual([2, 4, 5, 6, 7, 8]);
      encode.mockClear();
      await runSteering(model, saes, { ...requests["add (no encode needed to steer)"], maxTokens: 4 }, () => undefined);
      expect(encode.mock.calls.map(([x]) => x.length / sae.dIn)).toEqual([2, 2, 2, 2]);
    } finally {
      encode.mockRestore();
    }
  });
});
