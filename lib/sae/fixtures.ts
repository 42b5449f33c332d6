// Builds small SAELens-format SAEs in memory (random weights, any architecture/dtype) and a plain
// JavaScript reference encoder, for tests of the loader and of everything that uses SAEs.
import { encodeFloats, encodeSafetensors, type SafetensorsTensorInput } from "@/lib/safetensors/safetensors";
import type { SaeArchitecture, SaeNormalization } from "./config";
import { mulberry32 } from "@/lib/random/mulberry32";

/** Deterministic PRNG for fixtures (mulberry32). */
export const fixtureRandom = mulberry32;

export function randomArray(random: () => number, length: number, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => (random() * 2 - 1) * scale);
}

export interface FixtureSaeOptions {
  architecture: SaeArchitecture;
  dIn: number;
  dSae: number;
  k?: number;
  seed?: number;
  dtype?: "F32" | "F16" | "BF16";
  applyBDecToInput?: boolean;
  normalizeActivations?: SaeNormalization;
  normScalingFactor?: number;
  rescaleActsByDecoderNorm?: boolean;
  hookName?: string;
  legacy?: boolean;
}

export interface FixtureSae {
  config: Record<string, unknown>;
  tensors: Record<string, Float32Array>;
  weightsBytes: Uint8Array;
  sparsityBytes: Uint8Array;
}

export function fixtureSae(options: FixtureSaeOptions): FixtureSae {
  const { architecture, dIn, dSae } = options;
  const random = fixtureRandom(options.seed ?? 1);
  const tensors: Record<string, Float32Array> = {
    W_enc: randomArray(random, dIn * dSae, 0.8),
    W_dec: randomArray(random, dSae * dIn, 0.5),
    b_dec: randomArray(random, dIn, 0.2),
  };
  if (architecture === "gated") {
    tensors.b_gate = randomArray(random, dSae, 0.3);
    tensors.b_mag = randomArray(random, dSae, 0.3);
    tensors.r_mag = randomArray(random, dSae, 0.3);
  } else {
    tensors.b_enc = randomArray(random, dSae, 0.3);
  }
  if (architecture === "jumprelu") tensors.threshold = Float32Array.from({ length: dSae }, () => random() * 0.4);
  const dtype = options.dtype ?? "F32";
  if (dtype !== "F32") {
    // round-trip through the narrow type so the reference sees exactly what the loader reads
    for (const [name, values] of Object.entries(tensors)) {
      const bytes = encodeFloats(values, dtype);
      const widened = new Float32Array(values.length);
      const halves = new Uint16Array(bytes.buffer);
      for (let i = 0; i < values.length; i++) {
        if (dtype === "BF16") widened[i] = new Float32Array(new Uint32Array([halves[i] << 16]).buffer)[0];
        else widened[i] = decodeHalf(halves[i]);
      }
      tensors[name] = widened;
    }
  }
  const entries: Record<string, SafetensorsTensorInput> = {};
  for (const [name, values] of Object.entries(tensors)) {
    const shape = name === "W_enc" ? [dIn, dSae] : name === "W_dec" ? [dSae, dIn] : name === "b_dec" ? [dIn] : [dSae];
    entries[name] = { dtype, shape, data: encodeFloats(values, dtype) };
  }
  const hookName = options.hookName ?? "blocks.0.hook_resid_post";
  const normalize = options.normalizeActivations ?? "none";
  const config: Record<string, unknown> = options.legacy
    ? {
        d_in: dIn, d_sae: dSae, hook_point: hookName, hook_point_layer: 0, model_name: "fixture",
        context_size: 16, activation_fn_str: architecture === "topk" ? "topk" : "relu",
        activation_fn_kwargs: architecture === "topk" ? { k: options.k } : {},
        normalize_activations: normalize !== "none", dtype: "float32",
        ...(options.applyBDecToInput === undefined ? {} : { apply_b_dec_to_input: options.applyBDecToInput }),
        ...(options.normScalingFactor ? { norm_scaling_factor: options.normScalingFactor } : {}),
      }
    : {
        architecture, d_in: dIn, d_sae: dSae, dtype: dtype === "F32" ? "float32" : dtype === "F16" ? "float16" : "bfloat16",
        device: "cpu", apply_b_dec_to_input: options.applyBDecToInput ?? true, normalize_activations: normalize,
        reshape_activations: "none", ...(architecture === "topk" ? { k: options.k } : {}),
        ...(options.rescaleActsByDecoderNorm ? { rescale_acts_by_decoder_norm: true } : {}),
        ...(options.normScalingFactor ? { norm_scaling_factor: options.normScalingFactor } : {}),
        metadata: { model_name: "fixture", hook_name: hookName, context_size: 16, prepend_bos: true },
      };
  const sparsity = Float32Array.from({ length: dSae }, (_, i) => -1 - (i % 5));
  return {
    config,
    tensors,
    weightsBytes: encodeSafetensors(entries),
    sparsityBytes: encodeSafetensors({ sparsity: { dtype: "F32", shape: [dSae], data: sparsity } }),
  };
}

function decodeHalf(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export interface ReferenceSaeSpec {
  architecture: SaeArchitecture;
  dIn: number;
  dSae: number;
  k?: number;
  applyBDecToInput: boolean;
  normalizeActivations: SaeNormalization;
  normScalingFactor: number;
  rescaleActsByDecoderNorm: boolean;
}

/**
 * Plain-JS SAELens encode/decode of ONE token, in float64, for checking the ORT graphs. Written from
 * SAELens 6.x sae_lens/saes/: sae.py (SAE.process_sae_in, _setup_activation_normalization),
 * standard_sae.py, topk_sae.py (TopKSAE.encode/decode, the only place rescale_acts_by_decoder_norm
 * is read), jumprelu_sae.py, gated_sae.py; expected_average_only_in as
 * SAE.fold_activation_norm_scaling_factor's folded SAE computes it.
 */
export function referenceEncodeDecode(
  spec: ReferenceSaeSpec,
  t: Record<string, Float32Array>,
  x: ArrayLike<number>,
): { f: number[]; xHat: number[] } {
  const { dIn, dSae } = spec;
  let xn = Array.from(x);
  let undo = (y: number[]) => y;
  if (spec.normalizeActivations === "expected_average_only_in") {
    const c = spec.normScalingFactor;
    xn = xn.map((v) => v * c);
    undo = (y) => y.map((v) => v / c);
  } else if (spec.normalizeActivations === "constant_norm_rescale") {
    const coeff = Math.sqrt(dIn) / Math.hypot(...xn);
    xn = xn.map((v) => v * coeff);
    undo = (y) => y.map((v) => v / coeff);
  } else if (spec.normalizeActivations === "layer_norm") {
    const mu = xn.reduce((a, b) => a + b, 0) / dIn;
    const std = Math.sqrt(xn.reduce((a, v) => a + (v - mu) ** 2, 0) / (dIn - 1));
    xn = xn.map((v) => (v - mu) / (std + 1e-5));
    undo = (y) => y.map((v) => v * std + mu);
  }
  const saeIn = xn.map((v, j) => v - (spec.applyBDecToInput ? t.b_dec[j] : 0));
  // only TopKSAEConfig has rescale_acts_by_decoder_norm; the other configs drop the field
  const rescale = spec.rescaleActsByDecoderNorm && spec.architecture === "topk";
  const decNorm = Array.from({ length: dSae }, (_, i) =>
    rescale ? Math.hypot(...t.W_dec.subarray(i * dIn, (i + 1) * dIn)) : 1);
  const project = (weight: (r: number, i: number) => number, bias: Float32Array) =>
    Array.from({ length: dSae }, (_, i) => {
      let sum = bias[i];
      for (let r = 0; r < dIn; r++) sum += saeIn[r] * weight(r, i);
      return sum;
    });
  let f: number[];
  if (spec.architecture === "gated") {
    const gate = project((r, i) => t.W_enc[r * dSae + i], t.b_gate);
    const mag = project((r, i) => t.W_enc[r * dSae + i] * Math.exp(t.r_mag[i]), t.b_mag);
    f = gate.map((g, i) => (g > 0 ? Math.max(mag[i] * decNorm[i], 0) : 0));
  } else {
    const pre = project((r, i) => t.W_enc[r * dSae + i], t.b_enc).map((v, i) => v * decNorm[i]);
    if (spec.architecture === "standard") f = pre.map((v) => Math.max(v, 0));
    else if (spec.architecture === "jumprelu") {
      f = pre.map((v, i) => (v > t.threshold[i] * decNorm[i] ? Math.max(v, 0) : 0));
    } else {
      const order = pre.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      f = new Array(dSae).fill(0);
      for (const [v, i] of order.slice(0, spec.k)) f[i] = Math.max(v, 0);
    }
  }
  const y = Array.from({ length: dIn }, (_, j) => {
    let sum = t.b_dec[j];
    for (let i = 0; i < dSae; i++) sum += (f[i] / decNorm[i]) * t.W_dec[i * dIn + j];
    return sum;
  });
  return { f, xHat: undo(y) };
}
