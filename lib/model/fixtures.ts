// Writes a tiny random GPT-2-style model package (docs/MODEL_PACKAGE.md) built with the ONNX graph
// builder, so runtime tests run without the demo model: 2 layers, d_model 8, 2 heads, vocab from
// the tokenizer fixture.
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { encodeSafetensors } from "@/lib/safetensors/safetensors";
import { fixtureRandom, randomArray } from "@/lib/sae/fixtures";
import { OnnxGraphBuilder, float } from "./onnx-graph";

export interface FixtureModelSpec {
  dModel: number;
  nHeads: number;
  dMlp: number;
  nLayers: number;
  nCtx: number;
  seed: number;
}

export const FIXTURE_MODEL: FixtureModelSpec = { dModel: 8, nHeads: 2, dMlp: 16, nLayers: 2, nCtx: 16, seed: 3 };

function layerNorm(g: OnnxGraphBuilder, x: string, d: number, random: () => number, eps: number): string {
  const scale = g.constFloat(Float32Array.from({ length: d }, () => 1 + (random() - 0.5) * 0.2));
  const bias = g.constFloat(randomArray(random, d, 0.05));
  return g.op("LayerNormalization", [x, scale, bias], { axis: -1, epsilon: float(eps) });
}

/** Writes the package to `dir`; returns its manifest. */
export async function writeFixtureModelPackage(dir: string, spec: FixtureModelSpec = FIXTURE_MODEL): Promise<Record<string, unknown>> {
  const bpe = JSON.parse(readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "tokenizer/bpe.fixture.json"), "utf8")) as {
    vocab: Record<string, number>;
    merges: string[];
  };
  const dVocab = Object.keys(bpe.vocab).length;
  const { dModel: D, nHeads: H, dMlp: M, nLayers, nCtx } = spec;
  const dHead = D / H;
  const eps = 1e-5;
  const random = fixtureRandom(spec.seed);
  await mkdir(path.join(dir, "tokenizer"), { recursive: true });
  const save = (name: string, g: OnnxGraphBuilder) => writeFile(path.join(dir, name), g.toModelBytes());

  const wE = randomArray(random, dVocab * D, 1);
  {
    const g = new OnnxGraphBuilder("embed");
    const ids = g.input("input_ids", "int64", ["B", "T"]);
    const pos = g.input("position_ids", "int64", ["B", "T"]);
    const tokens = g.op("Gather", [g.initializer("W_E", wE, [dVocab, D]), ids], { axis: 0 });
    const positions = g.op("Gather", [g.initializer("W_pos", randomArray(random, nCtx * D, 0.5), [nCtx, D]), pos], { axis: 0 });
    g.output(g.op("Add", [tokens, positions]), "resid", "float32", ["B", "T", D]);
    await save("embed.onnx", g);
  }

  const readout: Record<string, { dtype: "F32"; shape: number[]; data: Float32Array }> = {};
  for (let layer = 0; layer < nLayers; layer++) {
    {
      const g = new OnnxGraphBuilder(`blocks.${layer}.attn`);
      const residPre = g.input("resid_pre", "float32", ["B", "T", D]);
      const mask = g.input("attention_mask", "float32", ["B", "S"]);
      const pastKey = g.input("past_key", "float32", ["B", H, "P", dHead]);
      const pastValue = g.input("past_value", "float32", ["B", H, "P", dHead]);
      const ln = layerNorm(g, residPre, D, random, eps);
      const qkv = g.op("Add", [g.op("MatMul", [ln, g.constFloat(randomArray(random, D * 3 * D, 0.6), [D, 3 * D])]), g.constFloat(randomArray(random, 3 * D, 0.1))]);
      const [q, k, v] = g.ops("Split", [qkv], 3, { axis: 2 });
      const heads = (x: string) => g.op("Transpose", [g.op("Reshape", [x, g.constInt64([0, 0, H, dHead])])], { perm: [0, 2, 1, 3] });
      const keys = g.op("Concat", [pastKey, heads(k)], { axis: 2 }, "present_key_all");
      const values = g.op("Concat", [pastValue, heads(v)], { axis: 2 }, "present_value_all");
      g.output(keys, "present_key", "float32", ["B", H, "S", dHead]);
      g.output(values, "present_value", "float32", ["B", H, "S", dHead]);
      const scores = g.op("Mul", [
        g.op("MatMul", [heads(q), g.op("Transpose", [keys], { perm: [0, 1, 3, 2] })]),
        g.constFloat([1 / Math.sqrt(dHead)], []),
      ]);
      const scalar = (x: string) => g.op("Squeeze", [x, g.constInt64([0])]);
      const past = scalar(g.op("Shape", [pastKey], { start: 2, end: 3 }));
      const total = scalar(g.op("Shape", [keys], { start: 2, end: 3 }));
      const one = g.constInt64([1], []);
      const keyIndex = g.op("Range", [g.constInt64([0], []), total, one]);
      const queryIndex = g.op("Range", [past, total, one]);
      const causal = g.op("LessOrEqual", [
        g.op("Unsqueeze", [keyIndex, g.constInt64([0])]),
        g.op("Unsqueeze", [queryIndex, g.constInt64([1])]),
      ]);
      const keep = g.op("Unsqueeze", [g.op("Greater", [mask, g.constFloat([0.5], [])]), g.constInt64([1, 2])]);
      const allowed = g.op("And", [causal, keep]);
      const probs = g.op("Softmax", [g.op("Where", [allowed, scores, g.constFloat([-1e9], [])])], { axis: -1 });
      const z = g.op("Reshape", [
        g.op("Transpose", [g.op("MatMul", [probs, values])], { perm: [0, 2, 1, 3] }),
        g.constInt64([0, 0, D]),
      ]);
      const out = g.op("Add", [g.op("MatMul", [z, g.constFloat(randomArray(random, D * D, 0.5), [D, D])]), g.constFloat(randomArray(random, D, 0.1))]);
      g.output(g.op("Add", [residPre, out]), "resid_mid", "float32", ["B", "T", D]);
      await save(`blocks.${layer}.attn.onnx`, g);
    }
    {
      const g = new OnnxGraphBuilder(`blocks.${layer}.mlp_in`);
      const residMid = g.input("resid_mid", "float32", ["B", "T", D]);
      const pre = g.op("Add", [g.op("MatMul", [layerNorm(g, residMid, D, random, eps), g.constFloat(randomArray(random, D * M, 0.6), [D, M])]), g.constFloat(randomArray(random, M, 0.2))]);
      const cube = g.op("Mul", [pre, g.op("Mul", [pre, pre])]);
      const inner = g.op("Mul", [g.constFloat([Math.sqrt(2 / Math.PI)], []), g.op("Add", [pre, g.op("Mul", [cube, g.constFloat([0.044715], [])])])]);
      const gelu = g.op("Mul", [g.op("Mul", [pre, g.constFloat([0.5], [])]), g.op("Add", [g.constFloat([1], []), g.op("Tanh", [inner])])]);
      g.output(gelu, "mlp_post", "float32", ["B", "T", M]);
      await save(`blocks.${layer}.mlp_in.onnx`, g);
    }
    {
      const g = new OnnxGraphBuilder(`blocks.${layer}.mlp_out`);
      const residMid = g.input("resid_mid", "float32", ["B", "T", D]);
      const post = g.input("mlp_post", "float32", ["B", "T", M]);
      const wOut = randomArray(random, M * D, 0.4);
      readout[`blocks.${layer}.W_out`] = { dtype: "F32", shape: [M, D], data: wOut };
      const out = g.op("Add", [g.op("MatMul", [post, g.constFloat(wOut, [M, D])]), g.constFloat(randomArray(random, D, 0.1))]);
      g.output(g.op("Add", [residMid, out]), "resid_post", "float32", ["B", "T", D]);
      await save(`blocks.${layer}.mlp_out.onnx`, g);
    }
  }
  {
    const g = new OnnxGraphBuilder("unembed");
    const resid = g.input("resid", "float32", ["B", "T", D]);
    const wU = new Float32Array(D * dVocab);
    for (let t = 0; t < dVocab; t++) for (let d = 0; d < D; d++) wU[d * dVocab + t] = wE[t * D + d]; // tied
    readout.W_U = { dtype: "F32", shape: [D, dVocab], data: wU };
    g.output(g.op("MatMul", [layerNorm(g, resid, D, random, eps), g.constFloat(wU, [D, dVocab])]), "logits", "float32", ["B", "T", dVocab]);
    await save("unembed.onnx", g);
  }
  await writeFile(path.join(dir, "readout.safetensors"), encodeSafetensors(readout));
  await writeFile(path.join(dir, "tokenizer/vocab.json"), JSON.stringify(bpe.vocab));
  await writeFile(path.join(dir, "tokenizer/merges.txt"), `#version: 0.2\n${bpe.merges.join("\n")}\n`);
  await writeFile(path.join(dir, "tokenizer/tokenizer_config.json"), JSON.stringify({
    bosToken: "<|endoftext|>", eosToken: "<|endoftext|>", specialTokens: { "<|endoftext|>": 0 },
  }));
  const hooks: Record<string, number> = {};
  for (let layer = 0; layer < nLayers; layer++) {
    hooks[`blocks.${layer}.hook_resid_pre`] = D;
    hooks[`blocks.${layer}.hook_resid_mid`] = D;
    hooks[`blocks.${layer}.mlp.hook_post`] = M;
    hooks[`blocks.${layer}.hook_resid_post`] = D;
  }
  const manifest = {
    format: "featurescope-model-package", formatVersion: 1, name: "fixture-2l", architecture: "gpt2",
    dModel: D, nLayers, nHeads: H, dHead, dMlp: M, nCtx, dVocab, layerNormEps: eps, actFn: "gelu_new",
    bosTokenId: 0, eosTokenId: 0, prependBos: true,
    tokenizer: { type: "byte-bpe", dir: "tokenizer", pretokenizer: "gpt2" },
    hooks, opset: 17, dtype: "float32", training: { note: "random weights for tests" },
  };
  await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return manifest;
}
