import { describe, expect, it } from "vitest";
import { fixtureRandom, randomArray } from "@/lib/sae/fixtures";
import { computeDecoderNeighbours } from "./neighbours";

const random = fixtureRandom(5);
const D_SAE = 300; // more than one chunk
const D_MODEL = 6;

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
