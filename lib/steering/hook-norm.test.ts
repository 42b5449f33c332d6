import { describe, expect, it } from "vitest";
import type { ForwardResult } from "@/lib/model";
import { measureHookNorm } from "./hook-norm";

/**
 * A fake model (unit test) whose hook values are known: token id t at any position has the
 * activation [t, 2t] of width 2, so ‖h‖ = t·√5; rows are left-padded like the real forward.
 */
const fake = {
  calls: 0,
  async forward(sequences: readonly (readonly number[])[], options: { capture?: string[] }): Promise<ForwardResult> {
    this.calls += 1;
    const seqLen = Math.max(...sequences.map((s) => s.length));
    const acts = new Float32Array(sequences.length * seqLen * 2).fill(NaN); // padding must never be read
    sequences.forEach((ids, b) => ids.forEach((id, t) => acts.set([id, 2 * id], (b * seqLen + seqLen - ids.length + t) * 2)));
    return { batch: sequences.length, seqLen, lengths: sequences.map((s) => s.length), activations: { [options.capture![0]]: acts } };
  },
};

describe("measureHookNorm", () => {
  it("is the mean L2 norm over tokens, BOS excluded, across batches and padding (hand-computed)", async () => {
    // token ids (BOS = 0): norms √5·{1, 2, 3} and √5·{4}; the BOS rows would pull the mean down
    const measured = await measureHookNorm(fake, "blocks.0.hook_resid_post", [[0, 1, 2, 3], [0, 4]], { bosTokenId: 0, batchSize: 1 });
    expect(measured.tokens).toBe(4);
    expect(measured.mean).toBeCloseTo((Math.sqrt(5) * (1 + 2 + 3 + 4)) / 4, 6);
    expect(fake.calls).toBe(2);
    const batched = await measureHookNorm(fake, "blocks.0.hook_resid_post", [[0, 1, 2, 3], [0, 4]], { bosTokenId: 0 });
    expect(batched.mean).toBeCloseTo(measured.mean, 6);
  });

  it("refuses text that is all BOS", async () => {
    await expect(measureHookNorm(fake, "h", [[0, 0]], { bosTokenId: 0 })).rejects.toThrow(/every token was BOS/);
  });
});
