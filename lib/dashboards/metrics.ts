/**
 * An SAE's quality metrics on held-out text (shared INTERP.md §7): L0, explained variance,
 * CE loss recovered, dead and dense fractions.
 *
 * - Explained variance = 1 − E‖x−x̂‖² / (E‖x‖² − ‖E x‖²), numerator and denominator each averaged
 *   over tokens separately (one variance over the whole batch of tokens, not per-token ratios).
 * - CE loss recovered = (CE_zero − CE_sae) / (CE_zero − CE_clean), where CE_sae splices the SAE's
 *   reconstruction into the hook and CE_zero replaces the hook activation with zeros; next-token
 *   loss at every position of every context. BOS positions keep their original activation in both
 *   spliced runs and count in no statistic, as on the dashboards.
 * The per-token negative log-likelihoods are computed in ONNX Runtime (LogSoftmax + gather).
 */
import * as ort from "onnxruntime-node";
import { createSession } from "@/lib/model/execution-provider";
import { OnnxGraphBuilder } from "@/lib/model/onnx-graph";
import type { ModelSession } from "@/lib/model/model";
import type { HookTensor } from "@/lib/model/hooks";
import type { Sae } from "@/lib/sae";
import { contextTokens, type PackedContexts } from "./corpus";

export interface QualityMetrics {
  l0: number;
  explainedVariance: number;
  ceLossRecovered: number | null;
  ceClean: number;
  ceWithSae: number;
  ceZeroAblation: number;
  deadFraction: number;
  denseFraction: number;
  tokens: number;
  contexts: number;
  formula: string;
}

async function nllSession(): Promise<ort.InferenceSession> {
  const g = new OnnxGraphBuilder("next_token_nll");
  const logits = g.input("logits", "float32", ["N", "V"]);
  const targets = g.input("targets", "int64", ["N", 1]);
  const logProbs = g.op("LogSoftmax", [logits], { axis: -1 });
  const picked = g.op("GatherElements", [logProbs, targets], { axis: 1 });
  g.output(g.op("Neg", [g.op("Squeeze", [picked, g.constInt64([1])])]), "nll", "float32", ["N"]);
  return (await createSession(g.toModelBytes())).session;
}

export interface MetricsOptions {
  batchSize: number;
  bosTokenId: number;
  onBatch?: (done: number, total: number) => void | Promise<void>;
}

/** Runs clean, SAE-spliced and zero-ablated forwards over the held-out contexts. */
export async function computeQualityMetrics(
  model: ModelSession,
  sae: Sae,
  hookName: string,
  heldout: PackedContexts,
  options: MetricsOptions,
): Promise<QualityMetrics | null> {
  if (heldout.count === 0) return null;
  const nll = await nllSession();
  const dIn = sae.dIn;
  const dSae = sae.dSae;
  const featureTokens = new Float64Array(dSae);
  const sumX = new Float64Array(dIn);
  let sumSquares = 0;
  let sumError = 0;
  let l0Sum = 0;
  let tokens = 0;
  const ce = { clean: 0, sae: 0, zero: 0, count: 0 };

  const batches = Math.ceil(heldout.count / options.batchSize);
  try {
    for (let b = 0; b < batches; b++) {
      const sequences: Int32Array[] = [];
      for (let c = b * options.batchSize; c < Math.min(heldout.count, (b + 1) * options.batchSize); c++) sequences.push(contextTokens(heldout, c));
      const seqs = sequences.map((s) => Array.from(s));

      // positions of the hook tensor ([batch, seqLen] left-padded) that are real, non-BOS tokens
      const keepMask = (view: HookTensor): Uint8Array => {
        const keep = new Uint8Array(view.batch * view.seqLen);
        for (let row = 0; row < view.batch; row++) {
          const pad = view.seqLen - seqs[row].length;
          for (let t = 0; t < seqs[row].length; t++) keep[row * view.seqLen + pad + t] = seqs[row][t] === options.bosTokenId ? 0 : 1;
        }
        return keep;
      };

      const clean = await model.forward(seqs, { logits: "all" });
      const spliced = await model.forward(seqs, {
        logits: "all",
        hooks: {
          [hookName]: async (view) => {
            const keep = keepMask(view);
            const { encoding, reconstruction } = await sae.reconstruct(view.data);
            const out = view.data.slice();
            for (let p = 0; p < keep.length; p++) {
              if (!keep[p]) continue;
              tokens += 1;
              l0Sum += encoding.l0[p];
              let error = 0;
              for (let j = 0; j < dIn; j++) {
                const x = view.data[p * dIn + j];
                const xHat = reconstruction[p * dIn + j];
                sumX[j] += x;
                sumSquares += x * x;
                error += (x - xHat) ** 2;
                out[p * dIn + j] = xHat;
              }
              sumError += error;
              const width = encoding.sparseWidth;
              if (encoding.l0[p] > width) {
                for (let i = 0; i < dSae; i++) if (encoding.featureActs[p * dSae + i] > 0) featureTokens[i] += 1;
                continue;
              }
              for (let j = 0; j < width; j++) {
                if (!(encoding.topValues[p * width + j] > 0)) break;
                featureTokens[encoding.topIndices[p * width + j]] += 1;
              }
            }
            return out;
          },
        },
      });
      const zeroed = await model.forward(seqs, {
        logits: "all",
        hooks: {
          [hookName]: (view) => {
            const keep = keepMask(view);
            const out = view.data.slice();
            for (let p = 0; p < keep.length; p++) if (keep[p]) out.fill(0, p * dIn, (p + 1) * dIn);
            return out;
          },
        },
      });

      // next-token targets at every real position but the last of each row
      const { seqLen } = clean;
      const dVocab = model.manifest.dVocab;
      const rowsIndex: number[] = [];
      const targets: bigint[] = [];
      seqs.forEach((seq, row) => {
        const pad = seqLen - seq.length;
        for (let t = 0; t < seq.length - 1; t++) {
          rowsIndex.push(row * seqLen + pad + t);
          targets.push(BigInt(seq[t + 1]));
        }
      });
      if (rowsIndex.length === 0) continue;
      const gather = (logits: Float32Array) => {
        const out = new Float32Array(rowsIndex.length * dVocab);
        rowsIndex.forEach((p, i) => out.set(logits.subarray(p * dVocab, (p + 1) * dVocab), i * dVocab));
        return new ort.Tensor("float32", out, [rowsIndex.length, dVocab]);
      };
      const targetTensor = new ort.Tensor("int64", BigInt64Array.from(targets), [rowsIndex.length, 1]);
      const sum = async (logits: Float32Array) => {
        const out = await nll.run({ logits: gather(logits), targets: targetTensor });
        let total = 0;
        for (const v of out.nll.data as Float32Array) total += v;
        return total;
      };
      ce.clean += await sum(clean.logits!);
      ce.sae += await sum(spliced.logits!);
      ce.zero += await sum(zeroed.logits!);
      ce.count += rowsIndex.length;
      await options.onBatch?.(b + 1, batches);
    }
  } finally {
    await nll.release();
  }

  let meanNormSquared = 0;
  for (const s of sumX) meanNormSquared += (s / tokens) ** 2;
  const variance = sumSquares / tokens - meanNormSquared;
  const ceClean = ce.clean / ce.count;
  const ceWithSae = ce.sae / ce.count;
  const ceZeroAblation = ce.zero / ce.count;
  const gap = ceZeroAblation - ceClean;
  let dead = 0;
  let dense = 0;
  for (const count of featureTokens) {
    if (count === 0) dead += 1;
    if (count / tokens > 0.1) dense += 1;
  }
  return {
    l0: l0Sum / tokens,
    explainedVariance: 1 - sumError / tokens / variance,
    ceLossRecovered: Math.abs(gap) > 1e-9 ? (ceZeroAblation - ceWithSae) / gap : null,
    ceClean, ceWithSae, ceZeroAblation,
    deadFraction: dead / dSae,
    denseFraction: dense / dSae,
    tokens,
    contexts: heldout.count,
    formula: "EV = 1 - mean_t ||x-x̂||² / (mean_t ||x||² - ||mean_t x||²); CE recovered = (CE_zero - CE_sae) / (CE_zero - CE_clean); BOS excluded",
  };
}
