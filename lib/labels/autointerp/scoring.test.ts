import { describe, expect, it } from "vitest";
import { balancedAccuracy, confusion, pearson, quantizeActivations, seededRandom } from "./scoring";

describe("auto-interp numbers", () => {
  it("quantises activations to integers 0–10 as floor(10·a/max)", () => {
    expect(quantizeActivations([0, 0.05, 0.5, 0.99, 1, 2, -1], 1)).toEqual([0, 0, 5, 9, 10, 10, 0]);
    expect(quantizeActivations([1, 2], 0)).toEqual([0, 0]);
  });

  it("Pearson r: ±1 for linear relations, null when a side is constant", () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1);
    expect(pearson([0, 0, 0], [1, 2, 3])).toBeNull();
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8);
  });

  it("balanced accuracy = (TPR + TNR) / 2", () => {
    const c = confusion([true, true, false, false, true, false], [true, true, true, false, false, false]);
    expect(c).toEqual({ tp: 2, fn: 1, tn: 2, fp: 1 });
    expect(balancedAccuracy(c)).toBeCloseTo((2 / 3 + 2 / 3) / 2);
    // saying "yes" to everything is chance, not perfect
    expect(balancedAccuracy(confusion([true, true, true, true], [true, true, true, false]))).toBe(0.5);
    expect(balancedAccuracy({ tp: 0, fn: 0, tn: 0, fp: 0 })).toBeNull();
  });

  it("balanced accuracy is null, not the TPR, when there are no negatives (or no positives)", () => {
    expect(balancedAccuracy({ tp: 5, fn: 0, tn: 0, fp: 0 })).toBeNull();
    expect(balancedAccuracy({ tp: 3, fn: 2, tn: 0, fp: 0 })).toBeNull();
    expect(balancedAccuracy({ tp: 0, fn: 0, tn: 4, fp: 1 })).toBeNull();
  });

  it("seeded random is reproducible", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});
