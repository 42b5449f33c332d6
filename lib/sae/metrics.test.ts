import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModelPackage } from "@/lib/model/fixtures";
import { loadModelPackage, type ModelSession } from "@/lib/model/model";
import { logSoftmax } from "@/lib/model/sampling";
import { contextsFromEncoding } from "@/lib/dashboards/sparse";
import { DEFAULT_DASHBOARD_SETTINGS, FirstPass } from "@/lib/dashboards/statistics";
import { bosExclusionMask } from "./bos";
import { fixtureSae, referenceEncodeDecode } from "./fixtures";
import { loadSaeFromFiles } from "./load";
import { evaluateSae } from "./metrics";

let dir: string;
let model: ModelSession;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fs-metrics-"));
  await writeFixtureModelPackage(dir);
  model = await loadModelPackage(dir, { executionProviders: ["cpu"] });
});

afterAll(async () => {
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("SAE quality metrics", () => {
  it("match a plain JS computation of L0, explained variance and CE loss recovered", async () => {
    const hook = "blocks.0.hook_resid_post";
    const fixture = fixtureSae({ architecture: "topk", dIn: 8, dSae: 24, k: 3, seed: 8, hookName: hook });
    const sae = await loadSaeFromFiles({ config: fixture.config, weights: fixture.weightsBytes }, { executionProviders: ["cpu"] });
    const contexts = [model.encode("the cat sat on the mat"), model.encode("the other rat ate it!")].map((c) => c.slice(0, 6));
    const quality = await evaluateSae(model, sae, contexts, { batchSize: 1 });

    // reference: same pieces, computed directly
    const clean = await model.forward(contexts, { capture: [hook] });
    const x = clean.activations[hook];
    const { encoding, reconstruction } = await sae.reconstruct(x);
    const rows = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]; // BOS positions 0 and 6 excluded
    const mean = new Array(8).fill(0);
    let sq = 0, err = 0, l0 = 0;
    for (const r of rows) {
      l0 += encoding.l0[r];
      for (let j = 0; j < 8; j++) {
        mean[j] += x[r * 8 + j] / rows.length;
        sq += x[r * 8 + j] ** 2 / rows.length;
        err += (x[r * 8 + j] - reconstruction[r * 8 + j]) ** 2 / rows.length;
      }
    }
    expect(quality.tokens).toBe(10);
    expect(quality.l0).toBeCloseTo(l0 / 10, 6);
    expect(quality.explainedVariance).toBeCloseTo(1 - err / (sq - mean.reduce((a, m) => a + m * m, 0)), 4);
    const V = model.manifest.dVocab;
    const ce = (logits: Float32Array) => {
      let total = 0;
      contexts.forEach((c, b) => {
        // the prediction made at BOS (t = 0) is not counted
        for (let t = 1; t < 5; t++) total -= logSoftmax(logits.subarray((b * 6 + t) * V, (b * 6 + t + 1) * V))[c[t + 1]];
      });
      return total / 8;
    };
    expect(quality.ceClean).toBeCloseTo(ce(clean.logits!), 4);
    const zeroed = await model.forward(contexts, { hooks: { [hook]: (h) => { for (const r of rows) h.data.fill(0, r * 8, r * 8 + 8); } } });
    expect(quality.ceZeroAblation).toBeCloseTo(ce(zeroed.logits!), 4);
    expect(quality.ceLossRecovered).toBeCloseTo((quality.ceZeroAblation - quality.ceWithSae) / (quality.ceZeroAblation - quality.ceClean), 6);
    expect(quality.l0).toBeLessThanOrEqual(3);
    expect(quality.firingFrequency.reduce((a, f) => a + f, 0)).toBeCloseTo(quality.l0, 5);
    expect(quality.deadFraction).toBeGreaterThan(0);
    await sae.dispose();
  });

  it("takes contexts of different lengths (a packed corpus ends short) and weighs every token alike", async () => {
    const hook = "blocks.0.hook_resid_post";
    const fixture = fixtureSae({ architecture: "topk", dIn: 8, dSae: 24, k: 3, seed: 9, hookName: hook });
    const sae = await loadSaeFromFiles({ config: fixture.config, weights: fixture.weightsBytes }, { executionProviders: ["cpu"] });
    const long = [model.encode("the cat sat on the mat"), model.encode("the other rat ate it!")].map((c) => c.slice(0, 6));
    const short = [model.encode("a dog ran")].map((c) => c.slice(0, 3));
    const mixed = await evaluateSae(model, sae, [long[0], short[0], long[1]], { batchSize: 2 });
    const a = await evaluateSae(model, sae, long, { batchSize: 2 });
    const b = await evaluateSae(model, sae, short, { batchSize: 2 });
    expect(mixed.tokens).toBe(a.tokens + b.tokens);
    expect(mixed.l0).toBeCloseTo((a.l0 * a.tokens + b.l0 * b.tokens) / mixed.tokens, 6);
    // CE is averaged over predictions not made at BOS: 2×4 from the long contexts, 1×1 from the short one
    expect(mixed.ceClean).toBeCloseTo((a.ceClean * 8 + b.ceClean * 1) / 9, 5);
    expect(mixed.ceWithSae).toBeCloseTo((a.ceWithSae * 8 + b.ceWithSae * 1) / 9, 5);
    await expect(evaluateSae(model, sae, [long[0], [long[0][0]]])).rejects.toThrow(/at least 2 tokens/);
    await sae.dispose();
  });

  it("leaves out every BOS-id position — also inside a context — exactly as the dashboards do", async () => {
    // Reference written from SAELens sae_lens/evals.py: get_sparsity_and_variance_metrics (mask =
    // token ∉ ignored ids; L0, EV's sums over masked tokens) and get_recons_loss (the SAE spliced in
    // only where the mask holds; per-token CE masked by its source position, mask[:, :-1]). Our one
    // deliberate difference, documented in RUNTIME.md: zero ablation also spares BOS-id positions,
    // so the SAE and its baseline intervene on the same positions. The SAE is the plain-JS reference
    // encoder (fixtures.ts), not the ORT graphs.
    const hook = "blocks.0.hook_resid_post";
    const D = 8, F = 24;
    const fixture = fixtureSae({ architecture: "topk", dIn: D, dSae: F, k: 3, seed: 11, hookName: hook });
    const sae = await loadSaeFromFiles({ config: fixture.config, weights: fixture.weightsBytes }, { executionProviders: ["cpu"] });
    const bos = model.manifest.bosTokenId;
    const words = (text: string) => model.encode(text, { prependBos: false });
    // BOS first and again inside each context (a packed corpus: documents joined by EOS = the BOS id)
    const contexts = [
      [bos, ...words("the cat"), bos, ...words("sat on it")].slice(0, 8),
      [bos, ...words("a rat"), bos, bos, ...words("ate the mat")].slice(0, 8),
    ];
    expect(contexts.every((c) => c.length === 8)).toBe(true);
    const L = 8;
    const counted = contexts.map((c) => c.map((id) => id !== bos));
    expect(counted.flat().filter((k) => !k).length).toBe(5); // BOS inside, twice in a row too
    const quality = await evaluateSae(model, sae, contexts, { batchSize: 2 });

    const spec = { architecture: "topk" as const, dIn: D, dSae: F, k: 3, applyBDecToInput: true, normalizeActivations: "none" as const, normScalingFactor: 1, rescaleActsByDecoderNorm: false };
    const clean = await model.forward(contexts, { capture: [hook] });
    const x = clean.activations[hook];
    const ref = Array.from({ length: 2 * L }, (_, r) => referenceEncodeDecode(spec, fixture.tensors, x.subarray(r * D, (r + 1) * D)));
    let n = 0, l0 = 0, sq = 0, err = 0;
    const mean = new Array(D).fill(0);
    const fired = new Array(F).fill(0);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < L; t++) {
        if (!counted[b][t]) continue;
        const r = b * L + t;
        n += 1;
        l0 += ref[r].f.filter((v) => v > 0).length;
        ref[r].f.forEach((v, i) => { if (v > 0) fired[i] += 1; });
        for (let j = 0; j < D; j++) {
          mean[j] += x[r * D + j];
          sq += x[r * D + j] ** 2;
          err += (x[r * D + j] - ref[r].xHat[j]) ** 2;
        }
      }
    }
    expect(quality.tokens).toBe(n);
    expect(quality.l0).toBeCloseTo(l0 / n, 6);
    const variance = sq / n - mean.reduce((a, m) => a + (m / n) ** 2, 0);
    expect(quality.explainedVariance).toBeCloseTo(1 - err / n / variance, 4);
    quality.firingFrequency.forEach((f, i) => expect(f).toBeCloseTo(fired[i] / n, 6));

    const V = model.manifest.dVocab;
    const ce = (logits: Float32Array) => {
      let total = 0, terms = 0;
      contexts.forEach((c, b) => {
        for (let t = 0; t < L - 1; t++) {
          if (!counted[b][t]) continue; // the prediction made at a BOS-id position
          total -= logSoftmax(logits.subarray((b * L + t) * V, (b * L + t + 1) * V))[c[t + 1]];
          terms += 1;
        }
      });
      return total / terms;
    };
    const splice = (value: (r: number, j: number) => number) => ({
      [hook]: (h: { data: Float32Array }) => {
        for (let b = 0; b < 2; b++) for (let t = 0; t < L; t++) {
          if (!counted[b][t]) continue;
          const r = b * L + t;
          for (let j = 0; j < D; j++) h.data[r * D + j] = value(r, j);
        }
      },
    });
    const ceClean = ce(clean.logits!);
    const ceSae = ce((await model.forward(contexts, { hooks: splice((r, j) => ref[r].xHat[j]) })).logits!);
    const ceZero = ce((await model.forward(contexts, { hooks: splice(() => 0) })).logits!);
    expect(quality.ceClean).toBeCloseTo(ceClean, 4);
    expect(quality.ceWithSae).toBeCloseTo(ceSae, 4);
    expect(quality.ceZeroAblation).toBeCloseTo(ceZero, 4);
    expect(quality.ceLossRecovered).toBeCloseTo((ceZero - ceSae) / (ceZero - ceClean), 3);

    // the dashboards, fed the same contexts the way lib/dashboards/run.ts feeds them, count the same tokens and firings
    const encoding = await sae.encode(x);
    const first = new FirstPass(F, DEFAULT_DASHBOARD_SETTINGS);
    const slices = contexts.map((c, b) => ({ contextIndex: b, tokenIds: Int32Array.from(c), start: b * L, excluded: bosExclusionMask(c, bos) }));
    for (const context of contextsFromEncoding(encoding, slices)) first.add(context);
    expect(first.tokens).toBe(quality.tokens);
    for (let i = 0; i < F; i++) expect(first.activeCount[i] / first.tokens).toBeCloseTo(quality.firingFrequency[i], 6);
    await sae.dispose();
  });
});
