// Hugging Face checkpoint folder → model package folder. Everything is validated before the first
// byte is written, the package is written into a temporary sibling folder, and only a complete
// package is renamed into place: a failure leaves nothing behind (issue 17 §1).
import { readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { loadModelPackage } from "@/lib/model/model";
import { writeGpt2ModelPackage } from "@/lib/model/gpt2-package";
import { parseHfConfig, type HfConfig } from "./config";
import { HfCheckpointError } from "./errors";
import { gpt2PackageConfig, readGpt2Weights } from "./gpt2";
import { SafetensorsShards } from "./safetensors-shards";
import { byteLevelBpeFiles } from "./tokenizer-files";

export interface ConvertOptions {
  /** The package's (and registered model's) name; default: the checkpoint folder's name. */
  name?: string;
  /** Called after each tensor is read (done, total), for a progress bar. */
  onTensor?: (done: number, total: number, name: string) => void;
}

export async function readHfConfigFile(dir: string): Promise<HfConfig> {
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new HfCheckpointError("HF_FOLDER_MISSING", `${dir}: no such folder`);
  const file = path.join(dir, "config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new HfCheckpointError("HF_CONFIG_MISSING", `${dir} has no config.json (a Hugging Face checkpoint folder as downloaded has one)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HfCheckpointError("HF_CONFIG_MALFORMED", `${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseHfConfig(json, file);
}

/** Converts `hfDir` into a new model package at `outDir` (which must not exist); returns its manifest. */
export async function convertHfCheckpoint(hfDir: string, outDir: string, options: ConvertOptions = {}): Promise<Record<string, unknown>> {
  const config = await readHfConfigFile(hfDir);
  if (config.model_type !== "gpt2") {
    throw new HfCheckpointError(
      "HF_ARCHITECTURE_UNSUPPORTED",
      `${hfDir}: model_type "${config.model_type}": its config.json is valid, but writing ${config.model_type} packages is not implemented yet (the runtime runs the gpt2 layout only)`,
    );
  }
  if (await stat(outDir).catch(() => null)) throw new HfCheckpointError("HF_OUTPUT_EXISTS", `${outDir} already exists; choose a new folder`);
  const name = options.name ?? path.basename(path.resolve(hfDir));
  const packageConfig = gpt2PackageConfig(config, name);
  const tokenizer = await byteLevelBpeFiles(hfDir, { bos: config.bos_token_id, eos: config.eos_token_id });
  const shards = await SafetensorsShards.open(hfDir);
  const partial = `${outDir}.partial-${process.pid}`;
  try {
    const total = config.n_layer * 12 + 4;
    let done = 0;
    const weights = await readGpt2Weights(shards, packageConfig, (tensor) => options.onTensor?.(++done, total, tensor));
    await rm(partial, { recursive: true, force: true });
    const manifest = await writeGpt2ModelPackage(partial, packageConfig, weights, tokenizer, {
      source: { format: "huggingface", modelType: config.model_type, folder: path.resolve(hfDir) },
    });
    // the runtime loads what was written (graphs, tokenizer, wiring) before it is put in place
    await (await loadModelPackage(partial, { intraOpNumThreads: 1 })).dispose();
    await rename(partial, outDir);
    return manifest;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  } finally {
    await shards.close();
  }
}
