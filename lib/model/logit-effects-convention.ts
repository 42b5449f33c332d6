// What a stored set of logit effects is (dependency-free, so pages can describe it without loading
// ONNX Runtime). The dashboard run records LOGIT_EFFECTS_CONVENTION in Sae.metricsDetails.logitEffects;
// lib/dashboards/logit-refresh.ts recomputes SAEs whose record is older.

export const LOGIT_EFFECTS_VERSION = 2;

export const LOGIT_EFFECTS_CONVENTION = {
  version: LOGIT_EFFECTS_VERSION,
  readout:
    "decoder direction · W_U with the final LayerNorm folded in as TransformerLens fold_ln does: " +
    "W_U scaled by ln_f's weight, then centred over d_model (MLP hooks: through W_out first)",
  notFolded:
    "LayerNorm's 1/σ (depends on the token; scales a feature's whole vector alike) and ln_f's bias " +
    "(adds the same b·W_U to every logit whatever the feature, so it is no part of any feature's effect)",
} as const;

export type StoredLogitEffects = "current" | "raw-unembedding" | "unrecorded";

/** Sae.metricsDetails.logitEffects: the convention object (version ≥ 2), version 1's string, or absent. */
export type LogitEffectsRecord = { version: number; readout: string; notFolded: string } | string | null;

/** Classifies Sae.metricsDetails.logitEffects as stored by a dashboard run (or absent, e.g. an import). */
export function storedLogitEffects(record: unknown): StoredLogitEffects {
  if (record && typeof record === "object" && (record as { version?: unknown }).version === LOGIT_EFFECTS_VERSION) return "current";
  // version 1 was a plain string: "decoder direction through W_U (...); no final LayerNorm"
  if (typeof record === "string" || (record && typeof record === "object")) return "raw-unembedding";
  return "unrecorded";
}
