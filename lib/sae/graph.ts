// Builds the ONNX graphs that encode and decode with one SAE (INTERP.md §3), its weights held as
// initializers, so encode/decode run inside ONNX Runtime.
import { OnnxGraphBuilder } from "@/lib/model/onnx-graph";
import type { SaeConfig } from "./config";

/** float32 weights after load-time folding; shapes as SAELens stores them. */
export interface SaeWeights {
  W_enc: Float32Array; // [dIn, dSae]
  W_dec: Float32Array; // [dSae, dIn]
  b_dec: Float32Array; // [dIn]
  b_enc?: Float32Array; // [dSae] (standard, topk, jumprelu)
  threshold?: Float32Array; // [dSae] (jumprelu)
  b_gate?: Float32Array; // [dSae] (gated)
  b_mag?: Float32Array; // [dSae] (gated)
  r_mag?: Float32Array; // [dSae] (gated)
}

/** Normalisations whose undo depends on the token being decoded (statistics of the input). */
export function hasPerTokenNormalization(config: SaeConfig): boolean {
  return config.normalizeActivations === "layer_norm" || config.normalizeActivations === "constant_norm_rescale";
}

/** The constant output scale for expected_average_only_in (1 when the factor is 1 or no normalisation). */
export function constantOutputScale(config: SaeConfig): number {
  return config.normalizeActivations === "expected_average_only_in" ? 1 / config.normScalingFactor : 1;
}

/** SAELens's layer_norm normalisation divides by (std + 1e-5), std with Bessel's correction. */
export const LAYER_NORM_EPS = 1e-5;

/**
 * Encode graph. Input `x` [N, dIn]. Outputs `feature_acts` [N, dSae], `top_values`/`top_indices`
 * [N, sparseWidth] (the largest activations, for the sparse form), `l0` [N] (active count), and for
 * per-token normalisations `out_scale`, `out_shift` [N, 1] that decode needs to undo them.
 */
export function buildEncodeGraph(config: SaeConfig, weights: SaeWeights, sparseWidth: number): Uint8Array {
  const { dIn, dSae } = config;
  const g = new OnnxGraphBuilder(`sae_encode_${config.architecture}`);
  const x = g.input("x", "float32", ["N", dIn]);

  let normalized = x;
  if (config.normalizeActivations === "expected_average_only_in" && config.normScalingFactor !== 1) {
    normalized = g.op("Mul", [x, g.constFloat([config.normScalingFactor], [])]);
  } else if (config.normalizeActivations === "constant_norm_rescale") {
    const norm = g.op("Sqrt", [g.op("ReduceSumSquare", [x], { axes: [-1], keepdims: 1 })]);
    const outScale = g.op("Div", [norm, g.constFloat([Math.sqrt(dIn)], [])]);
    normalized = g.op("Div", [x, outScale]);
    g.output(outScale, "out_scale", "float32", ["N", 1]);
    g.output(g.op("Mul", [outScale, g.constFloat([0], [])]), "out_shift", "float32", ["N", 1]);
  } else if (config.normalizeActivations === "layer_norm") {
    const mean = g.op("ReduceMean", [x], { axes: [-1], keepdims: 1 });
    const centred = g.op("Sub", [x, mean]);
    const sumSquares = g.op("ReduceSumSquare", [centred], { axes: [-1], keepdims: 1 });
    const std = g.op("Sqrt", [g.op("Div", [sumSquares, g.constFloat([Math.max(dIn - 1, 1)], [])])]);
    normalized = g.op("Div", [centred, g.op("Add", [std, g.constFloat([LAYER_NORM_EPS], [])])]);
    g.output(std, "out_scale", "float32", ["N", 1]);
    g.output(mean, "out_shift", "float32", ["N", 1]);
  }

  const bDec = g.initializer("b_dec", weights.b_dec, [dIn]);
  const saeIn = config.applyBDecToInput ? g.op("Sub", [normalized, bDec]) : normalized;
  const wEnc = g.initializer("W_enc", weights.W_enc, [dIn, dSae]);
  const zero = g.constFloat([0], []);

  let featureActs: string;
  switch (config.architecture) {
    case "standard": {
      const pre = g.op("Add", [g.op("MatMul", [saeIn, wEnc]), g.initializer("b_enc", weights.b_enc!, [dSae])]);
      featureActs = g.op("Relu", [pre]);
      break;
    }
    case "jumprelu": {
      const pre = g.op("Add", [g.op("MatMul", [saeIn, wEnc]), g.initializer("b_enc", weights.b_enc!, [dSae])]);
      const threshold = g.initializer("threshold", weights.threshold!, [dSae]);
      // SAELens: ReLU(pre) · 1[pre > threshold] (strict), which is pre · 1[pre > threshold] for thresholds ≥ 0
      featureActs = g.op("Where", [g.op("Greater", [pre, threshold]), g.op("Relu", [pre]), zero]);
      break;
    }
    case "topk": {
      const pre = g.op("Add", [g.op("MatMul", [saeIn, wEnc]), g.initializer("b_enc", weights.b_enc!, [dSae])]);
      const [values, indices] = g.ops("TopK", [pre, g.constInt64([config.k!])], 2, { axis: -1, largest: 1, sorted: 1 });
      const zeros = g.op("ConstantOfShape", [g.op("Shape", [pre])], {
        value: { tensor: { data: new Float32Array([0]), dims: [1] } },
      });
      featureActs = g.op("ScatterElements", [zeros, indices, g.op("Relu", [values])], { axis: -1 });
      break;
    }
    case "gated": {
      const gatePre = g.op("Add", [g.op("MatMul", [saeIn, wEnc]), g.initializer("b_gate", weights.b_gate!, [dSae])]);
      // W_enc ⊙ exp(r_mag) is constant: ORT folds it once when the session is created
      const wMag = g.op("Mul", [wEnc, g.op("Exp", [g.initializer("r_mag", weights.r_mag!, [dSae])])]);
      const magnitude = g.op("Relu", [
        g.op("Add", [g.op("MatMul", [saeIn, wMag]), g.initializer("b_mag", weights.b_mag!, [dSae])]),
      ]);
      featureActs = g.op("Where", [g.op("Greater", [gatePre, zero]), magnitude, zero]);
      break;
    }
  }
  g.output(featureActs, "feature_acts", "float32", ["N", dSae]);

  const [topValues, topIndices] = g.ops("TopK", [featureActs, g.constInt64([sparseWidth])], 2, {
    axis: -1, largest: 1, sorted: 1,
  });
  g.output(topValues, "top_values", "float32", ["N", sparseWidth]);
  g.output(topIndices, "top_indices", "int64", ["N", sparseWidth]);
  const active = g.op("Cast", [g.op("Greater", [featureActs, zero])], { to: 1 });
  g.output(g.op("ReduceSum", [active, g.constInt64([-1])], { keepdims: 0 }), "l0", "float32", ["N"]);
  return g.toModelBytes();
}

/**
 * Decode graph. Input `feature_acts` [N, dSae] (+ `out_scale`, `out_shift` [N, 1] for per-token
 * normalisations). Output `sae_out` [N, dIn] = norm_out(f · W_dec + b_dec).
 */
export function buildDecodeGraph(config: SaeConfig, weights: SaeWeights): Uint8Array {
  const { dIn, dSae } = config;
  const g = new OnnxGraphBuilder(`sae_decode_${config.architecture}`);
  const f = g.input("feature_acts", "float32", ["N", dSae]);
  const wDec = g.initializer("W_dec", weights.W_dec, [dSae, dIn]);
  let out = g.op("Add", [g.op("MatMul", [f, wDec]), g.initializer("b_dec", weights.b_dec, [dIn])]);
  const scale = constantOutputScale(config);
  if (scale !== 1) out = g.op("Mul", [out, g.constFloat([scale], [])]);
  if (hasPerTokenNormalization(config)) {
    const outScale = g.input("out_scale", "float32", ["N", 1]);
    const outShift = g.input("out_shift", "float32", ["N", 1]);
    out = g.op("Add", [g.op("Mul", [out, outScale]), outShift]);
  }
  g.output(out, "sae_out", "float32", ["N", dIn]);
  return g.toModelBytes();
}
