/**
 * Each feature's nearest neighbours by decoder cosine similarity (feature splitting, duplicates),
 * computed in ONNX Runtime in chunks of features. (Logit effects come from the runtime:
 * lib/model/logit-effects.ts.)
 */
import * as ort from "onnxruntime-node";
import { createSession } from "@/lib/model/execution-provider";
import { OnnxGraphBuilder } from "@/lib/model/onnx-graph";

export interface DecoderNeighbours {
  k: number;
  /** [dSae, k]: nearest other features by decoder cosine, most similar first. */
  indices: Int32Array;
  cosines: Float32Array;
}

const CHUNK = 256;

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
