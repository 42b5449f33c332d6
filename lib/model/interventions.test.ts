import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSafetensors } from "@/lib/safetensors/safetensors";
import { fixtureRandom, fixtureSae, randomArray } from "@/lib/sae/fixtures";
import { loadSaeFromFiles } from "@/lib/sae/load";
import type { Sae } from "@/lib/sae/sae";
import { writeFixtureModelPackage } from "./fixtures";
import { applyInterventions, steer, type FeatureIntervention } from "./interventions";
import { loadModelPackage, type ModelSession } from "./model";

const CPU = { executionProviders: ["cpu" as const] };
let handSae: Sae;

// d_in 2, d_sae 3: W_enc = [[1,0,-1],[0,2,1]], b_enc = [0,-1,0.5], b_dec = [1,0], W_dec rows [1,0], [0,1], [1,1].
// For h = [3, 1]: x' = [2, 1], pre = [2, 1, -0.5], f = [2, 1, 0].
beforeAll(async () => {
  handSae = await loadSaeFromFiles({
    config: { architecture: "standard", d_in: 2, d_sae: 3, metadata: { hook_name: "blocks.0.hook_resid_post" } },
    weights: encodeSafetensors({
      W_enc: { dtype: "F32", shape: [2, 3], data: Float32Array.from([1, 0, -1, 0, 2, 1]) },
      b_enc: { dtype: "F32", shape: [3], data: Float32Array.from([0, -1, 0.5]) },
      W_dec: { dtype: "F32", shape: [3, 2], data: Float32Array.from([1, 0, 0, 1, 1, 1]) },
      b_dec: { dtype: "F32", shape: [2], data: Float32Array.from([1, 0]) },
    }),
  }, CPU);
});

async function steered(interventions: FeatureIntervention[], h = [3, 1]): Promise<number[]> {
  const data = Float32Array.from(h);
  await applyInterventions(handSae, interventions, { data, batch: 1, seqLen: h.length / 2, width: 2, tokenMask: new Float32Array(h.length / 2).fill(1), hookName: "x" });
  return [...data];
}

describe("interventions (INTERP.md §5), hand-computed", () => {
  it("add: h + s·d_i, optionally unit-normed", async () => {
    expect(await steered([{ kind: "add", feature: 2, strength: 2 }])).toEqual([5, 3]);
    const unit = await steered([{ kind: "add", feature: 2, strength: 2, unitNorm: true }]);
    expect(unit[0]).toBeCloseTo(3 + Math.SQRT2, 6);
    expect(unit[1]).toBeCloseTo(1 + Math.SQRT2, 6);
  });

  it("clamp: h + (v − f_i(h))·d_i, v absolute or a multiple of the max activation", async () => {
    expect(await steered([{ kind: "clamp", feature: 0, value: 5 }])).toEqual([6, 1]);
    expect(await steered([{ kind: "clamp", feature: 0, multiple: 2, maxActivation: 1.5 }])).toEqual([4, 1]);
    // an inactive feature clamped on: f_2 = 0 → h + 4·[1,1]
    expect(await steered([{ kind: "clamp", feature: 2, value: 4 }])).toEqual([7, 5]);
  });

  it("ablate: clamp to 0", async () => {
    expect(await steered([{ kind: "ablate", feature: 1 }])).toEqual([3, 0]);
  });

  it("multiply: h + (α − 1)·f_i·d_i", async () => {
    expect(await steered([{ kind: "multiply", feature: 0, factor: 3 }])).toEqual([7, 1]);
    expect(await steered([{ kind: "multiply", feature: 0, factor: 0 }])).toEqual(await steered([{ kind: "ablate", feature: 0 }]));
  });

  it("composes several features, and several edits of one feature in order", async () => {
    expect(await steered([{ kind: "ablate", feature: 1 }, { kind: "add", feature: 2, strength: 1 }])).toEqual([4, 1]);
    expect(await steered([{ kind: "ablate", feature: 0 }, { kind: "multiply", feature: 1, factor: 2 }])).toEqual([1, 2]);
    // clamp to 4 then multiply by 0.5 → target 2 = f_0: no change
    expect(await steered([{ kind: "clamp", feature: 0, value: 4 }, { kind: "multiply", feature: 0, factor: 0.5 }])).toEqual([3, 1]);
  });

  it("acts per token, skips padding and unselected rows", async () => {
    const data = Float32Array.from([3, 1, 3, 1, 3, 1]);
    await applyInterventions(handSae, [{ kind: "ablate", feature: 1 }], {
      data, batch: 3, seqLen: 1, width: 2, tokenMask: Float32Array.from([1, 0, 1]), hookName: "x",
    }, { rows: [0, 1] });
    expect([...data]).toEqual([3, 0, 3, 1, 3, 1]);
  });

  it("uses the caller's encoding of the tokens when given one (its rows from an offset)", async () => {
    // rows 0–1 of this encoding are other activations ([0, 0] and [1, 5]); row 2 is h = [3, 1]
    const encoding = await handSae.encode(Float32Array.from([0, 0, 1, 5, 3, 1]));
    const data = Float32Array.from([3, 1]);
    await applyInterventions(handSae, [{ kind: "clamp", feature: 0, value: 5 }, { kind: "multiply", feature: 1, factor: 3 }], {
      data, batch: 1, seqLen: 1, width: 2, tokenMask: Float32Array.from([1]), hookName: "x",
    }, {}, { encoding, offset: 2 });
    // f = [2, 1, 0] at row 2: h + 3·d_0 + 2·d_1
    expect([...data]).toEqual([6, 3]);
    // read from the wrong row it would differ: row 1 is x' = [0, 5], f = [0, 9, 5.5]
    const wrong = Float32Array.from([3, 1]);
    await applyInterventions(handSae, [{ kind: "clamp", feature: 0, value: 5 }], {
      data: wrong, batch: 1, seqLen: 1, width: 2, tokenMask: Float32Array.from([1]), hookName: "x",
    }, {}, { encoding, offset: 1 });
    expect([...wrong]).toEqual([8, 1]);
  });

  it("clamp equals dec(f′) + (h − dec(f)) for topk and layer-normed SAEs", async () => {
    for (const options of [
      { architecture: "topk" as const, dIn: 6, dSae: 12, k: 3 },
      { architecture: "jumprelu" as const, dIn: 6, dSae: 12, normalizeActivations: "layer_norm" as const },
    ]) {
      const fixture = fixtureSae({ ...options, seed: 11 });
      const sae = await loadSaeFromFiles({ config: fixture.config, weights: fixture.weightsBytes }, CPU);
      const h = randomArray(fixtureRandom(4), 6, 2);
      const { encoding, reconstruction } = await sae.reconstruct(h);
      const feature = Array.from(encoding.featureActs).findIndex((v) => v > 0);
      const edited = encoding.featureActs.slice();
      edited[feature] = 7;
      edited[(feature + 1) % 12] = 0;
      const decoded = await sae.decode(edited, encoding);
      const data = h.slice();
      await applyInterventions(sae, [
        { kind: "clamp", feature, value: 7 }, { kind: "ablate", feature: (feature + 1) % 12 },
      ], { data, batch: 1, seqLen: 1, width: 6, tokenMask: Float32Array.from([1]), hookName: "x" });
      for (let j = 0; j < 6; j++) expect(data[j]).toBeCloseTo(decoded[j] + (h[j] - reconstruction[j]), 4);
      await sae.dispose();
    }
  });

  it("rejects a feature index out of range and a width mismatch", async () => {
    await expect(steered([{ kind: "ablate", feature: 3 }])).rejects.toThrow(/out of range/);
    await expect(applyInterventions(handSae, [], { data: new Float32Array(3), batch: 1, seqLen: 1, width: 3, tokenMask: Float32Array.from([1]), hookName: "h" }))
      .rejects.toThrow(/does not match the width 3/);
  });
});

describe("steering a model", () => {
  let dir: string;
  let model: ModelSession;
  let residSae: Sae;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fs-steer-"));
    await writeFixtureModelPackage(dir);
    model = await loadModelPackage(dir, CPU);
    const resid = fixtureSae({ architecture: "topk", dIn: 8, dSae: 32, k: 4, seed: 5, hookName: "blocks.0.hook_resid_post" });
    residSae = await loadSaeFromFiles({ config: resid.config, weights: resid.weightsBytes }, { ...CPU, hookWidth: model.hookWidth("blocks.0.hook_resid_post") });
  });

  afterAll(async () => {
    await model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("steers only the chosen rows, at every generated token, with the same seed as the default run", async () => {
    const prompt = model.encode("the cat");
    const options = { maxNewTokens: 5, temperature: 0.8, seed: 9, stopAtEos: false };
    const [plain] = await model.generate([prompt], options);
    const [defaultRow, steeredRow] = await model.generate([prompt, prompt], {
      ...options, hooks: [steer(residSae, [{ kind: "add", feature: 3, strength: 40 }], { rows: [1] })],
    });
    expect(defaultRow.tokens).toEqual(plain.tokens);
    expect(steeredRow.tokens).not.toEqual(plain.tokens);
  });
});
