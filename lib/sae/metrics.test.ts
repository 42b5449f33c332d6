import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModelPackage } from "@/lib/model/fixtures";
import { loadModelPackage, type ModelSession } from "@/lib/model/model";
import { logSoftmax } from "@/lib/model/sampling";
import { fixtureSae } from "./fixtures";
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
        for (let t = 0; t < 5; t++) total -= logSoftmax(logits.subarray((b * 6 + t) * V, (b * 6 + t + 1) * V))[c[t + 1]];
      });
      return total / 10;
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
    // CE is averaged over predictions: 2×5 from the long contexts, 1×2 from the short one
    expect(mixed.ceClean).toBeCloseTo((a.ceClean * 10 + b.ceClean * 2) / 12, 5);
    expect(mixed.ceWithSae).toBeCloseTo((a.ceWithSae * 10 + b.ceWithSae * 2) / 12, 5);
    await expect(evaluateSae(model, sae, [long[0], [long[0][0]]])).rejects.toThrow(/at least 2 tokens/);
    await sae.dispose();
  });
});
