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
import { checkpointHash, GPT2_VARIANTS, writeGpt2Checkpoint } from "../../lib/hf/checkpoint-fixtures";

export const REFERENCE_PROMPT = [0, 71, 104, 101, 32, 113, 117, 105, 99, 107];
const NEW_TOKENS = 4;
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
}

await main();
