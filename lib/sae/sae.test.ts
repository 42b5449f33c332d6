import { describe, expect, it } from "vitest";
import { encodeFloats, encodeSafetensors } from "@/lib/safetensors/safetensors";
import { parseSaeConfig } from "./config";
import { SaeError } from "./errors";
import { fixtureRandom, fixtureSae, randomArray, referenceEncodeDecode, type FixtureSaeOptions } from "./fixtures";
import { loadSae, loadSaeFromFiles } from "./load";
import { Sae } from "./sae";

const CPU = { executionProviders: ["cpu" as const] };

async function load(options: FixtureSaeOptions, extra: { hookWidth?: number; sparseWidth?: number } = {}) {
  const fixture = fixtureSae(options);
  const sae = await loadSaeFromFiles(
    { config: fixture.config, weights: fixture.weightsBytes, sparsity: fixture.sparsityBytes, source: "fixture" },
    { ...CPU, ...extra },
  );
  return { fixture, sae };
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SaeError) return error.code;
    throw error;
  }
  return "no error";
}

describe("SAE encode/decode in ONNX Runtime", () => {
  it("matches a hand-computed standard SAE", async () => {
    // d_in 2, d_sae 3: W_enc = [[1,0,-1],[0,2,1]], b_enc = [0,-1,0.5], b_dec = [1,0], W_dec rows e1, e2, e1+e2
    const config = { architecture: "standard", d_in: 2, d_sae: 3, apply_b_dec_to_input: true, normalize_activations: "none", metadata: {} };
    const weights = encodeSafetensors({
      W_enc: { dtype: "F32", shape: [2, 3], data: Float32Array.from([1, 0, -1, 0, 2, 1]) },
      b_enc: { dtype: "F32", shape: [3], data: Float32Array.from([0, -1, 0.5]) },
      W_dec: { dtype: "F32", shape: [3, 2], data: Float32Array.from([1, 0, 0, 1, 1, 1]) },
      b_dec: { dtype: "F32", shape: [2], data: Float32Array.from([1, 0]) },
    });
    const sae = await loadSaeFromFiles({ config, weights }, CPU);
    // x = [3, 1] → x' = [2, 1]; pre = [2, 2-1, -2+1+0.5] = [2, 1, -0.5]; f = [2, 1, 0]
    const { encoding, reconstruction } = await sae.reconstruct(Float32Array.from([3, 1]));
    expect([...encoding.featureActs]).toEqual([2, 1, 0]);
    expect([...encoding.l0]).toEqual([2]);
    // x̂ = 2·[1,0] + 1·[0,1] + b_dec = [3, 1]
    expect([...reconstruction]).toEqual([3, 1]);
    expect(Sae.sparseFeatures(encoding)).toEqual([{ indices: [0, 1], values: [2, 1], truncated: false }]);
    await sae.dispose();
  });

  const cases: Array<[string, FixtureSaeOptions]> = [
    ["standard", { architecture: "standard", dIn: 6, dSae: 10 }],
    ["topk", { architecture: "topk", dIn: 6, dSae: 10, k: 3 }],
    ["jumprelu", { architecture: "jumprelu", dIn: 6, dSae: 10 }],
    ["gated", { architecture: "gated", dIn: 6, dSae: 10 }],
    ["standard without b_dec on input", { architecture: "standard", dIn: 6, dSae: 10, applyBDecToInput: false }],
    ["topk, float16 weights", { architecture: "topk", dIn: 6, dSae: 10, k: 4, dtype: "F16" }],
    ["jumprelu, bfloat16 weights", { architecture: "jumprelu", dIn: 6, dSae: 10, dtype: "BF16" }],
    ["standard, layer_norm", { architecture: "standard", dIn: 6, dSae: 10, normalizeActivations: "layer_norm" }],
    ["topk, constant_norm_rescale", { architecture: "topk", dIn: 6, dSae: 10, k: 3, normalizeActivations: "constant_norm_rescale" }],
    ["standard, expected_average_only_in ×2.5", { architecture: "standard", dIn: 6, dSae: 10, normalizeActivations: "expected_average_only_in", normScalingFactor: 2.5 }],
    ["topk, rescale_acts_by_decoder_norm", { architecture: "topk", dIn: 6, dSae: 10, k: 3, rescaleActsByDecoderNorm: true }],
    // SAELens drops the flag for every architecture but topk (see the reference)
    ["standard, rescale_acts_by_decoder_norm (dropped)", { architecture: "standard", dIn: 6, dSae: 10, rescaleActsByDecoderNorm: true }],
    ["jumprelu, rescale_acts_by_decoder_norm (dropped)", { architecture: "jumprelu", dIn: 6, dSae: 10, rescaleActsByDecoderNorm: true }],
    ["gated, rescale_acts_by_decoder_norm (dropped)", { architecture: "gated", dIn: 6, dSae: 10, rescaleActsByDecoderNorm: true }],
    ["legacy topk", { architecture: "topk", dIn: 6, dSae: 10, k: 2, legacy: true }],
  ];

  for (const [name, options] of cases) {
    it(`matches the JS reference: ${name}`, async () => {
      const { fixture, sae } = await load({ seed: 7, ...options });
      const n = 5;
      const x = randomArray(fixtureRandom(99), n * options.dIn, 2);
      const { encoding, reconstruction } = await sae.reconstruct(x);
      const spec = {
        architecture: options.architecture, dIn: options.dIn, dSae: options.dSae, k: options.k,
        applyBDecToInput: options.applyBDecToInput ?? true,
        normalizeActivations: options.normalizeActivations ?? "none",
        normScalingFactor: options.normScalingFactor ?? 1,
        rescaleActsByDecoderNorm: options.rescaleActsByDecoderNorm ?? false,
      };
      let anyActive = false;
      for (let t = 0; t < n; t++) {
        const ref = referenceEncodeDecode(spec, fixture.tensors, x.subarray(t * options.dIn, (t + 1) * options.dIn));
        const got = encoding.featureActs.subarray(t * options.dSae, (t + 1) * options.dSae);
        for (let i = 0; i < options.dSae; i++) {
          expect(got[i] > 0).toBe(ref.f[i] > 0);
          expect(got[i]).toBeCloseTo(ref.f[i], 4);
          if (ref.f[i] > 0) anyActive = true;
        }
        for (let j = 0; j < options.dIn; j++) expect(reconstruction[t * options.dIn + j]).toBeCloseTo(ref.xHat[j], 4);
        const active = ref.f.filter((v) => v > 0).length;
        expect(encoding.l0[t]).toBe(active);
        if (options.architecture === "topk") expect(active).toBeLessThanOrEqual(options.k!);
      }
      expect(anyActive).toBe(true);
      expect(sae.logSparsity?.length).toBe(options.dSae);
      await sae.dispose();
    });
  }

  it("returns the sparse form strongest first and flags truncation", async () => {
    const { sae } = await load({ architecture: "standard", dIn: 6, dSae: 10, seed: 3 }, { sparseWidth: 2 });
    const x = randomArray(fixtureRandom(5), 4 * 6, 2);
    const encoding = await sae.encode(x);
    const sparse = Sae.sparseFeatures(encoding);
    for (let t = 0; t < 4; t++) {
      const dense = [...encoding.featureActs.subarray(t * 10, t * 10 + 10)];
      const expected = dense.map((v, i) => [v, i]).filter(([v]) => v > 0).sort((a, b) => b[0] - a[0]).slice(0, 2);
      expect(sparse[t].indices).toEqual(expected.map(([, i]) => i));
      expect(sparse[t].truncated).toBe(dense.filter((v) => v > 0).length > 2);
    }
    expect(sparse.some((s) => s.truncated)).toBe(true);
    await sae.dispose();
  });

  it("needs the encoding to decode a layer_norm SAE", async () => {
    const { sae } = await load({ architecture: "standard", dIn: 6, dSae: 10, normalizeActivations: "layer_norm" });
    expect(await errorCode(sae.decode(new Float32Array(10)))).toBe("SAE_DECODE_NEEDS_NORMALIZATION");
    expect(await errorCode(sae.encode(new Float32Array(7)))).toBe("SAE_INPUT_SHAPE_MISMATCH");
    await sae.dispose();
  });
});

describe("rescale_acts_by_decoder_norm, as SAELens reads it (topk only)", () => {
  // d_in 2, d_sae 2: W_enc = I, b_enc = 0, b_dec = 0, W_dec = [[2, 0], [0, 1]] (row norms 2 and 1); x = [3, 1]
  const weights = encodeSafetensors({
    W_enc: { dtype: "F32", shape: [2, 2], data: Float32Array.from([1, 0, 0, 1]) },
    b_enc: { dtype: "F32", shape: [2], data: Float32Array.from([0, 0]) },
    W_dec: { dtype: "F32", shape: [2, 2], data: Float32Array.from([2, 0, 0, 1]) },
    b_dec: { dtype: "F32", shape: [2], data: Float32Array.from([0, 0]) },
  });
  const config = (architecture: string, rescale: boolean) => ({
    architecture, d_in: 2, d_sae: 2, normalize_activations: "none", rescale_acts_by_decoder_norm: rescale,
    ...(architecture === "topk" ? { k: 1 } : {}), metadata: { hook_name: "blocks.0.hook_resid_post" },
  });
  const run = async (architecture: string, rescale: boolean) => {
    const sae = await loadSaeFromFiles({ config: config(architecture, rescale), weights }, CPU);
    const { encoding, reconstruction } = await sae.reconstruct(Float32Array.from([3, 1]));
    await sae.dispose();
    return { f: [...encoding.featureActs], xHat: [...reconstruction] };
  };

  it("leaves a standard SAE's activations exactly as without the flag", async () => {
    // StandardSAEConfig has no such field (SAELens from_dict drops it): f = ReLU(x·W_enc) = [3, 1], x̂ = [6, 1]
    const without = await run("standard", false);
    expect(without).toEqual({ f: [3, 1], xHat: [6, 1] });
    expect(await run("standard", true)).toEqual(without);
    expect(parseSaeConfig(config("standard", true))).toMatchObject({
      rescaleActsByDecoderNorm: false,
      ignoredOptions: [expect.stringContaining("rescale_acts_by_decoder_norm")],
    });
  });

  it("rescales a topk SAE's pre-activations by the decoder norms (TopKSAE.encode/decode)", async () => {
    // without: pre = [3, 1] → top-1 = [3, 0], x̂ = 3·[2, 0] = [6, 0]
    expect(await run("topk", false)).toEqual({ f: [3, 0], xHat: [6, 0] });
    // with: pre·‖W_dec‖ = [6, 1] → top-1 = [6, 0]; decode divides by the norm: (6/2)·[2, 0] = [6, 0]
    expect(await run("topk", true)).toEqual({ f: [6, 0], xHat: [6, 0] });
    expect(parseSaeConfig(config("topk", true))).toMatchObject({ rescaleActsByDecoderNorm: true, ignoredOptions: [] });
  });
});

describe("SAE config", () => {
  it("applies legacy defaults", () => {
    const config = parseSaeConfig({
      d_in: 768, d_sae: 24576, hook_point: "blocks.8.hook_resid_pre", hook_point_layer: 8,
      model_name: "gpt2-small", activation_fn_str: "topk", activation_fn_kwargs: { k: 32 },
      normalize_activations: true, norm_scaling_factor: 0.25,
    });
    expect(config).toMatchObject({
      format: "legacy", architecture: "topk", k: 32, applyBDecToInput: true, prependBos: true,
      normalizeActivations: "expected_average_only_in", normScalingFactor: 0.25,
      hookName: "blocks.8.hook_resid_pre", hookLayer: 8, modelName: "gpt2-small", ignoredOptions: [],
    });
    expect(parseSaeConfig({ d_in: 4, d_sae: 8 }).architecture).toBe("standard");
  });

  it("refuses expected_average_only_in without its scaling factor, saying where to find it", () => {
    for (const normalize_activations of [true, "expected_average_only_in"]) {
      expect(() => parseSaeConfig({ architecture: "standard", d_in: 4, d_sae: 8, normalize_activations }))
        .toThrow(expect.objectContaining({ code: "SAE_NORM_SCALING_FACTOR_MISSING", message: expect.stringContaining("pretrained_saes.yaml") }));
    }
    // a factor with no normalisation has no effect, and says so
    expect(parseSaeConfig({ architecture: "standard", d_in: 4, d_sae: 8, norm_scaling_factor: 3 })).toMatchObject({
      normalizeActivations: "none", normScalingFactor: 1, ignoredOptions: [expect.stringContaining("norm_scaling_factor")],
    });
  });

  it("refuses, by name, options that change the math and are not implemented", () => {
    const refused = (json: Record<string, unknown>, name: string) =>
      expect(() => parseSaeConfig({ architecture: "standard", d_in: 4, d_sae: 8, ...json }))
        .toThrow(expect.objectContaining({ code: "SAE_OPTION_UNSUPPORTED", message: expect.stringContaining(name) }));
    refused({ reshape_activations: "hook_z" }, "reshape_activations");
    refused({ metadata: { hook_name: "blocks.0.attn.hook_z", hook_head_index: 3 } }, "hook_head_index");
    refused({ hook_point: "blocks.0.attn.hook_q", hook_point_head_index: 0 }, "hook_head_index");
    // null is SAELens's "no head": accepted
    expect(parseSaeConfig({ architecture: "standard", d_in: 4, d_sae: 8, metadata: { hook_head_index: null } }).format).toBe("v6");
  });

  it("refuses a finetuning scaling_factor tensor that is not all ones, and drops one that is", async () => {
    const fixture = fixtureSae({ architecture: "standard", dIn: 4, dSae: 8 });
    const withFactor = (values: number[]) => encodeSafetensors({
      ...Object.fromEntries(Object.entries(fixture.tensors).map(([name, v]) => [
        name, { dtype: "F32" as const, shape: name === "W_enc" ? [4, 8] : name === "W_dec" ? [8, 4] : name === "b_dec" ? [4] : [8], data: v },
      ])),
      scaling_factor: { dtype: "F32", shape: [8], data: Float32Array.from(values) },
    });
    const config = { ...fixture.config, finetuning_scaling_factor: true };
    await expect(loadSaeFromFiles({ config, weights: withFactor([1, 1, 1, 2, 1, 1, 1, 1]) }, CPU)).rejects.toMatchObject({
      code: "SAE_OPTION_UNSUPPORTED", message: expect.stringContaining("scaling_factor[3] = 2"),
    });
    const sae = await loadSaeFromFiles({ config, weights: withFactor(new Array(8).fill(1)) }, CPU);
    await sae.dispose();
  });

  it("reads v6 metadata (and the 'meta' spelling)", () => {
    const config = parseSaeConfig({
      architecture: "jumprelu", d_in: 4, d_sae: 8, apply_b_dec_to_input: false, normalize_activations: "none",
      meta: { hook_name: "blocks.1.hook_resid_post", prepend_bos: false, neuronpedia_id: "x/y" },
    });
    expect(config).toMatchObject({ format: "v6", hookName: "blocks.1.hook_resid_post", prependBos: false, neuronpediaId: "x/y", applyBDecToInput: false });
  });

  it("rejects unknown architectures, normalisations and bad widths with specific codes", () => {
    const code = (json: unknown) => {
      try {
        parseSaeConfig(json);
        return "no error";
      } catch (error) {
        return (error as SaeError).code;
      }
    };
    expect(code({ architecture: "matryoshka", d_in: 4, d_sae: 8 })).toBe("SAE_ARCHITECTURE_UNKNOWN");
    expect(code({ activation_fn_str: "gelu", d_in: 4, d_sae: 8 })).toBe("SAE_ARCHITECTURE_UNKNOWN");
    expect(code({ architecture: "standard", d_in: 4, d_sae: 8, normalize_activations: "rms" })).toBe("SAE_NORMALIZATION_UNKNOWN");
    expect(code({ architecture: "standard", d_in: 0, d_sae: 8 })).toBe("SAE_CONFIG_INVALID");
    expect(code({ architecture: "topk", d_in: 4, d_sae: 8 })).toBe("SAE_CONFIG_INVALID");
    expect(code({ architecture: "topk", d_in: 4, d_sae: 8, k: 9 })).toBe("SAE_CONFIG_INVALID");
    expect(code([1])).toBe("SAE_CONFIG_MALFORMED");
  });
});

describe("SAE loading errors", () => {
  const base = fixtureSae({ architecture: "jumprelu", dIn: 4, dSae: 8 });

  it("rejects a width that does not match the model's hook", async () => {
    const promise = loadSaeFromFiles({ config: base.config, weights: base.weightsBytes }, { ...CPU, hookWidth: 5 });
    await expect(promise).rejects.toThrow(/d_in is 4 but the model's hook blocks.0.hook_resid_post has width 5/);
    expect(await errorCode(loadSaeFromFiles({ config: base.config, weights: base.weightsBytes }, { ...CPU, hookWidth: 5 })))
      .toBe("SAE_HOOK_WIDTH_MISMATCH");
  });

  it("rejects truncated and malformed weight files", async () => {
    const truncated = loadSaeFromFiles({ config: base.config, weights: base.weightsBytes.subarray(0, base.weightsBytes.length - 10) }, CPU);
    await expect(truncated).rejects.toMatchObject({ code: "SAE_WEIGHTS_MALFORMED", detailCode: "SAFETENSORS_TRUNCATED" });
    const garbage = loadSaeFromFiles({ config: base.config, weights: new TextEncoder().encode("not a safetensors file") }, CPU);
    await expect(garbage).rejects.toMatchObject({ code: "SAE_WEIGHTS_MALFORMED" });
    expect(await errorCode(loadSaeFromFiles({ config: "{not json", weights: base.weightsBytes }, CPU))).toBe("SAE_CONFIG_MALFORMED");
  });

  it("rejects missing tensors and wrong shapes", async () => {
    const { threshold: _unused, ...rest } = base.tensors;
    void _unused;
    const missing = encodeSafetensors(Object.fromEntries(Object.entries(rest).map(([name, v]) => [
      name, { dtype: "F32" as const, shape: name === "W_enc" ? [4, 8] : name === "W_dec" ? [8, 4] : name === "b_dec" ? [4] : [8], data: v },
    ])));
    await expect(loadSaeFromFiles({ config: base.config, weights: missing }, CPU)).rejects.toMatchObject({
      code: "SAE_TENSOR_MISSING", message: expect.stringContaining('needs tensor "threshold"'),
    });
    const transposed = encodeSafetensors({
      W_enc: { dtype: "F32", shape: [8, 4], data: base.tensors.W_enc },
      b_enc: { dtype: "F32", shape: [8], data: base.tensors.b_enc },
      W_dec: { dtype: "F32", shape: [8, 4], data: base.tensors.W_dec },
      b_dec: { dtype: "F32", shape: [4], data: base.tensors.b_dec },
      threshold: { dtype: "F32", shape: [8], data: base.tensors.threshold },
    });
    await expect(loadSaeFromFiles({ config: base.config, weights: transposed }, CPU)).rejects.toMatchObject({
      code: "SAE_TENSOR_SHAPE_MISMATCH", message: expect.stringContaining("W_enc has shape [8, 4]"),
    });
  });

  it("rejects NaN and infinite weights, naming the tensor and position", async () => {
    const wDec = base.tensors.W_dec.slice();
    wDec[4 * 2 + 1] = NaN;
    const bad = encodeSafetensors({
      W_enc: { dtype: "F32", shape: [4, 8], data: base.tensors.W_enc },
      b_enc: { dtype: "F32", shape: [8], data: base.tensors.b_enc },
      W_dec: { dtype: "F32", shape: [8, 4], data: wDec },
      b_dec: { dtype: "F16", shape: [4], data: encodeFloats([0, Infinity, 0, 0], "F16") },
      threshold: { dtype: "F32", shape: [8], data: base.tensors.threshold },
    });
    await expect(loadSaeFromFiles({ config: base.config, weights: bad }, CPU)).rejects.toMatchObject({
      code: "SAE_WEIGHTS_NOT_FINITE", message: expect.stringContaining("W_dec has 1 non-finite value (first at [2, 1] = NaN)"),
    });
  });

  it("reports missing folders and files", async () => {
    expect(await errorCode(loadSae("/nonexistent/sae"))).toBe("SAE_FOLDER_MISSING");
    expect(await errorCode(loadSae("/tmp"))).toBe("SAE_CONFIG_MISSING");
  });
});
