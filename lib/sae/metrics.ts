// SAE quality metrics on a set of token contexts (shared INTERP.md §7): L0, explained variance,
// CE loss recovered, dead and dense fractions — what the import job reports per SAE.
import * as ort from "onnxruntime-node";
import { createSession } from "@/lib/model/execution-provider";
import type { ModelSession } from "@/lib/model/model";
import { OnnxGraphBuilder } from "@/lib/model/onnx-graph";
import { bosExclusionMask } from "./bos";
import type { Sae } from "./sae";

export interface SaeQuality {
  /** Tokens the SAE statistics were taken over (every BOS-id position excluded when asked). */
  tokens: number;
  /** Mean number of active features per token. */
  l0: number;
  /** 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²), numerator and denominator each averaged over tokens. */
  explainedVariance: number;
  /** E‖x − x̂‖². */
  mse: number;
  /**
   * Mean next-token cross-entropy (nats) clean, with the SAE's reconstruction spliced in, and with
   * the hook zeroed, over the predictions made at counted positions (SAELens get_recons_loss masks
   * the per-token loss by its source position the same way).
   */
  ceClean: number;
  ceWithSae: number;
  ceZeroAblation: number;
  /** (CE_zero − CE_sae) / (CE_zero − CE_clean). */
  ceLossRecovered: number;
  /** Share of features never active on these tokens, and active on more than 10% of them. */
  deadFraction: number;
  denseFraction: number;
  /** Per feature: share of tokens on which it fired. */
  firingFrequency: Float32Array;
}

export interface EvaluateSaeOptions {
  /**
   * Leave every position holding the BOS id (lib/sae/bos.ts — the rule the dashboards follow) out
   * of L0, explained variance, firing frequencies and the CE terms predicted from it, and neither
   * splice the reconstruction nor zero the hook there. Default true.
   */
  excludeBos?: boolean;
  batchSize?: number;
  hookName?: string;
}

/** Per-position next-token negative log-likelihood in ORT: logits [B,T,V], targets [B,T] → nll [B,T]. */
async function nllSession(executionProvider: ModelSession["executionProvider"]) {
  const g = new OnnxGraphBuilder("next_token_nll");
  const logits = g.input("logits", "float32", ["B", "T", "V"]);
  const targets = g.input("targets", "int64", ["B", "T"]);
  const logProbs = g.op("LogSoftmax", [logits], { axis: -1 });
  const picked = g.op("GatherElements", [logProbs, g.op("Unsqueeze", [targets, g.constInt64([2])])], { axis: 2 });
  g.output(g.op("Neg", [g.op("Squeeze", [picked, g.constInt64([2])])]), "nll", "float32", ["B", "T"]);
  return (await createSession(g.toModelBytes(), { executionProviders: [executionProvider] })).session;
}

export async function evaluateSae(
  model: ModelSession,
  sae: Sae,
  contexts: readonly (readonly number[])[],
  options: EvaluateSaeOptions = {},
): Promise<SaeQuality> {
  const hookName = options.hookName ?? sae.hookName;
  if (!hookName) throw new Error("the SAE's cfg.json names no hook; pass hookName");
  const width = model.hookWidth(hookName);
  if (width !== sae.dIn) throw new RangeError(`SAE d_in ${sae.dIn} ≠ width ${width} of ${hookName}`);
  const excludeBos = options.excludeBos ?? true;
  const bosTokenId = model.manifest.bosTokenId;
  const batchSize = options.batchSize ?? 8;
  if (contexts.length === 0 || contexts.some((c) => c.length < 2)) {
    throw new RangeError("every context needs at least 2 tokens");
  }
  // A batch is one tensor, so contexts are batched with others of their length (a packed corpus
  // ends with a shorter context); every statistic below is a sum, so the grouping changes nothing.
  const byLength = new Map<number, (readonly number[])[]>();
  for (const context of contexts) {
    const group = byLength.get(context.length);
    if (group) group.push(context);
    else byLength.set(context.length, [context]);
  }
  const batches: { length: number; batch: number[][] }[] = [];
  for (const [length, group] of [...byLength].sort((a, b) => b[0] - a[0])) {
    for (let start = 0; start < group.length; start += batchSize) {
      batches.push({ length, batch: group.slice(start, start + batchSize).map((c) => [...c]) });
    }
  }
  const nll = await nllSession(model.executionProvider);
  const dSae = sae.dSae;
  const fired = new Float64Array(dSae);
  const sumX = new Float64Array(width);
  let tokens = 0;
  let sumSquares = 0;
  let sumErrors = 0;
  let sumL0 = 0;
  const ce = { clean: 0, sae: 0, zero: 0, count: 0 };

  /** Sum of the next-token NLL over the predictions made at counted positions. */
  const sumNll = async (logits: Float32Array, batch: number[][], length: number, excluded: Uint8Array[]) => {
    const B = batch.length;
    const V = model.manifest.dVocab;
    // position t predicts token t + 1
    const inputs = new Float32Array(B * (length - 1) * V);
    const targets = new BigInt64Array(B * (length - 1));
    for (let b = 0; b < B; b++) {
      inputs.set(logits.subarray(b * length * V, (b * length + length - 1) * V), b * (length - 1) * V);
      for (let t = 0; t < length - 1; t++) targets[b * (length - 1) + t] = BigInt(batch[b][t + 1]);
    }
    const out = await nll.run({
      logits: new ort.Tensor("float32", inputs, [B, length - 1, V]),
      targets: new ort.Tensor("int64", targets, [B, length - 1]),
    });
    const values = out.nll.data as Float32Array;
    let sum = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < length - 1; t++) if (!excluded[b][t]) sum += values[b * (length - 1) + t];
    }
    return sum;
  };

  try {
    for (const { length, batch } of batches) {
      const clean = await model.forward(batch, { capture: [hookName] });
      const x = clean.activations[hookName];
      const { encoding, reconstruction } = await sae.reconstruct(x);
      const excluded = batch.map((ids) => (excludeBos ? bosExclusionMask(ids, bosTokenId) : new Uint8Array(length)));
      for (let b = 0; b < batch.length; b++) {
        for (let t = 0; t < length; t++) {
          if (excluded[b][t]) continue;
          const row = b * length + t;
          tokens += 1;
          sumL0 += encoding.l0[row];
          for (let j = 0; j < width; j++) {
            const value = x[row * width + j];
            sumX[j] += value;
            sumSquares += value * value;
            sumErrors += (value - reconstruction[row * width + j]) ** 2;
          }
          for (let i = 0; i < dSae; i++) if (encoding.featureActs[row * dSae + i] > 0) fired[i] += 1;
        }
      }
      const splice = (replacement: (row: number, j: number) => number) => ({
        [hookName]: (h: { data: Float32Array }) => {
          for (let b = 0; b < batch.length; b++) {
            for (let t = 0; t < length; t++) {
              if (excluded[b][t]) continue;
              const row = b * length + t;
              for (let j = 0; j < width; j++) h.data[row * width + j] = replacement(row, j);
            }
          }
        },
      });
      const withSae = await model.forward(batch, { hooks: splice((row, j) => reconstruction[row * width + j]) });
      const zeroed = await model.forward(batch, { hooks: splice(() => 0) });
      ce.clean += await sumNll(clean.logits!, batch, length, excluded);
      ce.sae += await sumNll(withSae.logits!, batch, length, excluded);
      ce.zero += await sumNll(zeroed.logits!, batch, length, excluded);
      for (const mask of excluded) for (let t = 0; t < length - 1; t++) if (!mask[t]) ce.count += 1;
    }
  } finally {
    await nll.release();
  }

  if (tokens === 0 || ce.count === 0) throw new RangeError("no token is left once BOS-id positions are excluded");
  const meanNorm = sumX.reduce((a, v) => a + (v / tokens) ** 2, 0);
  const mse = sumErrors / tokens;
  const variance = sumSquares / tokens - meanNorm;
  const ceClean = ce.clean / ce.count;
  const ceWithSae = ce.sae / ce.count;
  const ceZeroAblation = ce.zero / ce.count;
  const firingFrequency = Float32Array.from(fired, (n) => n / tokens);
  return {
    tokens,
    l0: sumL0 / tokens,
    explainedVariance: 1 - mse / variance,
    mse,
    ceClean,
    ceWithSae,
    ceZeroAblation,
    ceLossRecovered: (ceZeroAblation - ceWithSae) / (ceZeroAblation - ceClean),
    deadFraction: firingFrequency.filter((f) => f === 0).length / dSae,
    denseFraction: firingFrequency.filter((f) => f > 0.1).length / dSae,
    firingFrequency,
  };
}
