// Reads a SAELens cfg.json — the v6 shape and the legacy flat shape — into one normalised SaeConfig,
// applying SAELens's defaults for missing fields (see shared INTERP.md §2) and reading each option
// exactly as SAELens does (sae_lens/saes/*.py and loading/pretrained_sae_loaders.py
// handle_pre_6_0_config, as of SAELens 6.x): an option SAELens drops for an architecture is dropped
// here too (and named in `ignoredOptions`), and an option that would change the SAE's math but is
// not implemented here is refused by name — never silently ignored. docs/RUNTIME.md lists every field.
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
   * out (SAELens SAE.fold_activation_norm_scaling_factor gives the same SAE). A cfg.json carries it
   * as `norm_scaling_factor` (or `activation_norm_scaling_factor`); without it the SAE is refused
   * (SAE_NORM_SCALING_FACTOR_MISSING), because its activations would be in the wrong units: SAELens
   * only warns and runs it unscaled. 1 when there is no normalisation.
   */
  normScalingFactor: number;
  /** TopK only (SAELens's TopKSAEConfig is the only config with the field; others drop it). */
  rescaleActsByDecoderNorm: boolean;
  /** cfg.json fields present but without effect for this SAE, as in SAELens (shown on import). */
  ignoredOptions: string[];
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

  const ignoredOptions: string[] = [];
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
    if (normalizeActivations === "expected_average_only_in") normScalingFactor = factor;
    else ignoredOptions.push(`norm_scaling_factor (normalize_activations is ${normalizeActivations})`);
  } else if (normalizeActivations === "expected_average_only_in") {
    // SAELens's from_pretrained folds the factor from its pretrained_saes.yaml and otherwise only
    // warns ("Skipping normalization folding") and runs the SAE on unscaled inputs, which gives
    // activations in the wrong units. Refuse, and say how to supply the factor.
    throw new SaeError(
      "SAE_NORM_SCALING_FACTOR_MISSING",
      `${source}: normalize_activations is "expected_average_only_in" but cfg.json has no norm_scaling_factor. ` +
        "The SAE was trained on inputs multiplied by a constant that is not in the folder, so its activations " +
        'would be wrong. Add "norm_scaling_factor": <value> to cfg.json (SAELens lists it in ' +
        "sae_lens/pretrained_saes.yaml under the SAE's release and id), or fold it into the weights " +
        '(W_enc × factor, W_dec ÷ factor, b_dec ÷ factor) and set normalize_activations to "none".',
    );
  }

  const reshape = json.reshape_activations;
  if (reshape !== undefined && reshape !== null && reshape !== "none") {
    throw new SaeError(
      "SAE_OPTION_UNSUPPORTED",
      `${source}: reshape_activations ${JSON.stringify(reshape)} is not supported (hook_z SAEs, which flatten attention heads, are not supported yet)`,
    );
  }
  // SAELens renames legacy hook_point_head_index to hook_head_index (metadata): the SAE reads one
  // attention head's slice of the hook, which this runtime does not do.
  const headIndex = meta.hook_head_index ?? json.hook_head_index ?? json.hook_point_head_index;
  if (headIndex !== undefined && headIndex !== null) {
    throw new SaeError(
      "SAE_OPTION_UNSUPPORTED",
      `${source}: hook_head_index ${JSON.stringify(headIndex)} is not supported (the SAE reads one attention head; only whole-hook SAEs are)`,
    );
  }

  // Only TopKSAEConfig has rescale_acts_by_decoder_norm; SAELens's from_dict keeps the fields of
  // the architecture's config class (filter_valid_dataclass_fields), so for the others it is dropped.
  const rescaleRequested = optionalBoolean(false, json.rescale_acts_by_decoder_norm);
  const rescaleActsByDecoderNorm = rescaleRequested && architecture === "topk";
  if (rescaleRequested && !rescaleActsByDecoderNorm) {
    ignoredOptions.push(`rescale_acts_by_decoder_norm (SAELens applies it to topk SAEs only; this one is ${architecture})`);
  }
  if (architecture !== "topk" && json.k !== undefined && json.k !== null) {
    ignoredOptions.push(`k (only topk SAEs keep the top k; this one is ${architecture})`);
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
    rescaleActsByDecoderNorm,
    ignoredOptions,
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
