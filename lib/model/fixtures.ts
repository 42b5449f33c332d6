// Writes small random GPT-2-style model packages (docs/MODEL_PACKAGE.md) for runtime tests and
// benchmarks, so they run without the demo model; weights are also returned for reference runs.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fixtureRandom, randomArray } from "@/lib/sae/fixtures";
import { gpt2WeightShapes, writeGpt2ModelPackage, type Gpt2Config, type Gpt2Weights } from "./gpt2-package";

export interface FixtureModelSpec {
  dModel: number;
  nHeads: number;
  dMlp: number;
  nLayers: number;
  nCtx: number;
  /** Default: the tokenizer fixture's vocabulary size (337). */
  dVocab?: number;
  seed: number;
}

export const FIXTURE_MODEL: FixtureModelSpec = { dModel: 8, nHeads: 2, dMlp: 16, nLayers: 2, nCtx: 16, seed: 3 };

function tokenizerFixture(): { vocab: Record<string, number>; merges: string[] } {
  return JSON.parse(readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "tokenizer/bpe.fixture.json"), "utf8"));
}

/** Random GPT-2 weights with scales that keep activations lively. */
export function randomGpt2Weights(config: Gpt2Config, seed: number): Gpt2Weights {
  const random = fixtureRandom(seed);
  const weights: Gpt2Weights = {};
  for (const [name, shape] of Object.entries(gpt2WeightShapes(config))) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (/ln_.*\.weight$/.test(name)) weights[name] = Float32Array.from({ length: n }, () => 1 + (random() - 0.5) * 0.2);
    else if (name.endsWith(".bias")) weights[name] = randomArray(random, n, 0.1);
    else if (name === "wte.weight") weights[name] = randomArray(random, n, 1);
    else if (name === "wpe.weight") weights[name] = randomArray(random, n, 0.5);
    else weights[name] = randomArray(random, n, 1.2 / Math.sqrt(shape[0]));
  }
  return weights;
}

/** Writes the package to `dir`; returns its manifest, config and weights. */
export async function writeFixtureModelPackage(dir: string, spec: FixtureModelSpec = FIXTURE_MODEL) {
  const bpe = tokenizerFixture();
  const config: Gpt2Config = {
    name: `fixture-${spec.nLayers}l-d${spec.dModel}`, dModel: spec.dModel, nHeads: spec.nHeads, dMlp: spec.dMlp,
    nLayers: spec.nLayers, nCtx: spec.nCtx, dVocab: spec.dVocab ?? Object.keys(bpe.vocab).length,
    layerNormEps: 1e-5, bosTokenId: 0, eosTokenId: 0, prependBos: true,
  };
  const weights = randomGpt2Weights(config, spec.seed);
  const manifest = await writeGpt2ModelPackage(dir, config, weights, {
    vocabJson: JSON.stringify(bpe.vocab),
    mergesTxt: `#version: 0.2\n${bpe.merges.join("\n")}\n`,
    tokenizerConfigJson: JSON.stringify({ bosToken: "<|endoftext|>", eosToken: "<|endoftext|>", specialTokens: { "<|endoftext|>": 0 } }),
  }, { note: "random weights for tests and benchmarks" });
  return { manifest, config, weights };
}
