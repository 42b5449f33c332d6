/** Turns SAE encodings (or dense test arrays) into the per-context CSR form the statistics read. */
import type { SaeEncoding } from "@/lib/sae";
import type { ContextActivations } from "./statistics";

/**
 * Builds one context's CSR from a dense [length, dSae] block (tests, and tokens whose active count
 * exceeds the sparse width).
 */
export function contextFromDense(
  contextIndex: number,
  tokenIds: ArrayLike<number>,
  dense: Float32Array,
  dSae: number,
  excluded: Uint8Array,
): ContextActivations {
  const length = tokenIds.length;
  const offsets = new Int32Array(length + 1);
  const features: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < dSae; i++) {
      const value = dense[t * dSae + i];
      if (value > 0) {
        features.push(i);
        values.push(value);
      }
    }
    offsets[t + 1] = features.length;
  }
  return {
    contextIndex, tokenIds: Int32Array.from(tokenIds), offsets,
    features: Int32Array.from(features), values: Float32Array.from(values), excluded,
  };
}

/**
 * Slices contexts out of one encoding of their concatenated tokens (rows [start, start+length) per
 * context). Uses the sparse top-values form, falling back to the dense row for a token whose active
 * count exceeds the sparse width, so no activation is ever dropped. Without the dense block in the
 * encoding, `denseRow` must supply those rows (see encode.ts).
 */
export function contextsFromEncoding(
  encoding: Omit<SaeEncoding, "featureActs"> & { featureActs?: Float32Array },
  contexts: Array<{ contextIndex: number; tokenIds: Int32Array; start: number; excluded: Uint8Array; order?: number }>,
  denseRow?: (row: number) => Float32Array,
): ContextActivations[] {
  const { sparseWidth, topValues, topIndices, l0, featureActs, dSae } = encoding;
  const rowOf = denseRow ?? ((row: number) => {
    if (!featureActs) throw new Error(`token row ${row} has ${l0[row]} active features, more than the sparse width ${sparseWidth}, and no dense row was given`);
    return featureActs.subarray(row * dSae, (row + 1) * dSae);
  });
  return contexts.map(({ contextIndex, tokenIds, start, excluded, order }) => {
    const length = tokenIds.length;
    const offsets = new Int32Array(length + 1);
    let total = 0;
    for (let t = 0; t < length; t++) total += l0[start + t];
    const features = new Int32Array(total);
    const values = new Float32Array(total);
    let e = 0;
    for (let t = 0; t < length; t++) {
      const row = start + t;
      if (l0[row] > sparseWidth) {
        const dense = rowOf(row);
        for (let i = 0; i < dSae; i++) {
          const value = dense[i];
          if (value > 0) {
            features[e] = i;
            values[e] = value;
            e += 1;
          }
        }
      } else {
        const base = row * sparseWidth;
        for (let j = 0; j < sparseWidth; j++) {
          const value = topValues[base + j];
          if (!(value > 0)) break;
          features[e] = topIndices[base + j];
          values[e] = value;
          e += 1;
        }
      }
      offsets[t + 1] = e;
    }
    return {
      contextIndex, tokenIds, offsets, features: features.subarray(0, e), values: values.subarray(0, e), excluded, order,
    };
  });
}
