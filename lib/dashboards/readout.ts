/**
 * Weight-only parts of a dashboard, computed in ONNX Runtime in chunks of features: logit effects
 * (decoder direction through W_U — and through W_out first for MLP-hidden SAEs — with no final
 * LayerNorm) and nearest neighbours by decoder cosine similarity.
 */
import * as ort from "onnxruntime-node";
import { createSession } from "@/lib/model/execution-provider";
import { OnnxGraphBuilder } from "@/lib/model/onnx-graph";

export interface ReadoutMatrices {
  /** [dModel, dVocab]. */
  W_U: Float32Array;
  dModel: number;
  dVocab: number;
  /** [dMlp, dModel], for SAEs on an MLP's hidden activations. */
  W_out?: Float32Array;
  dMlp?: number;
}

export interface LogitEffects {
  k: number;
  bins: number;
  /** [dSae, k] each: largest and smallest entries of d_i·W_U, in order. */
  topTokenIds: Int32Array;
  topValues: Float32Array;
  bottomTokenIds: Int32Array;
  bottomValues: Float32Array;
  /** [dSae] range and [dSae, bins] counts of the whole vocabulary vector. */
  histogramMin: Float32Array;
  histogramMax: Float32Array;
  histogramCounts: Int32Array;
}

export interface DecoderNeighbours {
  k: number;
  /** [dSae, k]: nearest other features by decoder cosine, most similar first. */
  indices: Int32Array;
  cosines: Float32Array;
}

const CHUNK = 256;

function toInt32(values: BigInt64Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

/** Logit effects of every decoder row. `decoder` is W_dec [dSae, dIn] (dIn = dModel, or dMlp with W_out). */
export async function computeLogitEffects(
  decoder: Float32Array,
  dSae: number,
  readout: ReadoutMatrices,
  options: { k?: number; bins?: number; intraOpNumThreads?: number } = {},
): Promise<LogitEffects> {
  const dIn = decoder.length / dSae;
  const { dModel, dVocab } = readout;
  const k = Math.min(options.k ?? 10, dVocab);
  const bins = options.bins ?? 50;
  if (readout.W_out ? dIn !== readout.dMlp : dIn !== dModel) {
    throw new Error(`decoder width ${dIn} does not match the readout (${readout.W_out ? `d_mlp ${readout.dMlp}` : `d_model ${dModel}`})`);
  }

  const g = new OnnxGraphBuilder("logit_effects");
  const dirs = g.input("dirs", "float32", ["N", dIn]);
  let residual = dirs;
  if (readout.W_out) residual = g.op("MatMul", [dirs, g.initializer("W_out", readout.W_out, [dIn, dModel])]);
  const logits = g.op("MatMul", [residual, g.initializer("W_U", readout.W_U, [dModel, dVocab])]);
  const kTensor = g.constInt64([k]);
  const [topValues, topIndices] = g.ops("TopK", [logits, kTensor], 2, { axis: -1, largest: 1, sorted: 1 });
  const [bottomValues, bottomIndices] = g.ops("TopK", [logits, kTensor], 2, { axis: -1, largest: 0, sorted: 1 });
  g.output(logits, "logits", "float32", ["N", dVocab]);
  g.output(topValues, "top_values", "float32", ["N", k]);
  g.output(topIndices, "top_indices", "int64", ["N", k]);
  g.output(bottomValues, "bottom_values", "float32", ["N", k]);
  g.output(bottomIndices, "bottom_indices", "int64", ["N", k]);
  g.output(g.op("ReduceMin", [logits], { axes: [-1], keepdims: 0 }), "min", "float32", ["N"]);
  g.output(g.op("ReduceMax", [logits], { axes: [-1], keepdims: 0 }), "max", "float32", ["N"]);
  const { session } = await createSession(g.toModelBytes(), { intraOpNumThreads: options.intraOpNumThreads });

  const result: LogitEffects = {
    k, bins,
    topTokenIds: new Int32Array(dSae * k), topValues: new Float32Array(dSae * k),
    bottomTokenIds: new Int32Array(dSae * k), bottomValues: new Float32Array(dSae * k),
    histogramMin: new Float32Array(dSae), histogramMax: new Float32Array(dSae),
    histogramCounts: new Int32Array(dSae * bins),
  };
  try {
    for (let start = 0; start < dSae; start += CHUNK) {
      const n = Math.min(CHUNK, dSae - start);
      const out = await session.run({
        dirs: new ort.Tensor("float32", decoder.subarray(start * dIn, (start + n) * dIn), [n, dIn]),
      });
      result.topValues.set(out.top_values.data as Float32Array, start * k);
      result.topTokenIds.set(toInt32(out.top_indices.data as BigInt64Array), start * k);
      result.bottomValues.set(out.bottom_values.data as Float32Array, start * k);
      result.bottomTokenIds.set(toInt32(out.bottom_indices.data as BigInt64Array), start * k);
      const mins = out.min.data as Float32Array;
      const maxs = out.max.data as Float32Array;
      result.histogramMin.set(mins, start);
      result.histogramMax.set(maxs, start);
      // binning is one pass of increments per value (no arithmetic over the matrix worth a graph)
      const values = out.logits.data as Float32Array;
      for (let r = 0; r < n; r++) {
        const lo = mins[r];
        const width = maxs[r] - lo;
        const counts = result.histogramCounts.subarray((start + r) * bins, (start + r + 1) * bins);
        const row = values.subarray(r * dVocab, (r + 1) * dVocab);
        if (!(width > 0)) {
          counts[bins - 1] += dVocab;
          continue;
        }
        const scale = bins / width;
        for (let v = 0; v < dVocab; v++) {
          const bin = Math.floor((row[v] - lo) * scale);
          counts[bin >= bins ? bins - 1 : bin < 0 ? 0 : bin] += 1;
        }
      }
    }
  } finally {
    await session.release();
  }
  return result;
}

/** The k nearest other features of every feature by cosine similarity of decoder rows. */
export async function computeDecoderNeighbours(
  decoder: Float32Array,
  dSae: number,
  options: { k?: number; intraOpNumThreads?: number } = {},
): Promise<DecoderNeighbours> {
  const dIn = decoder.length / dSae;
  const k = Math.max(0, Math.min(options.k ?? 10, dSae - 1));
  const result: DecoderNeighbours = { k, indices: new Int32Array(dSae * k), cosines: new Float32Array(dSae * k) };
  if (k === 0) return result;
  const take = k + 1; // self is (almost always) its own nearest; drop it below

  const g = new OnnxGraphBuilder("decoder_neighbours");
  const normalize = (x: string) => g.op("Div", [x, g.op("Max", [g.op("ReduceL2", [x], { axes: [-1], keepdims: 1 }), g.constFloat([1e-12], [])])]);
  const rows = g.input("rows", "float32", ["N", dIn]);
  const all = normalize(g.initializer("W_dec", decoder, [dSae, dIn]));
  const cosines = g.op("MatMul", [normalize(rows), g.op("Transpose", [all], { perm: [1, 0] })]);
  const [values, indices] = g.ops("TopK", [cosines, g.constInt64([take])], 2, { axis: -1, largest: 1, sorted: 1 });
  g.output(values, "values", "float32", ["N", take]);
  g.output(indices, "indices", "int64", ["N", take]);
  const { session } = await createSession(g.toModelBytes(), { intraOpNumThreads: options.intraOpNumThreads });
  try {
    for (let start = 0; start < dSae; start += CHUNK) {
      const n = Math.min(CHUNK, dSae - start);
      const out = await session.run({ rows: new ort.Tensor("float32", decoder.subarray(start * dIn, (start + n) * dIn), [n, dIn]) });
      const values = out.values.data as Float32Array;
      const idx = out.indices.data as BigInt64Array;
      for (let r = 0; r < n; r++) {
        const self = start + r;
        let written = 0;
        for (let j = 0; j < take && written < k; j++) {
          const other = Number(idx[r * take + j]);
          if (other === self) continue;
          result.indices[self * k + written] = other;
          result.cosines[self * k + written] = values[r * take + j];
          written += 1;
        }
      }
    }
  } finally {
    await session.release();
  }
  return result;
}
