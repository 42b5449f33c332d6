// Writes a model package (docs/MODEL_PACKAGE.md) from GPT-2 weights named the Hugging Face way
// (wte, wpe, h.L.ln_1, h.L.attn.c_attn, …; Conv1D weights [in, out]), building each graph with the
// ONNX graph builder — used for test fixtures, benchmarks, and to bring a real GPT-2-style model.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { encodeSafetensors, type SafetensorsFile } from "@/lib/safetensors/safetensors";
import { OnnxGraphBuilder, float } from "./onnx-graph";

export interface Gpt2Config {
  name: string;
  dModel: number;
  nHeads: number;
  dMlp: number;
  nLayers: number;
  nCtx: number;
  dVocab: number;
  layerNormEps: number;
  bosTokenId: number;
  eosTokenId: number;
  prependBos: boolean;
}

/** Tensor name → float32 values, Hugging Face GPT-2 names without the "transformer." prefix. */
export type Gpt2Weights = Record<string, Float32Array>;

export function gpt2WeightShapes(c: Gpt2Config): Record<string, number[]> {
  const D = c.dModel;
  const shapes: Record<string, number[]> = { "wte.weight": [c.dVocab, D], "wpe.weight": [c.nCtx, D], "ln_f.weight": [D], "ln_f.bias": [D] };
  for (let l = 0; l < c.nLayers; l++) {
    Object.assign(shapes, {
      [`h.${l}.ln_1.weight`]: [D], [`h.${l}.ln_1.bias`]: [D],
      [`h.${l}.attn.c_attn.weight`]: [D, 3 * D], [`h.${l}.attn.c_attn.bias`]: [3 * D],
      [`h.${l}.attn.c_proj.weight`]: [D, D], [`h.${l}.attn.c_proj.bias`]: [D],
      [`h.${l}.ln_2.weight`]: [D], [`h.${l}.ln_2.bias`]: [D],
      [`h.${l}.mlp.c_fc.weight`]: [D, c.dMlp], [`h.${l}.mlp.c_fc.bias`]: [c.dMlp],
      [`h.${l}.mlp.c_proj.weight`]: [c.dMlp, D], [`h.${l}.mlp.c_proj.bias`]: [D],
    });
  }
  return shapes;
}

/** Reads GPT-2 weights from a Hugging Face safetensors file (with or without the "transformer." prefix). */
export function gpt2WeightsFromSafetensors(file: SafetensorsFile, config: Gpt2Config): Gpt2Weights {
  const weights: Gpt2Weights = {};
  for (const [name, shape] of Object.entries(gpt2WeightShapes(config))) {
    const stored = file.has(name) ? name : `transformer.${name}`;
    const info = file.info(stored);
    if (info.shape.join() !== shape.join()) throw new Error(`${stored} has shape [${info.shape}], expected [${shape}]`);
    weights[name] = file.toFloat32(stored);
  }
  return weights;
}

function layerNorm(g: OnnxGraphBuilder, x: string, w: Gpt2Weights, prefix: string, eps: number): string {
  const scale = g.initializer(`${prefix}.weight`, w[`${prefix}.weight`], [w[`${prefix}.weight`].length]);
  const bias = g.initializer(`${prefix}.bias`, w[`${prefix}.bias`], [w[`${prefix}.bias`].length]);
  return g.op("LayerNormalization", [x, scale, bias], { axis: -1, epsilon: float(eps) });
}

function linear(g: OnnxGraphBuilder, x: string, w: Gpt2Weights, prefix: string, dIn: number, dOut: number): string {
  const weight = g.initializer(`${prefix}.weight`, w[`${prefix}.weight`], [dIn, dOut]);
  const bias = g.initializer(`${prefix}.bias`, w[`${prefix}.bias`], [dOut]);
  return g.op("Add", [g.op("MatMul", [x, weight]), bias]);
}

export function buildEmbedGraph(c: Gpt2Config, w: Gpt2Weights): Uint8Array {
  const g = new OnnxGraphBuilder("embed");
  const ids = g.input("input_ids", "int64", ["B", "T"]);
  const pos = g.input("position_ids", "int64", ["B", "T"]);
  const tokens = g.op("Gather", [g.initializer("wte.weight", w["wte.weight"], [c.dVocab, c.dModel]), ids], { axis: 0 });
  const positions = g.op("Gather", [g.initializer("wpe.weight", w["wpe.weight"], [c.nCtx, c.dModel]), pos], { axis: 0 });
  g.output(g.op("Add", [tokens, positions]), "resid", "float32", ["B", "T", c.dModel]);
  return g.toModelBytes();
}

/** Causal self-attention with a KV cache and a padding mask, as the package's attn graph. */
export function buildAttnGraph(c: Gpt2Config, w: Gpt2Weights, layer: number): Uint8Array {
  const D = c.dModel;
  const H = c.nHeads;
  const dHead = D / H;
  const g = new OnnxGraphBuilder(`blocks.${layer}.attn`);
  const residPre = g.input("resid_pre", "float32", ["B", "T", D]);
  const mask = g.input("attention_mask", "float32", ["B", "S"]);
  const pastKey = g.input("past_key", "float32", ["B", H, "P", dHead]);
  const pastValue = g.input("past_value", "float32", ["B", H, "P", dHead]);
  const qkv = linear(g, layerNorm(g, residPre, w, `h.${layer}.ln_1`, c.layerNormEps), w, `h.${layer}.attn.c_attn`, D, 3 * D);
  const [q, k, v] = g.ops("Split", [qkv], 3, { axis: 2 });
  const heads = (x: string) => g.op("Transpose", [g.op("Reshape", [x, g.constInt64([0, 0, H, dHead])])], { perm: [0, 2, 1, 3] });
  const keys = g.op("Concat", [pastKey, heads(k)], { axis: 2 });
  const values = g.op("Concat", [pastValue, heads(v)], { axis: 2 });
  g.output(keys, "present_key", "float32", ["B", H, "S", dHead]);
  g.output(values, "present_value", "float32", ["B", H, "S", dHead]);
  const scores = g.op("Mul", [
    g.op("MatMul", [heads(q), g.op("Transpose", [keys], { perm: [0, 1, 3, 2] })]),
    g.constFloat([1 / Math.sqrt(dHead)], []),
  ]);
  // query at absolute position P + t sees keys 0 … P + t whose attention_mask is 1
  const scalar = (x: string) => g.op("Squeeze", [x, g.constInt64([0])]);
  const past = scalar(g.op("Shape", [pastKey], { start: 2, end: 3 }));
  const total = scalar(g.op("Shape", [keys], { start: 2, end: 3 }));
  const one = g.constInt64([1], []);
  const causal = g.op("LessOrEqual", [
    g.op("Unsqueeze", [g.op("Range", [g.constInt64([0], []), total, one]), g.constInt64([0])]),
    g.op("Unsqueeze", [g.op("Range", [past, total, one]), g.constInt64([1])]),
  ]);
  const keep = g.op("Unsqueeze", [g.op("Greater", [mask, g.constFloat([0.5], [])]), g.constInt64([1, 2])]);
  // a large finite negative (not −∞) keeps fully masked padding rows finite
  const probs = g.op("Softmax", [g.op("Where", [g.op("And", [causal, keep]), scores, g.constFloat([-1e9], [])])], { axis: -1 });
  const z = g.op("Reshape", [
    g.op("Transpose", [g.op("MatMul", [probs, values])], { perm: [0, 2, 1, 3] }),
    g.constInt64([0, 0, D]),
  ]);
  g.output(g.op("Add", [residPre, linear(g, z, w, `h.${layer}.attn.c_proj`, D, D)]), "resid_mid", "float32", ["B", "T", D]);
  return g.toModelBytes();
}

export function buildMlpInGraph(c: Gpt2Config, w: Gpt2Weights, layer: number): Uint8Array {
  const g = new OnnxGraphBuilder(`blocks.${layer}.mlp_in`);
  const residMid = g.input("resid_mid", "float32", ["B", "T", c.dModel]);
  const pre = linear(g, layerNorm(g, residMid, w, `h.${layer}.ln_2`, c.layerNormEps), w, `h.${layer}.mlp.c_fc`, c.dModel, c.dMlp);
  // gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  const cube = g.op("Mul", [pre, g.op("Mul", [pre, pre])]);
  const inner = g.op("Mul", [g.constFloat([Math.sqrt(2 / Math.PI)], []), g.op("Add", [pre, g.op("Mul", [cube, g.constFloat([0.044715], [])])])]);
  const gelu = g.op("Mul", [g.op("Mul", [pre, g.constFloat([0.5], [])]), g.op("Add", [g.constFloat([1], []), g.op("Tanh", [inner])])]);
  g.output(gelu, "mlp_post", "float32", ["B", "T", c.dMlp]);
  return g.toModelBytes();
}

export function buildMlpOutGraph(c: Gpt2Config, w: Gpt2Weights, layer: number): Uint8Array {
  const g = new OnnxGraphBuilder(`blocks.${layer}.mlp_out`);
  const residMid = g.input("resid_mid", "float32", ["B", "T", c.dModel]);
  const post = g.input("mlp_post", "float32", ["B", "T", c.dMlp]);
  g.output(g.op("Add", [residMid, linear(g, post, w, `h.${layer}.mlp.c_proj`, c.dMlp, c.dModel)]), "resid_post", "float32", ["B", "T", c.dModel]);
  return g.toModelBytes();
}

/** W_U = wte.weightᵀ (tied, no bias), as GPT-2. */
export function unembedMatrix(c: Gpt2Config, w: Gpt2Weights): Float32Array {
  const wte = w["wte.weight"];
  const wU = new Float32Array(c.dModel * c.dVocab);
  for (let t = 0; t < c.dVocab; t++) for (let d = 0; d < c.dModel; d++) wU[d * c.dVocab + t] = wte[t * c.dModel + d];
  return wU;
}

export function buildUnembedGraph(c: Gpt2Config, w: Gpt2Weights, wU: Float32Array): Uint8Array {
  const g = new OnnxGraphBuilder("unembed");
  const resid = g.input("resid", "float32", ["B", "T", c.dModel]);
  const logits = g.op("MatMul", [layerNorm(g, resid, w, "ln_f", c.layerNormEps), g.initializer("W_U", wU, [c.dModel, c.dVocab])]);
  g.output(logits, "logits", "float32", ["B", "T", c.dVocab]);
  return g.toModelBytes();
}

export interface TokenizerFiles {
  vocabJson: string;
  mergesTxt: string;
  tokenizerConfigJson: string;
}

/** Writes every graph, readout.safetensors, the tokenizer and manifest.json into `dir`. */
export async function writeGpt2ModelPackage(
  dir: string,
  c: Gpt2Config,
  w: Gpt2Weights,
  tokenizer: TokenizerFiles,
  training: unknown = {},
): Promise<Record<string, unknown>> {
  for (const [name, shape] of Object.entries(gpt2WeightShapes(c))) {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (!w[name] || w[name].length !== expected) throw new Error(`weight ${name}: expected ${expected} values [${shape}]`);
  }
  await mkdir(path.join(dir, "tokenizer"), { recursive: true });
  const save = (name: string, bytes: Uint8Array) => writeFile(path.join(dir, name), bytes);
  await save("embed.onnx", buildEmbedGraph(c, w));
  const readout: Record<string, { dtype: "F32"; shape: number[]; data: Float32Array }> = {};
  const hooks: Record<string, number> = {};
  for (let layer = 0; layer < c.nLayers; layer++) {
    await save(`blocks.${layer}.attn.onnx`, buildAttnGraph(c, w, layer));
    await save(`blocks.${layer}.mlp_in.onnx`, buildMlpInGraph(c, w, layer));
    await save(`blocks.${layer}.mlp_out.onnx`, buildMlpOutGraph(c, w, layer));
    readout[`blocks.${layer}.W_out`] = { dtype: "F32", shape: [c.dMlp, c.dModel], data: w[`h.${layer}.mlp.c_proj.weight`] };
    hooks[`blocks.${layer}.hook_resid_pre`] = c.dModel;
    hooks[`blocks.${layer}.hook_resid_mid`] = c.dModel;
    hooks[`blocks.${layer}.mlp.hook_post`] = c.dMlp;
    hooks[`blocks.${layer}.hook_resid_post`] = c.dModel;
  }
  const wU = unembedMatrix(c, w);
  await save("unembed.onnx", buildUnembedGraph(c, w, wU));
  readout.W_U = { dtype: "F32", shape: [c.dModel, c.dVocab], data: wU };
  await save("readout.safetensors", encodeSafetensors(readout));
  await writeFile(path.join(dir, "tokenizer/vocab.json"), tokenizer.vocabJson);
  await writeFile(path.join(dir, "tokenizer/merges.txt"), tokenizer.mergesTxt);
  await writeFile(path.join(dir, "tokenizer/tokenizer_config.json"), tokenizer.tokenizerConfigJson);
  const manifest = {
    format: "featurescope-model-package", formatVersion: 1, name: c.name, architecture: "gpt2",
    dModel: c.dModel, nLayers: c.nLayers, nHeads: c.nHeads, dHead: c.dModel / c.nHeads, dMlp: c.dMlp,
    nCtx: c.nCtx, dVocab: c.dVocab, layerNormEps: c.layerNormEps, actFn: "gelu_new",
    bosTokenId: c.bosTokenId, eosTokenId: c.eosTokenId, prependBos: c.prependBos,
    tokenizer: { type: "byte-bpe", dir: "tokenizer", pretokenizer: "gpt2" },
    hooks, opset: 17, dtype: "float32", training,
  };
  await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return manifest;
}
