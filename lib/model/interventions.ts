// Steering at a hook with an SAE's features, exactly the math of shared INTERP.md §5: add, clamp
// (keeping the SAE error term), ablate and multiply, composable, applied at every forward step.
import type { Sae, SaeEncoding } from "@/lib/sae/sae";
import type { HookFn, HookRegistration, HookTensor } from "./hooks";

export type FeatureIntervention =
  /** h ← h + s·d_i (d_i the raw decoder row, or unit-normed). */
  | { kind: "add"; feature: number; strength: number; unitNorm?: boolean }
  /** f_i := v, keeping the SAE error: h ← h + (v − f_i(h))·d_i. v absolute … */
  | { kind: "clamp"; feature: number; value: number }
  /** … or v = multiple × the feature's max activation (supplied by the caller, e.g. from its dashboard). */
  | { kind: "clamp"; feature: number; multiple: number; maxActivation: number }
  /** clamp to 0. */
  | { kind: "ablate"; feature: number }
  /** f_i ← α·f_i ⇒ h ← h + (α − 1)·f_i(h)·d_i. */
  | { kind: "multiply"; feature: number; factor: number };

export interface SteeringOptions {
  /** Batch rows to steer (default all), e.g. to run the default and the steered completion in one batch. */
  rows?: number[];
}

/**
 * The caller's SAE encoding of the tensor's tokens, so that one encode can serve several purposes:
 * the tensor's token j is row `offset + j` of `encoding` (which must be sae.encode of exactly those
 * activations).
 */
export interface PrecomputedEncoding {
  encoding: SaeEncoding;
  offset: number;
}

function clampTarget(intervention: Extract<FeatureIntervention, { kind: "clamp" }>): number {
  return "value" in intervention ? intervention.value : intervention.multiple * intervention.maxActivation;
}

/**
 * Applies interventions to one hook tensor in place. Feature activations f(h) are computed once
 * from the unsteered h (ORT encode); interventions on the same feature compose in list order on its
 * target value (clamp/ablate set it, multiply scales it), and adds sum. For SAEs that normalise
 * their input, decoder moves are scaled back to the hook's units (Sae.outputScale), so the clamp
 * stays dec(f′) + (h − dec(f)) exactly.
 */
export async function applyInterventions(
  sae: Sae,
  interventions: readonly FeatureIntervention[],
  tensor: Pick<HookTensor, "data" | "batch" | "seqLen" | "width" | "tokenMask" | "hookName">,
  options: SteeringOptions = {},
  precomputed?: PrecomputedEncoding,
): Promise<void> {
  const { data, batch, seqLen, width } = tensor;
  if (width !== sae.dIn) {
    throw new RangeError(`SAE d_in ${sae.dIn} does not match the width ${width} of hook ${tensor.hookName}`);
  }
  for (const intervention of interventions) sae.decoderDirection(intervention.feature); // validates indices
  const rows = new Set(options.rows ?? Array.from({ length: batch }, (_, b) => b));
  const needsEncoding = interventions.some((i) => i.kind !== "add");
  const encoding = needsEncoding ? precomputed?.encoding ?? await sae.encode(data) : undefined;
  const offset = precomputed?.offset ?? 0;
  const dSae = sae.dSae;

  for (let b = 0; b < batch; b++) {
    if (!rows.has(b)) continue;
    for (let t = 0; t < seqLen; t++) {
      const token = b * seqLen + t;
      if (tensor.tokenMask[token] === 0) continue;
      const h = data.subarray(token * width, (token + 1) * width);
      const targets = new Map<number, number>();
      for (const intervention of interventions) {
        const d = sae.decoderDirection(intervention.feature);
        if (intervention.kind === "add") {
          let scale = intervention.strength;
          if (intervention.unitNorm) {
            let norm = 0;
            for (let j = 0; j < width; j++) norm += d[j] * d[j];
            scale /= Math.sqrt(norm) || 1;
          }
          for (let j = 0; j < width; j++) h[j] += scale * d[j];
          continue;
        }
        const current = targets.get(intervention.feature) ?? encoding!.featureActs[(offset + token) * dSae + intervention.feature];
        const next = intervention.kind === "clamp" ? clampTarget(intervention)
          : intervention.kind === "ablate" ? 0
          : intervention.factor * current;
        targets.set(intervention.feature, next);
      }
      if (targets.size === 0) continue;
      const outScale = sae.outputScale(encoding!, offset + token);
      for (const [feature, target] of targets) {
        const delta = (target - encoding!.featureActs[(offset + token) * dSae + feature]) * outScale;
        if (delta === 0) continue;
        const d = sae.decoderDirection(feature);
        for (let j = 0; j < width; j++) h[j] += delta * d[j];
      }
    }
  }
}

/** A hook function that steers with these interventions on every forward step. */
export function steeringHook(sae: Sae, interventions: readonly FeatureIntervention[], options: SteeringOptions = {}): HookFn {
  return (tensor) => applyInterventions(sae, interventions, tensor, options);
}

/** A hook registration at the SAE's own hook (or `hookName`). */
export function steer(
  sae: Sae,
  interventions: readonly FeatureIntervention[],
  options: SteeringOptions & { hookName?: string } = {},
): HookRegistration {
  const hookName = options.hookName ?? sae.hookName;
  if (!hookName) throw new Error("the SAE's cfg.json names no hook; pass hookName");
  return { hookName, fn: steeringHook(sae, interventions, options) };
}
