// Parity of the TypeScript runtime with the recipe's PyTorch reference (demo/reference, written by
// scripts/recipe): tokenizer ids exactly; logits and hook activations within 1e-4; SAE active sets identical.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "@/lib/safetensors/safetensors";
import { loadSae } from "@/lib/sae/load";
import type { Sae } from "@/lib/sae/sae";
import { loadModelPackage } from "./model";
import { BpeTokenizer } from "./tokenizer/bpe";

// FEATURESCOPE_PARITY_ROOT points at another checkout's demo/ (e.g. a recipe run in progress elsewhere)
const root = process.env.FEATURESCOPE_PARITY_ROOT ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const referenceDir = path.join(root, "demo/reference");
const modelDir = path.join(root, "demo/model");
const parityFile = path.join(referenceDir, "tokenizer_parity.jsonl.gz");
const hasTokenizerReference = existsSync(parityFile);
// demo/reference/README.md describes the layout; prompts.json indexes the model/SAE reference outputs.
const promptsFile = path.join(referenceDir, "prompts.json");
const hasModelReference = existsSync(promptsFile);

if (!hasTokenizerReference) console.warn("tokenizer parity skipped: demo/reference/tokenizer_parity.jsonl.gz is absent (scripts/recipe writes it)");
if (!hasModelReference) console.warn("model/SAE parity skipped: demo/reference/prompts.json is absent (scripts/recipe/make_reference.py writes it)");

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

interface ReferencePrompt {
  file: string;
  name: string;
  text: string;
  ids: number[];
  nTokens: number;
}

/** max |a − b| / max(1, |b|): SAE values sum hundreds of float32 products, so judge them relatively. */
function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(diff <= max)) max = diff;
  }
  return max;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (!(diff <= max)) max = diff; // NaN propagates
  }
  return max;
}

describe.skipIf(!hasModelReference)("model and SAE parity with the recipe (demo/reference/prompts.json)", () => {
  const TOLERANCE = 1e-4;

  it("logits, every hook, and every SAE's active features match PyTorch", async () => {
    const index = JSON.parse(readFileSync(promptsFile, "utf8")) as { saes: string[]; prompts: ReferencePrompt[] };
    expect(index.prompts.length).toBeGreaterThan(0);
    const model = await loadModelPackage(modelDir, { executionProviders: ["cpu"] });
    const saes = new Map<string, Sae>();
    try {
      for (const id of index.saes) {
        const dir = path.join(root, "demo/saes", id);
        const probe = await loadSae(dir, { executionProviders: ["cpu"] });
        const hookWidth = model.hookWidth(probe.hookName!);
        await probe.dispose();
        saes.set(id, await loadSae(dir, { executionProviders: ["cpu"], hookWidth }));
      }
      const report: string[] = [];
      for (const prompt of index.prompts) {
        const reference = await readSafetensors(path.join(referenceDir, prompt.file));
        const ids = Array.from(reference.toFloat32("input_ids"), Math.round);
        expect(ids, `${prompt.name}: input_ids`).toEqual(prompt.ids);
        // the runtime's own tokenizer must give the same ids (BOS first)
        expect(model.encode(prompt.text), `${prompt.name}: tokenization`).toEqual(prompt.ids);
        const hooks = Object.keys(model.hooks);
        const out = await model.forward([ids], { capture: hooks });
        const logitDiff = maxAbsDiff(out.logits!, reference.toFloat32("logits"));
        expect(logitDiff, `${prompt.name}: logits`).toBeLessThan(TOLERANCE);
        let hookDiff = 0;
        for (const hook of hooks) {
          if (!reference.has(hook)) continue;
          const diff = maxAbsDiff(out.activations[hook], reference.toFloat32(hook));
          expect(diff, `${prompt.name}: ${hook}`).toBeLessThan(TOLERANCE);
          hookDiff = Math.max(hookDiff, diff);
        }
        let saeDiff = 0;
        for (const [id, sae] of saes) {
          // the reference encodes its own hook activations: use them, so only the SAE is compared
          const x = reference.toFloat32(sae.hookName!);
          const { encoding, reconstruction } = await sae.reconstruct(x);
          const refIndices = reference.toFloat32(`sae.${id}.indices`);
          const refValues = reference.toFloat32(`sae.${id}.values`);
          const K = reference.info(`sae.${id}.indices`).shape[1];
          for (let t = 0; t < prompt.nTokens; t++) {
            const expected = new Map<number, number>();
            for (let j = 0; j < K; j++) {
              const index = refIndices[t * K + j];
              if (index >= 0) expected.set(index, refValues[t * K + j]);
            }
            const got = new Map<number, number>();
            for (let i = 0; i < sae.dSae; i++) {
              const value = encoding.featureActs[t * sae.dSae + i];
              if (value > 0) got.set(i, value);
            }
            expect([...got.keys()].sort((a, b) => a - b), `${prompt.name}: ${id} active set at position ${t}`)
              .toEqual([...expected.keys()].sort((a, b) => a - b));
            for (const [i, value] of expected) saeDiff = Math.max(saeDiff, Math.abs(got.get(i)! - value) / Math.max(1, Math.abs(value)));
          }
          const reconDiff = maxScaledDiff(reconstruction, reference.toFloat32(`sae.${id}.reconstruction`));
          expect(reconDiff, `${prompt.name}: ${id} reconstruction`).toBeLessThan(TOLERANCE);
          saeDiff = Math.max(saeDiff, reconDiff);
        }
        expect(saeDiff, `${prompt.name}: SAE activations (relative to max(1, |value|))`).toBeLessThan(TOLERANCE);
        report.push(`${prompt.name} (${prompt.nTokens} tokens): logits ${logitDiff.toExponential(1)}, hooks ${hookDiff.toExponential(1)}, SAEs ${saeDiff.toExponential(1)} (relative)`);
      }
      console.info(`parity (max |difference|):\n  ${report.join("\n  ")}`);
    } finally {
      for (const sae of saes.values()) await sae.dispose();
      await model.dispose();
    }
  }, 120_000);
});
