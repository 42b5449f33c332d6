// Tiny random checkpoints in Hugging Face's exact on-disk layout (config.json fields, tensor names
// and shapes, dtypes, sharding with model.safetensors.index.json, tokenizer files) for tests and
// for the PyTorch reference (scripts/hf-reference/). Deterministic: the same variant always gives
// the same bytes, which the committed reference records as a hash.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { randomGpt2Weights } from "@/lib/model/fixtures";
import { gpt2WeightShapes, type Gpt2Config } from "@/lib/model/gpt2-package";
import { encodeFloats, encodeSafetensors, type SafetensorsTensorInput } from "@/lib/safetensors/safetensors";

export interface Gpt2CheckpointVariant {
  id: string;
  dtype: "F32" | "F16" | "BF16";
  /** 1: model.safetensors; more: model-0000i-of-0000n.safetensors + index. */
  shards: number;
  /** GPT2LMHeadModel's "transformer." prefix (and its lm_head.weight, causal-mask buffers). */
  lmHeadLayout: boolean;
  /** vocab.json + merges.txt, or tokenizer.json only. */
  tokenizer: "vocab-merges" | "tokenizer.json";
}

export const GPT2_VARIANTS: Gpt2CheckpointVariant[] = [
  { id: "gpt2-f32-single", dtype: "F32", shards: 1, lmHeadLayout: true, tokenizer: "vocab-merges" },
  { id: "gpt2-bf16-sharded", dtype: "BF16", shards: 2, lmHeadLayout: false, tokenizer: "tokenizer.json" },
];

export const FIXTURE_GPT2: Gpt2Config = {
  name: "hf-fixture-gpt2", dModel: 16, nHeads: 4, dMlp: 40, nLayers: 2, nCtx: 24, dVocab: 337,
  layerNormEps: 1e-5, bosTokenId: 0, eosTokenId: 0, prependBos: true,
};

function bpeFixture(): { vocab: Record<string, number>; merges: string[] } {
  const file = path.join(path.dirname(new URL(import.meta.url).pathname), "../model/tokenizer/bpe.fixture.json");
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Writes the variant's checkpoint folder into `dir` (created). */
export async function writeGpt2Checkpoint(dir: string, variant: Gpt2CheckpointVariant, c: Gpt2Config = FIXTURE_GPT2, seed = 17): Promise<void> {
  await mkdir(dir, { recursive: true });
  const weights = randomGpt2Weights(c, seed);
  const prefix = variant.lmHeadLayout ? "transformer." : "";
  const tensors: Array<[string, SafetensorsTensorInput]> = [];
  const add = (name: string, shape: number[], values: Float32Array) =>
    tensors.push([name, { dtype: variant.dtype, shape, data: encodeFloats(values, variant.dtype) }]);
  for (const [name, shape] of Object.entries(gpt2WeightShapes(c))) add(prefix + name, shape, weights[name]);
  if (variant.lmHeadLayout) {
    add("lm_head.weight", [c.dVocab, c.dModel], weights["wte.weight"]);
    // old checkpoints carry the causal mask as a buffer; the reader must ignore it
    for (let l = 0; l < c.nLayers; l++) {
      const mask = new Uint8Array(c.nCtx * c.nCtx);
      for (let i = 0; i < c.nCtx; i++) for (let j = 0; j <= i; j++) mask[i * c.nCtx + j] = 1;
      tensors.push([`transformer.h.${l}.attn.bias`, { dtype: "BOOL", shape: [1, 1, c.nCtx, c.nCtx], data: mask }]);
    }
  }
  if (variant.shards === 1) {
    await writeFile(path.join(dir, "model.safetensors"), encodeSafetensors(Object.fromEntries(tensors), { format: "pt" }));
  } else {
    const weightMap: Record<string, string> = {};
    const per = Math.ceil(tensors.length / variant.shards);
    for (let s = 0; s < variant.shards; s++) {
      const file = `model-${String(s + 1).padStart(5, "0")}-of-${String(variant.shards).padStart(5, "0")}.safetensors`;
      const part = tensors.slice(s * per, (s + 1) * per);
      for (const [name] of part) weightMap[name] = file;
      await writeFile(path.join(dir, file), encodeSafetensors(Object.fromEntries(part), { format: "pt" }));
    }
    await writeFile(path.join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }, null, 2));
  }
  await writeFile(path.join(dir, "config.json"), JSON.stringify({
    architectures: ["GPT2LMHeadModel"], model_type: "gpt2", activation_function: "gelu_new",
    n_embd: c.dModel, n_head: c.nHeads, n_layer: c.nLayers, n_inner: c.dMlp, n_positions: c.nCtx, n_ctx: c.nCtx,
    vocab_size: c.dVocab, layer_norm_epsilon: c.layerNormEps, bos_token_id: c.bosTokenId, eos_token_id: c.eosTokenId,
    torch_dtype: { F32: "float32", F16: "float16", BF16: "bfloat16" }[variant.dtype],
  }, null, 2));
  const bpe = bpeFixture();
  if (variant.tokenizer === "vocab-merges") {
    await writeFile(path.join(dir, "vocab.json"), JSON.stringify(bpe.vocab));
    await writeFile(path.join(dir, "merges.txt"), `#version: 0.2\n${bpe.merges.join("\n")}\n`);
  } else {
    await writeFile(path.join(dir, "tokenizer.json"), JSON.stringify({
      version: "1.0",
      added_tokens: [{ id: 0, content: "<|endoftext|>", special: true }],
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      decoder: { type: "ByteLevel" },
      model: { type: "BPE", vocab: bpe.vocab, merges: bpe.merges.map((m) => m.split(" ")) },
    }));
  }
  await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({
    bos_token: "<|endoftext|>", eos_token: "<|endoftext|>", model_max_length: c.nCtx,
    added_tokens_decoder: { "0": { content: "<|endoftext|>", special: true, lstrip: false, rstrip: false, normalized: true, single_word: false } },
  }, null, 2));
}

/** sha256 over the folder's files (names and bytes, sorted by name). */
export async function checkpointHash(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of (await readdir(dir)).sort()) {
    hash.update(file).update("\0").update(await readFile(path.join(dir, file))).update("\0");
  }
  return hash.digest("hex");
}

/** A tiny LlamaForCausalLM config with GQA and Llama 3 RoPE scaling whose frequencies fall in all three bands. */
export const FIXTURE_LLAMA_CONFIG = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", vocab_size: 64, hidden_size: 32, intermediate_size: 48,
  num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, hidden_act: "silu",
  max_position_embeddings: 512, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: false,
  rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 128 },
  bos_token_id: 1, eos_token_id: 2, torch_dtype: "bfloat16",
};

/** Writes a random Llama checkpoint (BF16, one file) with the given tensor shapes. */
export async function writeLlamaCheckpoint(dir: string, shapes: Record<string, number[]>, seed = 23): Promise<void> {
  await mkdir(dir, { recursive: true });
  const random = mulberry(seed);
  const tensors: Record<string, SafetensorsTensorInput> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = name.endsWith("norm.weight")
      ? Float32Array.from({ length: n }, () => 1 + (random() - 0.5) * 0.4)
      : Float32Array.from({ length: n }, () => (random() * 2 - 1) * (name.includes("embed") ? 1 : 1.5 / Math.sqrt(shape[1] ?? 1)));
    tensors[name] = { dtype: "BF16", shape, data: encodeFloats(values, "BF16") };
  }
  await writeFile(path.join(dir, "model.safetensors"), encodeSafetensors(tensors, { format: "pt" }));
  await writeFile(path.join(dir, "config.json"), JSON.stringify(FIXTURE_LLAMA_CONFIG, null, 2));
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
