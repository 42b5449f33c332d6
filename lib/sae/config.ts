// Reads a SAELens cfg.json — the v6 shape and the legacy flat shape — into one normalised SaeConfig,
// applying SAELens's defaults for missing fields (see shared INTERP.md §2).
import { SaeError } from "./errors";

export const SAE_ARCHITECTURES = ["standard", "topk", "jumprelu", "gated"] as const;
export type SaeArchitecture = (typeof SAE_ARCHITECTURES)[number];

export const SAE_NORMALIZATIONS = ["none", "expected_average_only_in", "constant_norm_rescale", "layer_norm"] as const;
export type SaeNormalization = (typeof SAE_NORMALIZATIONS)[number];

export interface SaeConfig {
  /** Which cfg.json layout the file used. */
  format: "v6" | "legacy";
  architecture: SaeArchitecture;
  dIn: number;
  dSae: number;
  /** Only for topk. */
  k?: number;
  applyBDecToInput: boolean;
  normalizeActivations: SaeNormalization;
  /**
   * For expected_average_only_in: x is multiplied by this on the way in and divided on the way
   * out. SAELens folds the factor into the weights when it knows it and then runs the SAE with no
   * normalisation; a cfg.json may carry it as `norm_scaling_factor` (or
   * `activation_norm_scaling_factor`). Absent ⇒ 1, which is what SAELens itself does at run time.
   */
  normScalingFactor: number;
  rescaleActsByDecoderNorm: boolean;
  /** dtype named in the config (weights are converted to float32 on load whatever it says). */
  dtype: string;
  modelName?: string;
  hookName?: string;
  hookLayer?: number;
  contextSize?: number;
  prependBos: boolean;
  datasetPath?: string;
  neuronpediaId?: string;
  /** The parsed cfg.json, for provenance. */
  raw: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function positiveInteger(value: unknown, field: string, source: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new SaeError(
      "SAE_CONFIG_INVALID",
      `${source}: "${field}" must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function optionalString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === "string" && value.length > 0) return value;
  return undefined;
}

function optionalInteger(...values: unknown[]): number | undefined {
  for (const value of values) if (typeof value === "number" && Number.isInteger(value)) return value;
  return undefined;
}

function optionalBoolean(fallback: boolean, ...values: unknown[]): boolean {
  for (const value of values) if (typeof value === "boolean") return value;
  return fallback;
}

function parseNormalization(value: unknown, source: string): SaeNormalization {
  if (value === undefined || value === null || value === false) return "none";
  if (value === true) return "expected_average_only_in";
  if (typeof value === "string" && (SAE_NORMALIZATIONS as readonly string[]).includes(value)) {
    return value as SaeNormalization;
  }
  throw new SaeError(
    "SAE_NORMALIZATION_UNKNOWN",
    `${source}: normalize_activations ${JSON.stringify(value)} is not one of ${SAE_NORMALIZATIONS.join(", ")}`,
  );
}

/** Parses cfg.json's JSON value; `source` names the file in error messages. */
export function parseSaeConfig(json: unknown, source = "cfg.json"): SaeConfig {
  if (!isObject(json)) {
    throw new SaeError("SAE_CONFIG_MALFORMED", `${source}: expected a JSON object`);
  }
  // SAELens ≥ 6 nests run metadata under "metadata" (some versions write "meta"); legacy files are flat.
  const metadata = isObject(json.metadata) ? json.metadata : isObject(json.meta) ? json.meta : undefined;
  const format: SaeConfig["format"] = metadata ? "v6" : "legacy";
  const meta = metadata ?? {};

  const activationFn = optionalString(json.activation_fn, json.activation_fn_str);
  const kwargs = isObject(json.activation_fn_kwargs) ? json.activation_fn_kwargs : {};
  let architecture: string;
  if (typeof json.architecture === "string") {
    architecture = json.architecture;
  } else if (json.architecture === undefined || json.architecture === null) {
    if (activationFn === undefined || activationFn === "relu") architecture = "standard";
    else if (activationFn === "topk") architecture = "topk";
    else {
      throw new SaeError(
        "SAE_ARCHITECTURE_UNKNOWN",
        `${source}: activation_fn ${JSON.stringify(activationFn)} is not supported (relu or topk)`,
      );
    }
  } else {
    throw new SaeError("SAE_CONFIG_INVALID", `${source}: "architecture" must be a string`);
  }
  if (!(SAE_ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new SaeError(
      "SAE_ARCHITECTURE_UNKNOWN",
      `${source}: architecture "${architecture}" is not supported (${SAE_ARCHITECTURES.join(", ")})`,
    );
  }
  // A v5/v6 file may say architecture "standard" yet activation_fn "topk" (older SAELens wrote both).
  if (architecture === "standard" && activationFn === "topk") architecture = "topk";

  const dIn = positiveInteger(json.d_in, "d_in", source);
  const dSae = positiveInteger(json.d_sae, "d_sae", source);
  let k: number | undefined;
  if (architecture === "topk") {
    const rawK = json.k ?? kwargs.k;
    if (rawK === undefined) {
      throw new SaeError("SAE_CONFIG_INVALID", `${source}: a topk SAE needs "k" (or activation_fn_kwargs.k)`);
    }
    k = positiveInteger(rawK, "k", source);
    if (k > dSae) {
      throw new SaeError("SAE_CONFIG_INVALID", `${source}: k = ${k} exceeds d_sae = ${dSae}`);
    }
  }

  const normalizeActivations = parseNormalization(json.normalize_activations, source);
  const factor = json.norm_scaling_factor ?? json.activation_norm_scaling_factor;
  let normScalingFactor = 1;
  if (factor !== undefined && factor !== null) {
    if (typeof factor !== "number" || !Number.isFinite(factor) || factor <= 0) {
      throw new SaeError(
        "SAE_CONFIG_INVALID",
        `${source}: norm_scaling_factor must be a positive finite number, got ${JSON.stringify(factor)}`,
      );
    }
    normScalingFactor = factor;
  }

  const reshape = json.reshape_activations;
  if (reshape !== undefined && reshape !== null && reshape !== "none") {
    throw new SaeError(
      "SAE_CONFIG_INVALID",
      `${source}: reshape_activations ${JSON.stringify(reshape)} is not supported (hook_z SAEs are not supported yet)`,
    );
  }

  return {
    format,
    architecture: architecture as SaeArchitecture,
    dIn,
    dSae,
    k,
    applyBDecToInput: optionalBoolean(true, json.apply_b_dec_to_input),
    normalizeActivations,
    normScalingFactor,
    rescaleActsByDecoderNorm: optionalBoolean(false, json.rescale_acts_by_decoder_norm),
    dtype: optionalString(json.dtype) ?? "float32",
    modelName: optionalString(meta.model_name, json.model_name),
    hookName: optionalString(meta.hook_name, json.hook_name, json.hook_point),
    hookLayer: optionalInteger(meta.hook_layer, json.hook_layer, json.hook_point_layer),
    contextSize: optionalInteger(meta.context_size, json.context_size),
    prependBos: optionalBoolean(true, meta.prepend_bos, json.prepend_bos),
    datasetPath: optionalString(meta.dataset_path, json.dataset_path),
    neuronpediaId: optionalString(meta.neuronpedia_id, json.neuronpedia_id),
    raw: json,
  };
}
