import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureSae } from "@/lib/sae/fixtures";
import { loadSaeFromFiles } from "@/lib/sae/load";
import type { Sae } from "@/lib/sae/sae";
import { writeFixtureModelPackage } from "./fixtures";
import type { Gpt2Weights } from "./gpt2-package";
import { finalLayerNormWeight, foldFinalLayerNorm, logitEffects, readoutLayer } from "./logit-effects";
import { storedLogitEffects, LOGIT_EFFECTS_CONVENTION } from "./logit-effects-convention";
import { loadModelPackage, type ModelSession } from "./model";

const CPU = { executionProviders: ["cpu" as const] };

/**
 * Reference written from TransformerLens transformer_lens/weight_processing.py
 * ProcessWeights._fold_unembed_layer_norm (fold_biases and center_weights on, as fold_ln's
 * defaults): W_U ← W_U * ln_final.w[:, None]; W_U ← W_U − W_U.mean(0) (over d_model). The logit
 * effect of a residual direction d is then d @ W_U (SAEDashboard sae_vis_runner.py:
 * einsum(feature_resid_dir, W_U, "feats d_model, d_model d_vocab -> feats d_vocab")).
 */
function referenceFoldedUnembed(wU: ArrayLike<number>, lnWeight: ArrayLike<number>, D: number, V: number): number[][] {
  const scaled = Array.from({ length: D }, (_, d) => Array.from({ length: V }, (_, v) => wU[d * V + v] * lnWeight[d]));
  const mean = Array.from({ length: V }, (_, v) => scaled.reduce((s, row) => s + row[v], 0) / D);
  return scaled.map((row) => row.map((value, v) => value - mean[v]));
}

describe("folding the final LayerNorm into W_U, hand-computed", () => {
  it("scales W_U's rows by ln_f's weight and centres each column over d_model", () => {
    // W_U = [[1, 2, 3], [4, 5, 6]], w = [2, 0.5] → diag(w)·W_U = [[2, 4, 6], [2, 2.5, 3]];
    // column means [2, 3.25, 4.5] → [[0, 0.75, 1.5], [0, -0.75, -1.5]]
    const folded = foldFinalLayerNorm(Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([2, 0.5]), 2, 3);
    expect([...folded]).toEqual([0, 0.75, 1.5, 0, -0.75, -1.5]);
  });
});

describe("logit effects on a model package", () => {
  let dir: string;
  let model: ModelSession;
  let weights: Gpt2Weights;
  let residSae: Sae;
  let mlpSae: Sae;
  const D = 8;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fs-logits-"));
    ({ weights } = await writeFixtureModelPackage(dir));
    model = await loadModelPackage(dir, CPU);
    const resid = fixtureSae({ architecture: "topk", dIn: D, dSae: 32, k: 4, seed: 5, hookName: "blocks.1.hook_resid_post" });
    residSae = await loadSaeFromFiles({ config: resid.config, weights: resid.weightsBytes }, CPU);
    const mlp = fixtureSae({ architecture: "standard", dIn: 16, dSae: 24, seed: 6, hookName: "blocks.0.mlp.hook_post" });
    mlpSae = await loadSaeFromFiles({ config: mlp.config, weights: mlp.weightsBytes }, CPU);
  });

  afterAll(async () => {
    await residSae.dispose();
    await mlpSae.dispose();
    await model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads ln_f's weight from the unembed graph", async () => {
    // the fixture's LayerNorm weights are 1 ± 0.1, so folding them changes the numbers
    expect([...(await finalLayerNormWeight(model))]).toEqual([...weights["ln_f.weight"]]);
    expect(weights["ln_f.weight"].some((w) => Math.abs(w - 1) > 0.01)).toBe(true);
  });

  it("computes d_i·W_U' and d_i·W_out·W_U' as TransformerLens's folded W_U gives them, with top and bottom tokens", async () => {
    expect(readoutLayer("blocks.0.mlp.hook_post")).toBe(0);
    expect(readoutLayer("blocks.1.hook_resid_post")).toBeNull();
    const readout = await model.readoutWeights();
    const V = model.manifest.dVocab;
    // W_U and W_out as the fixture's GPT-2 weights hold them (wte tied; c_proj [d_mlp, d_model]), not as the package stores them
    const wU = Float32Array.from({ length: D * V }, (_, i) => weights["wte.weight"][(i % V) * D + Math.floor(i / V)]);
    expect([...readout.toFloat32("W_U")]).toEqual([...wU]);
    const folded = referenceFoldedUnembed(wU, weights["ln_f.weight"], D, V);
    const wOut = weights["h.0.mlp.c_proj.weight"];
    for (const [sae, viaMlp] of [[residSae, false], [mlpSae, true]] as const) {
      const effects = await logitEffects(model, sae, { topK: 5, chunkSize: 7, histogramBins: 10 });
      for (const feature of [0, 5, sae.dSae - 1]) {
        let d = Array.from(sae.decoderDirection(feature));
        if (viaMlp) d = Array.from({ length: D }, (_, j) => d.reduce((s, v, m) => s + v * wOut[m * D + j], 0));
        const vector = Array.from({ length: V }, (_, t) => d.reduce((s, v, j) => s + v * folded[j][t], 0));
        const sorted = vector.map((v, t) => [v, t]).sort((a, b) => b[0] - a[0]);
        for (let r = 0; r < 5; r++) {
          expect(effects.topTokens[feature * 5 + r]).toBe(sorted[r][1]);
          expect(effects.topValues[feature * 5 + r]).toBeCloseTo(sorted[r][0], 4);
          expect(effects.bottomTokens[feature * 5 + r]).toBe(sorted[V - 1 - r][1]);
          expect(effects.bottomValues[feature * 5 + r]).toBeCloseTo(sorted[V - 1 - r][0], 4);
        }
        const counts = effects.histogram!.counts.subarray(feature * 10, feature * 10 + 10);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(V);
      }
    }
  });

  it("are the model's own logit change, up to LayerNorm's 1/σ, when the direction is added to the last residual", async () => {
    // Physical check through the package's real unembed graph (LayerNorm with weight AND bias, then W_U):
    // for a residual x whose centred part is orthogonal to d's, x ± εd have the same LayerNorm σ', so
    // (logits(x + εd) − logits(x − εd)) / 2 = (ε/σ')·d·W_U' exactly — the bias cancels, as it must.
    const hook = "blocks.1.hook_resid_post";
    const effects = await logitEffects(model, residSae, { topK: 5 });
    const V = model.manifest.dVocab;
    const eps = model.manifest.layerNormEps;
    const centre = (v: number[]) => { const m = v.reduce((a, b) => a + b, 0) / v.length; return v.map((a) => a - m); };
    for (const feature of [2, 17]) {
      const d = Array.from(residSae.decoderDirection(feature));
      const dc = centre(d);
      let x = centre(Array.from({ length: D }, (_, j) => Math.sin(3 * j + feature) * 2));
      const along = x.reduce((s, v, j) => s + v * dc[j], 0) / dc.reduce((s, v) => s + v * v, 0);
      x = x.map((v, j) => v - along * dc[j]).map((v) => v + 0.7); // centred part ⟂ d_c, plus a mean LayerNorm removes
      const epsilon = 0.5;
      const logitsAt = async (sign: number) => {
        const out = await model.forward([[0]], { hooks: { [hook]: (h: { data: Float32Array }) => { for (let j = 0; j < D; j++) h.data[j] = x[j] + sign * epsilon * d[j]; } } });
        return out.logits!.subarray(0, V);
      };
      const plus = await logitsAt(1);
      const minus = await logitsAt(-1);
      const xc = centre(x);
      const sigma = Math.sqrt(xc.reduce((s, v, j) => s + (v + epsilon * dc[j]) ** 2, 0) / D + eps);
      for (let r = 0; r < 5; r++) {
        for (const [tokens, values] of [[effects.topTokens, effects.topValues], [effects.bottomTokens, effects.bottomValues]] as const) {
          const token = tokens[feature * 5 + r];
          const change = (plus[token] - minus[token]) / 2;
          expect(change).toBeCloseTo((epsilon / sigma) * values[feature * 5 + r], 3);
        }
      }
    }
  });

  it("says what it folded, and tells older stored effects apart", () => {
    expect(LOGIT_EFFECTS_CONVENTION.readout).toMatch(/ln_f's weight/);
    expect(storedLogitEffects(LOGIT_EFFECTS_CONVENTION)).toBe("current");
    expect(storedLogitEffects("decoder direction through W_U (MLP hooks: through W_out first); no final LayerNorm")).toBe("raw-unembedding");
    expect(storedLogitEffects(undefined)).toBe("unrecorded");
  });
});
