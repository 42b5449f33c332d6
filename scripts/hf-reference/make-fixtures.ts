/**
 * Writes lib/hf/fixtures/<variant>.json: for each random checkpoint variant (lib/hf/checkpoint-fixtures.ts),
 * the checkpoint's hash and the PyTorch reference (gpt2_reference.py, run with /usr/bin/python3 and
 * its torch) — logits, TransformerLens-named hooks and a greedy continuation. CI has no torch: the
 * tests compare against these committed numbers. Run: npx tsx scripts/hf-reference/make-fixtures.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkpointHash, FIXTURE_LLAMA_CONFIG, GPT2_VARIANTS, writeGpt2Checkpoint, writeLlamaCheckpoint } from "../../lib/hf/checkpoint-fixtures";
import { parseHfConfig, type HfLlamaConfig } from "../../lib/hf/config";
import { llamaWeightShapes } from "../../lib/hf/llama-graphs";

export const REFERENCE_PROMPT = [0, 71, 104, 101, 32, 113, 117, 105, 99, 107];
const NEW_TOKENS = 4;
export const LLAMA_PROMPT = [1, 17, 5, 63, 40, 8, 22, 31, 9];
const here = path.dirname(new URL(import.meta.url).pathname);

async function main() {
  for (const variant of GPT2_VARIANTS) {
    const dir = await mkdtemp(path.join(tmpdir(), `hf-${variant.id}-`));
    try {
      await writeGpt2Checkpoint(dir, variant);
      const out = execFileSync("/usr/bin/python3", [path.join(here, "gpt2_reference.py"), dir, JSON.stringify(REFERENCE_PROMPT), String(NEW_TOKENS)], {
        encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
      });
      const reference = { variant: variant.id, checkpointSha256: await checkpointHash(dir), ...JSON.parse(out) };
      const file = path.join(here, "../../lib/hf/fixtures", `${variant.id}.json`);
      await writeFile(file, JSON.stringify(reference) + "\n");
      console.log(`wrote ${file}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  // Llama: prompt of 9 ids; the test runs the first 8 and then the 9th with the KV cache
  const dir = await mkdtemp(path.join(tmpdir(), "hf-llama-"));
  try {
    await writeLlamaCheckpoint(dir, llamaWeightShapes(parseHfConfig(FIXTURE_LLAMA_CONFIG) as HfLlamaConfig));
    const out = execFileSync("/usr/bin/python3", [path.join(here, "llama_reference.py"), dir, JSON.stringify(LLAMA_PROMPT)], {
      encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
    });
    const file = path.join(here, "../../lib/hf/fixtures/llama.json");
    await writeFile(file, JSON.stringify({ variant: "llama", checkpointSha256: await checkpointHash(dir), ...JSON.parse(out) }) + "\n");
    console.log(`wrote ${file}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
