// A loaded SAE: encode hook activations to feature activations and decode them back, both in ONNX
// Runtime (one encode and one decode session per SAE), plus the decoder directions steering needs.
import * as ort from "onnxruntime-node";
import type { ExecutionProviderName } from "@/lib/model/execution-provider";
import type { SaeConfig } from "./config";
import { SaeError } from "./errors";
import { constantOutputScale, hasPerTokenNormalization, type SaeWeights } from "./graph";

/** Dense encode result for N tokens. */
export interface SaeEncoding {
  n: number;
  dSae: number;
  /** [N, dSae] row-major. */
  featureActs: Float32Array;
  /** Active-feature count per token. */
  l0: Float32Array;
  /** Width of the top-values/indices rows (the sparse form holds at most this many per token). */
  sparseWidth: number;
  /** [N, sparseWidth]: largest activations per token, descending (zeros pad when fewer are active). */
  topValues: Float32Array;
  /** [N, sparseWidth]: their feature indices. */
  topIndices: Int32Array;
  /** Per-token output scale/shift that decode needs for layer_norm / constant_norm_rescale. */
  outScale?: Float32Array;
  outShift?: Float32Array;
}

/** One token's active features, strongest first. */
export interface SparseFeatureActs {
  indices: number[];
  values: number[];
  /** True when more features were active than the sparse width holds (see SaeEncoding.l0). */
  truncated: boolean;
}

export interface SaeInfo {
  config: SaeConfig;
  /** log10 firing frequency per feature, when sparsity.safetensors was present. */
  logSparsity?: Float32Array;
  source: string;
}

export class Sae {
  readonly config: SaeConfig;
  readonly logSparsity?: Float32Array;
  readonly source: string;
  /** The provider both sessions run on. */
  readonly executionProvider: ExecutionProviderName;
  readonly sparseWidth: number;
  private readonly weights: SaeWeights;
  private readonly encodeSession: ort.InferenceSession;
  private readonly decodeSession: ort.InferenceSession;

  constructor(
    info: SaeInfo,
    weights: SaeWeights,
    sessions: { encode: ort.InferenceSession; decode: ort.InferenceSession; executionProvider: ExecutionProviderName },
    sparseWidth: number,
  ) {
    this.config = info.config;
    this.logSparsity = info.logSparsity;
    this.source = info.source;
    this.weights = weights;
    this.encodeSession = sessions.encode;
    this.decodeSession = sessions.decode;
    this.executionProvider = sessions.executionProvider;
    this.sparseWidth = sparseWidth;
  }

  get dIn(): number {
    return this.config.dIn;
  }

  get dSae(): number {
    return this.config.dSae;
  }

  get hookName(): string | undefined {
    return this.config.hookName;
  }

  /** d_i = W_dec[i] (a view; do not modify). After load-time folding of decoder norms, if any. */
  decoderDirection(index: number): Float32Array {
    this.checkFeature(index);
    return this.weights.W_dec.subarray(index * this.dIn, (index + 1) * this.dIn);
  }

  /** The whole decoder matrix [dSae, dIn] (a view). */
  decoderMatrix(): Float32Array {
    return this.weights.W_dec;
  }

  /**
   * Factor that maps a change of f_i to a change of the hook activation in the hook's own units:
   * exact clamp deltas are (v − f_i)·d_i·outputScale (1 unless the SAE normalises its input).
   */
  outputScale(encoding: SaeEncoding, token: number): number {
    const constant = constantOutputScale(this.config);
    return encoding.outScale ? constant * encoding.outScale[token] : constant;
  }

  private checkFeature(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.dSae) {
      throw new RangeError(`feature index ${index} is out of range for an SAE with ${this.dSae} features`);
    }
  }

  private rowsOf(x: Float32Array, width: number, what: string): number {
    if (x.length % width !== 0) {
      throw new SaeError(
        "SAE_INPUT_SHAPE_MISMATCH",
        `${what} has ${x.length} values, not a multiple of the width ${width}`,
      );
    }
    return x.length / width;
  }

  /** Encodes x [N, dIn] (row-major) to feature activations, dense and top-k sparse. */
  async encode(x: Float32Array): Promise<SaeEncoding> {
    const n = this.rowsOf(x, this.dIn, "SAE input");
    const result = await this.encodeSession.run({ x: new ort.Tensor("float32", x, [n, this.dIn]) });
    const topIndices64 = result.top_indices.data as BigInt64Array;
    const topIndices = new Int32Array(topIndices64.length);
    for (let i = 0; i < topIndices64.length; i++) topIndices[i] = Number(topIndices64[i]);
    const encoding: SaeEncoding = {
      n,
      dSae: this.dSae,
      featureActs: result.feature_acts.data as Float32Array,
      l0: result.l0.data as Float32Array,
      sparseWidth: this.sparseWidth,
      topValues: result.top_values.data as Float32Array,
      topIndices,
    };
    if (hasPerTokenNormalization(this.config)) {
      encoding.outScale = result.out_scale.data as Float32Array;
      encoding.outShift = result.out_shift.data as Float32Array;
    }
    return encoding;
  }

  /**
   * The sparse outputs only (top values and indices, l0, and the per-token normalisation): ONNX
   * Runtime then never copies the dense [N, dSae] block out, which is 3–5× faster for streaming
   * statistics (dashboards). A token whose l0 exceeds sparseWidth is incomplete here: encode that
   * row again with encode() to read all of it.
   */
  async encodeSparseOutputs(x: Float32Array): Promise<Omit<SaeEncoding, "featureActs">> {
    const n = this.rowsOf(x, this.dIn, "SAE input");
    const fetches = ["top_values", "top_indices", "l0"];
    if (hasPerTokenNormalization(this.config)) fetches.push("out_scale", "out_shift");
    const result = await this.encodeSession.run({ x: new ort.Tensor("float32", x, [n, this.dIn]) }, fetches);
    const topIndices64 = result.top_indices.data as BigInt64Array;
    const topIndices = new Int32Array(topIndices64.length);
    for (let i = 0; i < topIndices64.length; i++) topIndices[i] = Number(topIndices64[i]);
    return {
      n, dSae: this.dSae, l0: result.l0.data as Float32Array, sparseWidth: this.sparseWidth,
      topValues: result.top_values.data as Float32Array, topIndices,
      ...(result.out_scale ? { outScale: result.out_scale.data as Float32Array, outShift: result.out_shift.data as Float32Array } : {}),
    };
  }

  /** Per token: the active features, strongest first (at most sparseWidth of them). */
  static sparseFeatures(encoding: SaeEncoding): SparseFeatureActs[] {
    const tokens: SparseFeatureActs[] = [];
    for (let t = 0; t < encoding.n; t++) {
      const indices: number[] = [];
      const values: number[] = [];
      for (let j = 0; j < encoding.sparseWidth; j++) {
        const value = encoding.topValues[t * encoding.sparseWidth + j];
        if (!(value > 0)) break;
        indices.push(encoding.topIndices[t * encoding.sparseWidth + j]);
        values.push(value);
      }
      tokens.push({ indices, values, truncated: encoding.l0[t] > indices.length });
    }
    return tokens;
  }

  /** Encodes and returns the sparse form only. */
  async encodeSparse(x: Float32Array): Promise<SparseFeatureActs[]> {
    return Sae.sparseFeatures(await this.encode(x));
  }

  /**
   * Decodes f [N, dSae] to x̂ [N, dIn]. SAEs with layer_norm/constant_norm_rescale normalisation
   * need the encoding of the original input (its per-token statistics) to undo the normalisation.
   */
  async decode(featureActs: Float32Array, normalization?: Pick<SaeEncoding, "outScale" | "outShift">): Promise<Float32Array> {
    const n = this.rowsOf(featureActs, this.dSae, "feature activations");
    const feeds: Record<string, ort.Tensor> = {
      feature_acts: new ort.Tensor("float32", featureActs, [n, this.dSae]),
    };
    if (hasPerTokenNormalization(this.config)) {
      if (!normalization?.outScale || !normalization.outShift) {
        throw new SaeError(
          "SAE_DECODE_NEEDS_NORMALIZATION",
          `decode of an SAE with normalize_activations=${this.config.normalizeActivations} needs the encoding of the input (its per-token scale and shift)`,
        );
      }
      feeds.out_scale = new ort.Tensor("float32", normalization.outScale, [n, 1]);
      feeds.out_shift = new ort.Tensor("float32", normalization.outShift, [n, 1]);
    }
    const result = await this.decodeSession.run(feeds);
    return result.sae_out.data as Float32Array;
  }

  /** x̂ = decode(encode(x)), with the encoding. */
  async reconstruct(x: Float32Array): Promise<{ encoding: SaeEncoding; reconstruction: Float32Array }> {
    const encoding = await this.encode(x);
    return { encoding, reconstruction: await this.decode(encoding.featureActs, encoding) };
  }

  async dispose(): Promise<void> {
    await this.encodeSession.release();
    await this.decodeSession.release();
  }
}
