import { describe, expect, it } from "vitest";
import { fixtureRandom, randomArray } from "@/lib/sae/fixtures";
import { computeDecoderNeighbours, computeLogitEffects } from "./readout";

const random = fixtureRandom(5);
const D_SAE = 300; // more than one chunk
const D_MODEL = 6;
const D_MLP = 9;
const D_VOCAB = 40;
const wU = randomArray(random, D_MODEL * D_VOCAB);
const wOut = randomArray(random, D_MLP * D_MODEL);

function matVec(row: ArrayLike<number>, matrix: Float32Array, cols: number): number[] {
  const out = new Array(cols).fill(0);
  for (let i = 0; i < row.length; i++) for (let j = 0; j < cols; j++) out[j] += row[i] * matrix[i * cols + j];
  return out;
}

describe("logit effects", () => {
  it("are d·W_U for residual SAEs: top/bottom tokens and a histogram of the whole vector", async () => {
    const decoder = randomArray(random, D_SAE * D_MODEL);
    const effects = await computeLogitEffects(decoder, D_SAE, { W_U: wU, dModel: D_MODEL, dVocab: D_VOCAB });
    for (const f of [0, 7, 299]) {
      const logits = matVec(decoder.subarray(f * D_MODEL, (f + 1) * D_MODEL), wU, D_VOCAB);
      const order = logits.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]);
      expect(Array.from(effects.topTokenIds.subarray(f * 10, f * 10 + 10))).toEqual(order.slice(0, 10).map((e) => e[1]));
      expect(Array.from(effects.bottomTokenIds.subarray(f * 10, f * 10 + 10))).toEqual(order.slice(-10).reverse().map((e) => e[1]));
      expect(effects.topValues[f * 10]).toBeCloseTo(order[0][0], 4);
      expect(effects.histogramMin[f]).toBeCloseTo(order.at(-1)![0], 4);
      const counts = Array.from(effects.histogramCounts.subarray(f * 50, f * 50 + 50));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(D_VOCAB);
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[49]).toBeGreaterThan(0);
    }
  });

  it("go through W_out first for MLP-hidden SAEs", async () => {
    const decoder = randomArray(random, 20 * D_MLP);
    const effects = await computeLogitEffects(decoder, 20, { W_U: wU, dModel: D_MODEL, dVocab: D_VOCAB, W_out: wOut, dMlp: D_MLP });
    const logits = matVec(matVec(decoder.subarray(3 * D_MLP, 4 * D_MLP), wOut, D_MODEL), wU, D_VOCAB);
    expect(effects.topValues[30]).toBeCloseTo(Math.max(...logits), 4);
    expect(effects.bottomValues[30]).toBeCloseTo(Math.min(...logits), 4);
  });
});

describe("decoder neighbours", () => {
  it("are the most cosine-similar other features, planted duplicates first", async () => {
    const decoder = randomArray(random, D_SAE * D_MODEL);
    // feature 10 is feature 200 scaled (cosine 1); feature 11 is nearly feature 200
    for (let j = 0; j < D_MODEL; j++) {
      decoder[10 * D_MODEL + j] = 3 * decoder[200 * D_MODEL + j];
      decoder[11 * D_MODEL + j] = decoder[200 * D_MODEL + j] + (j === 0 ? 0.05 : 0);
    }
    const neighbours = await computeDecoderNeighbours(decoder, D_SAE);
    expect(neighbours.indices[200 * 10]).toBe(10);
    expect(neighbours.cosines[200 * 10]).toBeCloseTo(1, 5);
    expect(neighbours.indices[200 * 10 + 1]).toBe(11);
    for (let f = 0; f < D_SAE; f++) expect(Array.from(neighbours.indices.subarray(f * 10, f * 10 + 10))).not.toContain(f);
    // brute force for one feature
    const norm = (f: number) => Math.hypot(...decoder.subarray(f * D_MODEL, (f + 1) * D_MODEL));
    const cos = (a: number, b: number) => {
      let s = 0;
      for (let j = 0; j < D_MODEL; j++) s += decoder[a * D_MODEL + j] * decoder[b * D_MODEL + j];
      return s / (norm(a) * norm(b));
    };
    const expected = Array.from({ length: D_SAE }, (_, b) => b).filter((b) => b !== 42).sort((x, y) => cos(42, y) - cos(42, x)).slice(0, 10);
    expect(Array.from(neighbours.indices.subarray(420, 430))).toEqual(expected);
  });
});
