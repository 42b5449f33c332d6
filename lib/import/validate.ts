/**
 * Validation of a model package and an SAE folder before anything is written: the model's manifest,
 * files, tokenizer and graphs (by loading them); the SAE's config, tensor shapes and dtypes and
 * finiteness (lib/sae's loader), that its hook exists in the model and that d_in equals the hook's
 * width. Every failure is a typed error with a specific message.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { loadModelPackage, type ModelSession } from "@/lib/model";
import { readManifest, type ModelManifest } from "@/lib/model/manifest";
import { parseSaeConfig, SaeError, type Sae, type SaeConfig } from "@/lib/sae";
import { loadSae, SAE_CONFIG_FILE, SAE_SPARSITY_FILE, SAE_WEIGHTS_FILE } from "@/lib/sae/load";
import { ImportError } from "./errors";

export interface ValidatedSae {
  dir: string;
  config: SaeConfig;
  hookName: string;
  layer: number;
  /** sha256 of cfg.json and the weights (and sparsity when present). */
  contentHash: string;
}

async function hashFiles(files: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(`${path.basename(file)}\0`);
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(file);
      stream.on("data", (chunk) => hash.update(chunk));
      stream.on("end", resolve);
      stream.on("error", (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? resolve() : reject(error)));
    });
  }
  return hash.digest("hex");
}

/** The layer from cfg.json, else from the hook name (blocks.L.…). */
export function hookLayer(config: Pick<SaeConfig, "hookLayer">, hookName: string): number {
  if (config.hookLayer !== undefined) return config.hookLayer;
  const match = /^blocks\.(\d+)\./.exec(hookName);
  return match ? Number(match[1]) : 0;
}

/** Reads cfg.json and checks the hook against the model's manifest, without loading weights. */
export async function checkSaeAgainstManifest(dir: string, manifest: ModelManifest): Promise<{ config: SaeConfig; hookName: string }> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new SaeError("SAE_FOLDER_MISSING", `${dir}: no such SAE folder`);
  let text: string;
  try {
    text = await readFile(path.join(dir, SAE_CONFIG_FILE), "utf8");
  } catch {
    throw new SaeError("SAE_CONFIG_MISSING", `${dir}: no ${SAE_CONFIG_FILE}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SaeError("SAE_CONFIG_MALFORMED", `${dir}/${SAE_CONFIG_FILE}: not valid JSON (${(error as Error).message})`);
  }
  const config = parseSaeConfig(json, path.join(dir, SAE_CONFIG_FILE));
  const hookName = config.hookName;
  if (!hookName) {
    throw new ImportError("IMPORT_HOOK_MISSING", `${dir}/${SAE_CONFIG_FILE} names no hook (hook_name in metadata, or hook_name/hook_point)`);
  }
  const width = manifest.hooks[hookName];
  if (width === undefined) {
    throw new ImportError(
      "IMPORT_HOOK_UNKNOWN",
      `${dir}: the SAE reads hook "${hookName}", which model ${manifest.name} does not have (it has ${Object.keys(manifest.hooks).join(", ")})`,
    );
  }
  if (width !== config.dIn) {
    throw new SaeError("SAE_HOOK_WIDTH_MISMATCH", `${dir}: SAE d_in is ${config.dIn} but ${manifest.name}'s hook ${hookName} has width ${width}`);
  }
  return { config, hookName };
}

/** Validates an SAE folder against a model (cheap checks first, then the full weight validation). */
export async function validateSae(dir: string, manifest: ModelManifest, options: { keepLoaded?: boolean } = {}): Promise<ValidatedSae & { sae?: Sae }> {
  const { config, hookName } = await checkSaeAgainstManifest(dir, manifest);
  const sae = await loadSae(dir, { hookWidth: manifest.hooks[hookName], intraOpNumThreads: 1 });
  const contentHash = await hashFiles([SAE_CONFIG_FILE, SAE_WEIGHTS_FILE, SAE_SPARSITY_FILE].map((f) => path.join(dir, f)));
  const validated = { dir: path.resolve(dir), config, hookName, layer: hookLayer(config, hookName), contentHash };
  if (options.keepLoaded) return { ...validated, sae };
  await sae.dispose();
  return validated;
}

export interface ValidatedModel {
  dir: string;
  manifest: ModelManifest;
  /** Display text of every token id the tokenizer knows. */
  tokenTexts: string[];
}

/** Validates a model package by reading its manifest and loading its tokenizer and graphs. */
export async function validateModelPackage(dir: string, options: { keepLoaded?: boolean } = {}): Promise<ValidatedModel & { session?: ModelSession }> {
  const manifest = await readManifest(dir);
  const session = await loadModelPackage(dir, { intraOpNumThreads: 1 });
  const tokenTexts: string[] = [];
  for (let id = 0; id < session.tokenizer.vocabSize; id++) {
    // PostgreSQL text cannot hold NUL; show it the way the UI shows other control bytes
    tokenTexts.push(session.tokenizer.tokenText(id).replace(/\u0000/g, "\\x00"));
  }
  const validated = { dir: path.resolve(dir), manifest, tokenTexts };
  if (options.keepLoaded) return { ...validated, session };
  await session.dispose();
  return validated;
}
