// Logit effects of SAE features (INTERP.md §4): d_i·W_U for residual-stream SAEs and d_i·W_out·W_U
// for MLP-hidden SAEs, for all features in ONNX Runtime, with each feature's top and bottom tokens.
import type { Sae } from "@/lib/sae/sae";
import { createSession } from "./execution-provider";
import { ModelPackageError } from "./manifest";
import type { ModelSession } from "./model";
import { OnnxGraphBuilder } from "./onnx-graph";
import * as ort from "onnxruntime-node";

export interface LogitEffectsOptions {
  /** Tokens kept at each end per feature (default 10). */
  topK?: number;
  /** Features per ORT run (default 512). */
  chunkSize?: number;
  /** Bins of the per-feature histogram over the whole vocabulary vector (default 0: none). */
  histogramBins?: number;
  /** Hook the SAE reads (default its cfg.json hook_name). */
  hookName?: string;
}

export interface LogitEffects {
  dSae: number;
  topK: number;
  /** [dSae, topK]: largest d_i·W_U entries, descending, and their token ids. */
  topValues: Float32Array;
  topTokens: Int32Array;
  /** [dSae, topK]: smallest entries, ascending. */
  bottomValues: Float32Array;
  bottomTokens: Int32Array;
  /** With histogramBins: [dSae, bins] counts over [min_i, max_i] of each feature's vector. */
  histogram?: { bins: number; counts: Uint32Array; min: Float32Array; max: Float32Array };
}

/** Which readout path a hook needs: null for residual hooks, the layer for MLP-hidden hooks. */
export function readoutLayer(hookName: string): number | null {
  const mlp = /^blocks\.(\d+)\.mlp\.hook_post$/.exec(hookName);
  if (mlp) return Number(mlp[1]);
  if (/^blocks\.\d+\.hook_resid_(pre|mid|post)$/.test(hookName)) return null;
  throw new ModelPackageError("MODEL_HOOK_UNKNOWN", `logit effects are defined for residual and MLP-hidden hooks, not "${hookName}"`);
}

export async function logitEffects(model: ModelSession, sae: Sae, options: LogitEffectsOptions = {}): Promise<LogitEffects> {
  const hookName = options.hookName ?? sae.hookName;
  if (!hookName) throw new Error("the SAE's cfg.json names no hook; pass hookName");
  const width = model.hookWidth(hookName);
  if (width !== sae.dIn) throw new RangeError(`SAE d_in ${sae.dIn} ≠ width ${width} of ${hookName}`);
  const layer = readoutLayer(hookName);
  const readout = await model.readoutWeights();
  const { dModel, dVocab, dMlp } = model.manifest;
  const topK = Math.min(options.topK ?? 10, dVocab);

  const g = new OnnxGraphBuilder("logit_effects");
  const directions = g.input("directions", "float32", ["N", sae.dIn]);
  let resid = directions;
  if (layer !== null) {
    const name = `blocks.${layer}.W_out`;
    const shape = readout.info(name).shape;
    if (shape[0] !== dMlp || shape[1] !== dModel) throw new RangeError(`${name} has shape [${shape}], expected [${dMlp}, ${dModel}]`);
    resid = g.op("MatMul", [directions, g.initializer("W_out", readout.toFloat32(name), [dMlp, dModel])]);
  }
  const shapeU = readout.info("W_U").shape;
  if (shapeU[0] !== dModel || shapeU[1] !== dVocab) throw new RangeError(`W_U has shape [${shapeU}], expected [${dModel}, ${dVocab}]`);
  const effects = g.op("MatMul", [resid, g.initializer("W_U", readout.toFloat32("W_U"), [dModel, dVocab])]);
  const k = g.constInt64([topK]);
  const [topValues, topIndices] = g.ops("TopK", [effects, k], 2, { axis: -1, largest: 1, sorted: 1 });
  const [bottomValues, bottomIndices] = g.ops("TopK", [effects, k], 2, { axis: -1, largest: 0, sorted: 1 });
  g.output(topValues, "top_values", "float32", ["N", topK]);
  g.output(topIndices, "top_indices", "int64", ["N", topK]);
  g.output(bottomValues, "bottom_values", "float32", ["N", topK]);
  g.output(bottomIndices, "bottom_indices", "int64", ["N", topK]);
  const bins = options.histogramBins ?? 0;
  if (bins > 0) g.output(effects, "effects", "float32", ["N", dVocab]);
  const { session } = await createSession(g.toModelBytes(), { executionProviders: [model.executionProvider] });

  const dSae = sae.dSae;
  const result: LogitEffects = {
    dSae, topK,
    topValues: new Float32Array(dSae * topK), topTokens: new Int32Array(dSae * topK),
    bottomValues: new Float32Array(dSae * topK), bottomTokens: new Int32Array(dSae * topK),
  };
  if (bins > 0) {
    result.histogram = { bins, counts: new Uint32Array(dSae * bins), min: new Float32Array(dSae), max: new Float32Array(dSae) };
  }
  const decoder = sae.decoderMatrix();
  const chunk = options.chunkSize ?? 512;
  try {
    for (let start = 0; start < dSae; start += chunk) {
      const n = Math.min(chunk, dSae - start);
      const out = await session.run({
        directions: new ort.Tensor("float32", decoder.subarray(start * sae.dIn, (start + n) * sae.dIn), [n, sae.dIn]),
      });
      result.topValues.set(out.top_values.data as Float32Array, start * topK);
      result.bottomValues.set(out.bottom_values.data as Float32Array, start * topK);
      const top = out.top_indices.data as BigInt64Array;
      const bottom = out.bottom_indices.data as BigInt64Array;
      for (let i = 0; i < n * topK; i++) {
        result.topTokens[start * topK + i] = Number(top[i]);
        result.bottomTokens[start * topK + i] = Number(bottom[i]);
      }
      if (result.histogram) {
        const values = out.effects.data as Float32Array;
        const { counts, min, max } = result.histogram;
        for (let r = 0; r < n; r++) {
          const feature = start + r;
          const lo = result.bottomValues[feature * topK];
          const hi = result.topValues[feature * topK];
          min[feature] = lo;
          max[feature] = hi;
          const span = hi - lo || 1;
          for (let v = 0; v < dVocab; v++) {
            const bin = Math.min(bins - 1, Math.floor(((values[r * dVocab + v] - lo) / span) * bins));
            counts[feature * bins + bin] += 1;
          }
        }
      }
    }
  } finally {
    await session.release();
  }
  return result;
}
