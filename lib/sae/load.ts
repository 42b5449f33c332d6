// Loads any SAELens SAE folder (cfg.json + sae_weights.safetensors [+ sparsity.safetensors]),
// validating config, tensor names, shapes, dtypes and values before building its ORT sessions.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createSession, type ExecutionProviderName } from "@/lib/model/execution-provider";
import { SafetensorsError, parseSafetensors, type SafetensorsFile } from "@/lib/safetensors/safetensors";
import { parseSaeConfig, type SaeConfig } from "./config";
import { SaeError } from "./errors";
import { buildDecodeGraph, buildEncodeGraph, type SaeWeights } from "./graph";
import { Sae } from "./sae";

export const SAE_CONFIG_FILE = "cfg.json";
export const SAE_WEIGHTS_FILE = "sae_weights.safetensors";
export const SAE_SPARSITY_FILE = "sparsity.safetensors";

export interface LoadSaeOptions {
  /** The model's width at the SAE's hook; a different d_in is an error. */
  hookWidth?: number;
  /** Width of the sparse (top active) form per token; default k for topk, else min(d_sae, 128). */
  sparseWidth?: number;
  executionProviders?: ExecutionProviderName[];
  intraOpNumThreads?: number;
}

export interface SaeFiles {
  config: Uint8Array | string | Record<string, unknown>;
  weights: Uint8Array;
  sparsity?: Uint8Array;
  /** Names the SAE in error messages (usually its folder). */
  source?: string;
}

const ENCODER_TENSORS: Record<SaeConfig["architecture"], string[]> = {
  standard: ["W_enc", "b_enc", "W_dec", "b_dec"],
  topk: ["W_enc", "b_enc", "W_dec", "b_dec"],
  jumprelu: ["W_enc", "b_enc", "W_dec", "b_dec", "threshold"],
  gated: ["W_enc", "b_gate", "b_mag", "r_mag", "W_dec", "b_dec"],
};

function expectedShape(name: string, config: SaeConfig): number[] {
  if (name === "W_enc") return [config.dIn, config.dSae];
  if (name === "W_dec") return [config.dSae, config.dIn];
  if (name === "b_dec") return [config.dIn];
  return [config.dSae];
}

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
  // SAELens sometimes saves vectors as [1, d]; accept a leading 1.
  const squeezed = actual.length === expected.length + 1 && actual[0] === 1 ? actual.slice(1) : actual;
  return squeezed.length === expected.length && squeezed.every((d, i) => d === expected[i]);
}

function checkFinite(name: string, values: Float32Array, shape: number[], source: string): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      bad += 1;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    const position = shape.length === 2 ? `[${Math.floor(first / shape[1])}, ${first % shape[1]}]` : `[${first}]`;
    throw new SaeError(
      "SAE_WEIGHTS_NOT_FINITE",
      `${source}: ${name} has ${bad} non-finite value${bad === 1 ? "" : "s"} (first at ${position} = ${values[first]})`,
    );
  }
}

function parseWeights(bytes: Uint8Array, file: string): SafetensorsFile {
  try {
    return parseSafetensors(bytes, file);
  } catch (error) {
    if (error instanceof SafetensorsError) {
      throw new SaeError("SAE_WEIGHTS_MALFORMED", error.message, { cause: error, detailCode: error.code });
    }
    throw error;
  }
}

/** Reads and validates weights against the config; returns float32 weights with folding applied. */
export function readSaeWeights(file: SafetensorsFile, config: SaeConfig, source: string): SaeWeights {
  const names = [...ENCODER_TENSORS[config.architecture]];
  // JumpReLU training checkpoints store log_threshold instead of threshold
  const logThreshold = config.architecture === "jumprelu" && !file.has("threshold") && file.has("log_threshold");
  if (logThreshold) names[names.indexOf("threshold")] = "log_threshold";
  const weights: Record<string, Float32Array> = {};
  for (const name of names) {
    if (!file.has(name)) {
      throw new SaeError(
        "SAE_TENSOR_MISSING",
        `${source}: a ${config.architecture} SAE needs tensor "${name}"; the file has ${file.names().join(", ") || "none"}`,
      );
    }
    const info = file.info(name);
    const expected = expectedShape(name, config);
    if (!sameShape(info.shape, expected)) {
      throw new SaeError(
        "SAE_TENSOR_SHAPE_MISMATCH",
        `${source}: ${name} has shape [${info.shape.join(", ")}] but cfg.json (d_in=${config.dIn}, d_sae=${config.dSae}) implies [${expected.join(", ")}]`,
      );
    }
    if (!["F32", "F16", "BF16", "F64"].includes(info.dtype)) {
      throw new SaeError(
        "SAE_WEIGHTS_MALFORMED",
        `${source}: ${name} has dtype ${info.dtype}; SAE weights must be float32, float16, bfloat16 or float64`,
        { detailCode: "SAFETENSORS_DTYPE_UNSUPPORTED" },
      );
    }
    const values = file.toFloat32(name);
    checkFinite(name, values, expected, source);
    weights[name] = values;
  }
  if (logThreshold) {
    weights.threshold = weights.log_threshold.map(Math.exp);
    delete weights.log_threshold;
  }
  refuseFinetuningScalingFactor(file, source);
  const result = weights as unknown as SaeWeights;
  if (config.rescaleActsByDecoderNorm) foldDecoderNorm(result, config);
  return result;
}

/**
 * Old SAELens SAEs could carry a `scaling_factor` tensor that multiplied feature activations before
 * decoding (cfg `finetuning_scaling_factor`). SAELens's read_sae_components_from_disk drops it when
 * it is all ones and otherwise keeps it as `finetuning_scaling_factor`, which no 6.x SAE class has.
 * Not implemented here, so refused by name unless it is all ones (torch.allclose's tolerances).
 */
function refuseFinetuningScalingFactor(file: SafetensorsFile, source: string): void {
  for (const name of ["scaling_factor", "finetuning_scaling_factor"]) {
    if (!file.has(name)) continue;
    const values = file.toFloat32(name);
    const index = values.findIndex((v) => !(Math.abs(v - 1) <= 1e-8 + 1e-5));
    if (index >= 0) {
      throw new SaeError(
        "SAE_OPTION_UNSUPPORTED",
        `${source}: tensor "${name}" (finetuning_scaling_factor) is not supported: it rescales feature activations before decoding and ${name}[${index}] = ${values[index]}, not 1`,
      );
    }
  }
}

/**
 * TopK with rescale_acts_by_decoder_norm multiplies pre-activations by ‖W_dec[i]‖ before choosing
 * the top k and divides activations by it before decoding (SAELens topk_sae.py TopKSAE.encode /
 * decode). Folding the norms into W_enc and b_enc and normalising W_dec (SAELens _fold_norm_topk)
 * gives the same activations and reconstructions with a plain TopK SAE.
 */
function foldDecoderNorm(weights: SaeWeights, config: SaeConfig): void {
  const { dIn, dSae } = config;
  const norms = new Float32Array(dSae);
  for (let i = 0; i < dSae; i++) {
    let sum = 0;
    for (let j = 0; j < dIn; j++) sum += weights.W_dec[i * dIn + j] ** 2;
    norms[i] = Math.sqrt(sum) || 1;
  }
  for (let i = 0; i < dSae; i++) for (let j = 0; j < dIn; j++) weights.W_dec[i * dIn + j] /= norms[i];
  for (let r = 0; r < dIn; r++) for (let i = 0; i < dSae; i++) weights.W_enc[r * dSae + i] *= norms[i];
  for (let i = 0; i < dSae; i++) weights.b_enc![i] *= norms[i];
}

function parseConfigInput(input: SaeFiles["config"], source: string): SaeConfig {
  let json: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    const text = typeof input === "string" ? input : new TextDecoder().decode(input);
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new SaeError("SAE_CONFIG_MALFORMED", `${source}: cfg.json is not valid JSON (${(error as Error).message})`);
    }
  }
  return parseSaeConfig(json, `${source}/${SAE_CONFIG_FILE}`);
}

/** Loads an SAE from in-memory files (uploads, tests); loadSae reads a folder and calls this. */
export async function loadSaeFromFiles(files: SaeFiles, options: LoadSaeOptions = {}): Promise<Sae> {
  const source = files.source ?? "<sae>";
  const config = parseConfigInput(files.config, source);
  if (options.hookWidth !== undefined && options.hookWidth !== config.dIn) {
    throw new SaeError(
      "SAE_HOOK_WIDTH_MISMATCH",
      `${source}: SAE d_in is ${config.dIn} but the model's hook ${config.hookName ?? ""} has width ${options.hookWidth}`.replace("  ", " "),
    );
  }
  const weights = readSaeWeights(parseWeights(files.weights, `${source}/${SAE_WEIGHTS_FILE}`), config, source);

  let logSparsity: Float32Array | undefined;
  if (files.sparsity) {
    const sparsityFile = parseWeights(files.sparsity, `${source}/${SAE_SPARSITY_FILE}`);
    if (!sparsityFile.has("sparsity")) {
      throw new SaeError("SAE_TENSOR_MISSING", `${source}/${SAE_SPARSITY_FILE}: no tensor named "sparsity"`);
    }
    const shape = sparsityFile.info("sparsity").shape;
    if (!sameShape(shape, [config.dSae])) {
      throw new SaeError(
        "SAE_TENSOR_SHAPE_MISMATCH",
        `${source}/${SAE_SPARSITY_FILE}: sparsity has shape [${shape.join(", ")}], expected [${config.dSae}]`,
      );
    }
    logSparsity = sparsityFile.toFloat32("sparsity");
    // log10(0) = −∞ is a legitimate "never fired"; NaN is not
    const nan = logSparsity.findIndex((v) => Number.isNaN(v));
    if (nan >= 0) {
      throw new SaeError("SAE_WEIGHTS_NOT_FINITE", `${source}/${SAE_SPARSITY_FILE}: sparsity[${nan}] is NaN`);
    }
  }

  const sparseWidth = Math.min(
    config.dSae,
    Math.max(1, options.sparseWidth ?? (config.architecture === "topk" ? config.k! : 128)),
  );
  const sessionOptions = { executionProviders: options.executionProviders, intraOpNumThreads: options.intraOpNumThreads };
  const encode = await createSession(buildEncodeGraph(config, weights, sparseWidth), sessionOptions);
  const decode = await createSession(buildDecodeGraph(config, weights), {
    ...sessionOptions,
    executionProviders: [encode.executionProvider],
  });
  return new Sae(
    { config, logSparsity, source },
    weights,
    { encode: encode.session, decode: decode.session, executionProvider: encode.executionProvider },
    sparseWidth,
  );
}

async function readOptional(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Loads a SAELens SAE folder. */
export async function loadSae(dir: string, options: LoadSaeOptions = {}): Promise<Sae> {
  const folder = await stat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) throw new SaeError("SAE_FOLDER_MISSING", `${dir}: no such SAE folder`);
  const config = await readOptional(path.join(dir, SAE_CONFIG_FILE));
  if (!config) throw new SaeError("SAE_CONFIG_MISSING", `${dir}: no ${SAE_CONFIG_FILE}`);
  const weights = await readOptional(path.join(dir, SAE_WEIGHTS_FILE));
  if (!weights) throw new SaeError("SAE_WEIGHTS_MISSING", `${dir}: no ${SAE_WEIGHTS_FILE}`);
  const sparsity = await readOptional(path.join(dir, SAE_SPARSITY_FILE));
  return loadSaeFromFiles({ config, weights, sparsity, source: dir }, options);
}
