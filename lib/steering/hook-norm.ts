/**
 * The typical norm of the activation at a hook, the unit of "add" in hook-norm units
 * (docs/STEERING.md): N = mean over corpus tokens of ‖h_t‖₂, BOS positions excluded (their
 * activations are huge and meaningless, INTERP §3). Measured on the first contexts of the dashboard
 * corpus in the dashboards' own seeded order, so the dashboards pass and a later backfill
 * (scripts/steer-hook-norms.ts) measure the same tokens.
 */
import { tokenRows, type ModelSession } from "@/lib/model";
import { contextTokens, seededOrder, type PackedContexts } from "@/lib/dashboards/corpus";

/** Contexts measured: 128 × 128 tokens is plenty for a mean and costs one small forward pass. */
export const HOOK_NORM_CONTEXTS = 128;

export interface HookNormMeasurement {
  /** Mean ‖h‖₂ over the counted tokens. */
  mean: number;
  /** Tokens counted (BOS excluded). */
  tokens: number;
}

/** Mean ‖h‖₂ at `hookName` over every non-BOS token of `sequences`. */
export async function measureHookNorm(
  model: Pick<ModelSession, "forward">,
  hookName: string,
  sequences: readonly (readonly number[])[],
  options: { bosTokenId: number; batchSize?: number },
): Promise<HookNormMeasurement> {
  const batchSize = options.batchSize ?? 32;
  let sum = 0;
  let tokens = 0;
  for (let start = 0; start < sequences.length; start += batchSize) {
    const batch = sequences.slice(start, start + batchSize);
    const out = await model.forward(batch, { capture: [hookName], logits: "none" });
    const acts = out.activations[hookName];
    batch.forEach((ids, row) => {
      const values = tokenRows(out, acts, row);
      const width = values.length / ids.length;
      ids.forEach((id, t) => {
        if (id === options.bosTokenId) return;
        let squares = 0;
        for (let j = t * width; j < (t + 1) * width; j++) squares += values[j] * values[j];
        sum += Math.sqrt(squares);
        tokens += 1;
      });
    });
  }
  if (tokens === 0) throw new RangeError(`no tokens to measure the norm at ${hookName} on (every token was BOS)`);
  return { mean: sum / tokens, tokens };
}

/** The measurement on the dashboard contexts: the first HOOK_NORM_CONTEXTS in the dashboards' seeded order. */
export function measureOnDashboardContexts(
  model: Pick<ModelSession, "forward">,
  hookName: string,
  dashboard: PackedContexts,
  options: { seed: number; bosTokenId: number; batchSize?: number },
): Promise<HookNormMeasurement> {
  const order = seededOrder(dashboard.count, options.seed).subarray(0, HOOK_NORM_CONTEXTS);
  const sequences = Array.from(order, (i) => Array.from(contextTokens(dashboard, i)));
  return measureHookNorm(model, hookName, sequences, options);
}
