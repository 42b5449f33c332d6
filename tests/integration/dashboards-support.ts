/**
 * Fixtures for the import and dashboard integration tests: the runtime's tiny random model package,
 * SAELens folders written from weights built in the test, and a small deterministic corpus.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeFixtureModelPackage } from "@/lib/model/fixtures";
import { encodeSafetensors } from "@/lib/safetensors/safetensors";
import { fixtureRandom, randomArray } from "@/lib/sae/fixtures";

export const HOOK = "blocks.0.hook_resid_post";

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `fs-${prefix}-`));
}

/**
 * Writes the fixture model package. All integration files share one database, so a test that
 * asserts the model is newly registered passes its own `name` (written into manifest.json).
 */
export async function writeModel(root: string, name?: string): Promise<{ dir: string; dModel: number; nCtx: number; name: string }> {
  const dir = path.join(root, "model");
  const { manifest } = await writeFixtureModelPackage(dir);
  if (name) {
    manifest.name = name;
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  }
  return { dir, dModel: manifest.dModel as number, nCtx: manifest.nCtx as number, name: manifest.name as string };
}

export interface SaeTensors {
  W_enc: Float32Array; // [dIn, dSae]
  b_enc: Float32Array;
  W_dec: Float32Array; // [dSae, dIn]
  b_dec: Float32Array;
}

export function randomSaeTensors(dIn: number, dSae: number, seed: number): SaeTensors {
  const random = fixtureRandom(seed);
  return {
    W_enc: randomArray(random, dIn * dSae, 0.8),
    b_enc: randomArray(random, dSae, 0.3),
    W_dec: randomArray(random, dSae * dIn, 0.5),
    b_dec: new Float32Array(dIn),
  };
}

/** Writes a SAELens v6 folder; `configPatch` and `tensorPatch` make malformed variants. */
export async function writeSae(
  dir: string,
  tensors: Record<string, Float32Array>,
  shape: { dIn: number; dSae: number },
  options: { configPatch?: Record<string, unknown>; rawConfig?: string; omitWeights?: boolean; shapes?: Record<string, number[]> } = {},
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const config = {
    architecture: "standard", d_in: shape.dIn, d_sae: shape.dSae, dtype: "float32", apply_b_dec_to_input: false,
    normalize_activations: "none", metadata: { model_name: "fixture-2l-d8", hook_name: HOOK, context_size: 16, prepend_bos: true },
    ...options.configPatch,
  };
  await writeFile(path.join(dir, "cfg.json"), options.rawConfig ?? JSON.stringify(config));
  if (!options.omitWeights) {
    const entries = Object.fromEntries(Object.entries(tensors).map(([name, data]) => {
      const shapeOf = options.shapes?.[name]
        ?? (name === "W_enc" ? [shape.dIn, shape.dSae] : name === "W_dec" ? [shape.dSae, shape.dIn] : name === "b_dec" ? [shape.dIn] : [shape.dSae]);
      return [name, { dtype: "F32" as const, shape: shapeOf, data }];
    }));
    await writeFile(path.join(dir, "sae_weights.safetensors"), encodeSafetensors(entries));
  }
  return dir;
}

const WORDS = [
  "the", "cat", "sat", "on", "a", "mat", "and", "the", "dog", "ran", "to", "Paris", "in", "spring", "while", "rivers",
  "flow", "over", "stones", "{", "}", "=>", "const", "x", "=", "42;", "hello", "world", "über", "café", "1999", "2024",
];

/** A small corpus: `docs` jsonl documents plus a held-out file. */
export async function writeCorpus(dir: string, docs = 60, seed = 11): Promise<string> {
  await mkdir(dir, { recursive: true });
  const random = fixtureRandom(seed);
  const doc = () => Array.from({ length: 20 + Math.floor(random() * 40) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
  const lines = (n: number) => Array.from({ length: n }, () => JSON.stringify({ text: doc() })).join("\n") + "\n";
  await writeFile(path.join(dir, "train.jsonl"), lines(docs));
  await writeFile(path.join(dir, "heldout.jsonl"), lines(8));
  return dir;
}
