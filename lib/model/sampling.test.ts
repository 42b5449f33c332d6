// The fast sampler must pick exactly the token the full-sort definition picks, for the same logits
// and the same seeded draw: property-tested over random rows with ties, −∞ entries, narrow and wide
// nuclei and several temperatures (and a demo-sized vocabulary).
import { describe, expect, it } from "vitest";
import { mulberry32 } from "@/lib/random/mulberry32";
import { SeededRandom, sampleToken, sampleTokenFullSort } from "./sampling";

function randomRow(random: () => number, n: number): Float32Array {
  const row = new Float32Array(n);
  const style = Math.floor(random() * 5);
  for (let i = 0; i < n; i++) {
    if (style === 0) row[i] = (random() - 0.5) * 20; // spread out
    else if (style === 1) row[i] = Math.round((random() - 0.5) * 6); // many exact ties
    else if (style === 2) row[i] = random() < 0.02 ? 8 + random() : (random() - 0.5) * 4; // a few peaks
    else if (style === 3) row[i] = random() < 0.3 ? -Infinity : (random() - 0.5) * 10; // masked entries
    else row[i] = random() < 0.05 ? 4 + Math.floor(random() * 2) : -8 + random(); // a few tied peaks
  }
  if (style === 3 && row.every((v) => v === -Infinity)) row[0] = 0;
  return row;
}

describe("sampleToken (fast) against sampleTokenFullSort (definition)", () => {
  it("picks the same token for the same logits and seed across rows, temperatures and top-p", () => {
    const random = mulberry32(20261203);
    const temperatures = [0, 0.3, 0.7, 1, 1.6];
    const topPs = [0.01, 0.2, 0.5, 0.9, 0.95, 0.999, 1];
    let checked = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + Math.floor(random() * (trial % 10 === 0 ? 3000 : 400));
      const row = randomRow(random, n);
      const options = { temperature: temperatures[trial % temperatures.length], topP: topPs[Math.floor(random() * topPs.length)] };
      const seed = Math.floor(random() * 2 ** 31);
      const fast = new SeededRandom(seed);
      const reference = new SeededRandom(seed);
      for (let draw = 0; draw < 8; draw++) {
        expect(sampleToken(row, options, fast)).toBe(sampleTokenFullSort(row, options, reference));
        checked += 1;
      }
    }
    expect(checked).toBe(3200);
  });

  it("matches on a demo-sized vocabulary (6,144 logits) with the service's settings", () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 20; trial++) {
      const row = Float32Array.from({ length: 6144 }, () => (random() - 0.5) * 12);
      for (const options of [{ temperature: 0.7, topP: 0.9 }, { temperature: 1, topP: 1 }, { temperature: 1.3, topP: 0.5 }]) {
        const fast = new SeededRandom(trial);
        const reference = new SeededRandom(trial);
        for (let draw = 0; draw < 5; draw++) expect(sampleToken(row, options, fast)).toBe(sampleTokenFullSort(row, options, reference));
      }
    }
  });
});
