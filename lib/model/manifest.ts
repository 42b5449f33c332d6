// Reads and validates a model package's manifest.json (docs/MODEL_PACKAGE.md) and checks that every
// graph and tokenizer file it implies is present.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

export type ModelPackageErrorCode =
  | "MODEL_PACKAGE_MISSING"
  | "MODEL_MANIFEST_MISSING"
  | "MODEL_MANIFEST_MALFORMED"
  | "MODEL_MANIFEST_INVALID"
  | "MODEL_FORMAT_UNSUPPORTED"
  | "MODEL_FILE_MISSING"
  | "MODEL_GRAPH_INVALID"
  | "MODEL_TOKENIZER_INVALID"
  | "MODEL_HOOK_UNKNOWN"
  | "MODEL_INPUT_INVALID";

export class ModelPackageError extends Error {
  readonly code: ModelPackageErrorCode;
  constructor(code: ModelPackageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ModelPackageError";
    this.code = code;
  }
}

export interface ModelManifest {
  format: "featurescope-model-package";
  formatVersion: 1;
  name: string;
  architecture: string;
  dModel: number;
  nLayers: number;
  nHeads: number;
  dHead: number;
  dMlp: number;
  nCtx: number;
  dVocab: number;
  layerNormEps: number;
  actFn: string;
  bosTokenId: number;
  eosTokenId: number;
  prependBos: boolean;
  tokenizer: { type: "byte-bpe"; dir: string; pretokenizer: "gpt2" };
  /** hook name → width of its last axis. */
  hooks: Record<string, number>;
  opset: number;
  dtype: "float32";
  training?: unknown;
}

export const MANIFEST_FILE = "manifest.json";
export const READOUT_FILE = "readout.safetensors";

export function graphFiles(manifest: Pick<ModelManifest, "nLayers">): string[] {
  const files = ["embed.onnx"];
  for (let layer = 0; layer < manifest.nLayers; layer++) {
    files.push(`blocks.${layer}.attn.onnx`, `blocks.${layer}.mlp_in.onnx`, `blocks.${layer}.mlp_out.onnx`);
  }
  files.push("unembed.onnx");
  return files;
}

/** The hook names the graph layout can serve, with their widths. */
export function availableHooks(manifest: Pick<ModelManifest, "nLayers" | "dModel" | "dMlp">): Record<string, number> {
  const hooks: Record<string, number> = {};
  for (let layer = 0; layer < manifest.nLayers; layer++) {
    hooks[`blocks.${layer}.hook_resid_pre`] = manifest.dModel;
    hooks[`blocks.${layer}.hook_resid_mid`] = manifest.dModel;
    hooks[`blocks.${layer}.mlp.hook_post`] = manifest.dMlp;
    hooks[`blocks.${layer}.hook_resid_post`] = manifest.dModel;
  }
  return hooks;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Validates a parsed manifest; `source` names the file in messages. */
export function parseManifest(json: unknown, source = MANIFEST_FILE): ModelManifest {
  const invalid = (message: string) => new ModelPackageError("MODEL_MANIFEST_INVALID", `${source}: ${message}`);
  if (!isObject(json)) throw invalid("expected a JSON object");
  if (json.format !== "featurescope-model-package") {
    throw new ModelPackageError(
      "MODEL_FORMAT_UNSUPPORTED",
      `${source}: format is ${JSON.stringify(json.format)}, expected "featurescope-model-package"`,
    );
  }
  if (json.formatVersion !== 1) {
    throw new ModelPackageError(
      "MODEL_FORMAT_UNSUPPORTED",
      `${source}: formatVersion ${JSON.stringify(json.formatVersion)} is not supported (this runtime reads version 1)`,
    );
  }
  const positive = (field: string): number => {
    const value = json[field];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
      throw invalid(`"${field}" must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const dModel = positive("dModel");
  const nLayers = positive("nLayers");
  const nHeads = positive("nHeads");
  const dHead = positive("dHead");
  const dMlp = positive("dMlp");
  const nCtx = positive("nCtx");
  const dVocab = positive("dVocab");
  if (nHeads * dHead !== dModel) throw invalid(`nHeads × dHead = ${nHeads * dHead} but dModel = ${dModel}`);
  const tokenId = (field: string): number => {
    const value = json[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= dVocab) {
      throw invalid(`"${field}" must be a token id in [0, ${dVocab}), got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const eps = json.layerNormEps ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0)) throw invalid(`"layerNormEps" must be a positive number`);
  if (json.dtype !== undefined && json.dtype !== "float32") throw invalid(`dtype ${JSON.stringify(json.dtype)} is not supported (float32)`);
  const tokenizer = json.tokenizer;
  if (!isObject(tokenizer) || tokenizer.type !== "byte-bpe" || typeof tokenizer.dir !== "string") {
    throw invalid(`"tokenizer" must be {"type": "byte-bpe", "dir": "<folder>", "pretokenizer": "gpt2"}`);
  }
  if (tokenizer.pretokenizer !== undefined && tokenizer.pretokenizer !== "gpt2") {
    throw invalid(`tokenizer.pretokenizer ${JSON.stringify(tokenizer.pretokenizer)} is not supported (gpt2)`);
  }
  if (!isObject(json.hooks)) throw invalid(`"hooks" must map hook names to widths`);
  const serveable = availableHooks({ nLayers, dModel, dMlp });
  const hooks: Record<string, number> = {};
  for (const [name, width] of Object.entries(json.hooks)) {
    if (name === "...") continue;
    if (!(name in serveable)) {
      throw invalid(`hook "${name}" is not a tensor between this package's graphs (${Object.keys(serveable).slice(0, 4).join(", ")}, ...)`);
    }
    if (width !== serveable[name]) throw invalid(`hook "${name}" has width ${JSON.stringify(width)}, expected ${serveable[name]}`);
    hooks[name] = width as number;
  }
  // every tensor between graphs is a hook whether or not the manifest lists it
  Object.assign(hooks, serveable);
  return {
    format: "featurescope-model-package",
    formatVersion: 1,
    name: typeof json.name === "string" ? json.name : "unnamed",
    architecture: typeof json.architecture === "string" ? json.architecture : "gpt2",
    dModel, nLayers, nHeads, dHead, dMlp, nCtx, dVocab,
    layerNormEps: eps,
    actFn: typeof json.actFn === "string" ? json.actFn : "gelu_new",
    bosTokenId: tokenId("bosTokenId"),
    eosTokenId: tokenId("eosTokenId"),
    prependBos: json.prependBos !== false,
    tokenizer: { type: "byte-bpe", dir: tokenizer.dir, pretokenizer: "gpt2" },
    hooks,
    opset: typeof json.opset === "number" ? json.opset : 17,
    dtype: "float32",
    training: json.training,
  };
}

/** Reads manifest.json from a package folder and checks that the files it implies exist. */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const folder = await stat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) throw new ModelPackageError("MODEL_PACKAGE_MISSING", `${dir}: no such model package folder`);
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), "utf8");
  } catch {
    throw new ModelPackageError("MODEL_MANIFEST_MISSING", `${dir}: no ${MANIFEST_FILE}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelPackageError("MODEL_MANIFEST_MALFORMED", `${dir}/${MANIFEST_FILE}: not valid JSON (${(error as Error).message})`);
  }
  const manifest = parseManifest(json, path.join(dir, MANIFEST_FILE));
  const required = [
    ...graphFiles(manifest),
    path.join(manifest.tokenizer.dir, "vocab.json"),
    path.join(manifest.tokenizer.dir, "merges.txt"),
  ];
  const missing: string[] = [];
  for (const file of required) {
    const info = await stat(path.join(dir, file)).catch(() => undefined);
    if (!info?.isFile()) missing.push(file);
  }
  if (missing.length > 0) {
    throw new ModelPackageError("MODEL_FILE_MISSING", `${dir}: missing ${missing.join(", ")}`);
  }
  return manifest;
}
