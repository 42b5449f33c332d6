// Hugging Face checkpoint import: config validation, sharded safetensors reading, and parity of the
// converted package with a PyTorch reference written from modeling_gpt2.py
// (scripts/hf-reference/gpt2_reference.py; numbers committed in lib/hf/fixtures/ because CI has no torch).
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelPackage } from "@/lib/model/model";
import { checkpointHash, GPT2_VARIANTS, writeGpt2Checkpoint } from "./checkpoint-fixtures";
import { parseHfConfig } from "./config";
import { convertHfCheckpoint } from "./convert";
import { HfCheckpointError } from "./errors";
import { SafetensorsShards } from "./safetensors-shards";

interface Reference {
  checkpointSha256: string;
  prompt: number[];
  logits: number[][];
  hooks: Record<string, number[][]>;
  steps: Array<{ logits: number[]; token: number }>;
}

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "hf-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(HfCheckpointError);
  expect((error as HfCheckpointError).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

function maxDiff(got: ArrayLike<number>, want: number[]): number {
  expect(got.length).toBe(want.length);
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
  return max;
}

describe("config.json", () => {
  const gpt2 = { model_type: "gpt2", vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12 };
  it("applies GPT2Config's defaults", () => {
    const c = parseHfConfig(gpt2);
    expect(c).toMatchObject({ activation_function: "gelu_new", layer_norm_epsilon: 1e-5, bos_token_id: 50256, tie_word_embeddings: true });
  });
  it("refuses architectures by name", () => {
    expect(() => parseHfConfig({ model_type: "t5" })).toThrow(/model_type "t5" is not supported \(supported: gpt2, llama\)/);
    expect(() => parseHfConfig({ model_type: "gemma2" })).toThrow(/not supported yet/);
    expect(() => parseHfConfig({ vocab_size: 3 })).toThrow(/"model_type" is missing/);
  });
  it("names the invalid field", () => {
    expect(() => parseHfConfig({ ...gpt2, n_head: 7 })).toThrow(/n_head/);
    expect(() => parseHfConfig({ ...gpt2, activation_function: "relu" })).toThrow(/"relu" is not supported/);
    expect(() => parseHfConfig({ ...gpt2, n_layer: -1 })).toThrow(/n_layer/);
  });
  it("reads Llama 3 rope scaling (old 'type' key too) and GQA", () => {
    const llama = {
      model_type: "llama", vocab_size: 128256, hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16,
      num_attention_heads: 32, num_key_value_heads: 8, rope_theta: 500000,
      rope_scaling: { type: "llama3", factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      eos_token_id: [128001, 128008, 128009],
    };
    const c = parseHfConfig(llama);
    expect(c.model_type === "llama" && c.rope_scaling).toMatchObject({ rope_type: "llama3", factor: 32 });
    expect(() => parseHfConfig({ ...llama, num_key_value_heads: 5 })).toThrow(/not a multiple of num_key_value_heads 5/);
    expect(() => parseHfConfig({ ...llama, rope_scaling: { rope_type: "yarn", factor: 4 } })).toThrow(/rope_scaling/);
  });
});

describe("reading a checkpoint folder", () => {
  it("reads sharded BF16 tensors one by one through the index", async () => {
    const dir = path.join(root, "sharded");
    await writeGpt2Checkpoint(dir, GPT2_VARIANTS[1]);
    expect((await readdir(dir)).filter((f) => f.endsWith(".safetensors"))).toHaveLength(2);
    const shards = await SafetensorsShards.open(dir);
    try {
      expect(shards.info("h.1.mlp.c_proj.weight").file).toBe("model-00002-of-00002.safetensors");
      const ln = await shards.float32("h.0.ln_1.weight", [16]);
      expect(ln.every((x) => x > 0.85 && x < 1.15)).toBe(true);
      await expectCode(shards.float32("wte.weight", [16, 337]), "HF_TENSOR_SHAPE_MISMATCH", /wte.weight has shape \[337,16\]/);
      await expectCode(shards.float32("nope"), "HF_TENSOR_MISSING");
    } finally {
      await shards.close();
    }
  });

  it("gives one clear error per broken folder and writes nothing", async () => {
    const out = path.join(root, "never-written");
    await expectCode(convertHfCheckpoint(path.join(root, "absent"), out), "HF_FOLDER_MISSING");
    const dir = path.join(root, "broken");
    await writeGpt2Checkpoint(dir, GPT2_VARIANTS[1]);
    const index = path.join(dir, "model.safetensors.index.json");
    const goodIndex = await readFile(index, "utf8");
    await writeFile(index, goodIndex.replace(/model-00002-of-00002/g, "model-00003-of-00002"));
    await expectCode(convertHfCheckpoint(dir, out), "HF_WEIGHTS_MISSING", /names shard model-00003-of-00002.safetensors/);
    await writeFile(index, goodIndex.replace('"weight_map": {', '"weight_map": {"../x": "../../etc/passwd",'));
    await expectCode(convertHfCheckpoint(dir, out), "HF_WEIGHTS_INDEX_INVALID", /not a file name/);
    await writeFile(index, goodIndex);
    // a shard cut short is caught from its header before any tensor is read
    const shard = path.join(dir, "model-00001-of-00002.safetensors");
    const bytes = await readFile(shard);
    await writeFile(shard, bytes.subarray(0, bytes.length - 10));
    await expectCode(convertHfCheckpoint(dir, out), "HF_WEIGHTS_MALFORMED", /SAFETENSORS_TRUNCATED/);
    await writeFile(shard, bytes);
    const config = path.join(dir, "config.json");
    const goodConfig = await readFile(config, "utf8");
    await writeFile(config, goodConfig.replace('"gpt2"', '"llama"'));
    await expectCode(convertHfCheckpoint(dir, out), "HF_CONFIG_INVALID", /hidden_size/);
    await writeFile(config, "{");
    await expectCode(convertHfCheckpoint(dir, out), "HF_CONFIG_MALFORMED");
    await writeFile(config, goodConfig);
    await rm(path.join(dir, "tokenizer.json"));
    await expectCode(convertHfCheckpoint(dir, out), "HF_TOKENIZER_MISSING", /neither vocab.json \+ merges.txt nor tokenizer.json/);
    expect(await stat(out).catch(() => null)).toBeNull();
    expect((await readdir(root)).filter((f) => f.includes(".partial-"))).toEqual([]);
  });
});

describe.each(GPT2_VARIANTS)("GPT-2 checkpoint $id → package, against the PyTorch reference", (variant) => {
  const reference = JSON.parse(readFileSync(path.join(fixtures, `${variant.id}.json`), "utf8")) as Reference;

  it("converts, loads, and matches logits and every hook within 1e-4, with and without the KV cache", async () => {
    const dir = path.join(root, variant.id);
    await writeGpt2Checkpoint(dir, variant);
    // the reference was computed on exactly these bytes (scripts/hf-reference/make-fixtures.ts)
    expect(await checkpointHash(dir)).toBe(reference.checkpointSha256);
    const out = path.join(root, `${variant.id}-package`);
    const progress: number[] = [];
    const manifest = await convertHfCheckpoint(dir, out, { name: variant.id, onTensor: (done) => void progress.push(done) });
    expect(manifest).toMatchObject({ architecture: "gpt2", nLayers: 2, dModel: 16, dMlp: 40, dVocab: 337 });
    expect(progress.at(-1)).toBe(progress.length);
    await expectCode(convertHfCheckpoint(dir, out), "HF_OUTPUT_EXISTS");

    for (const graph of ["fused", "pieces"] as const) {
      const model = await loadModelPackage(out, { executionProviders: ["cpu"], graph, intraOpNumThreads: 1 });
      try {
        const T = reference.prompt.length;
        const hooks = Object.keys(reference.hooks);
        expect(hooks).toHaveLength(8);
        const result = await model.forward([reference.prompt], { capture: hooks });
        expect(maxDiff(result.logits!, reference.logits.flat()), `${graph} logits`).toBeLessThan(1e-4);
        for (const hook of hooks) {
          expect(result.activations[hook].length / T).toBe(reference.hooks[hook][0].length);
          expect(maxDiff(result.activations[hook], reference.hooks[hook].flat()), `${graph} ${hook}`).toBeLessThan(1e-4);
        }
        const steps: Float32Array[] = [];
        const [generated] = await model.generate([reference.prompt], {
          maxNewTokens: reference.steps.length, temperature: 0, stopAtEos: false, onStep: ({ logits }) => void steps.push(logits.slice()),
        });
        expect(generated.tokens).toEqual(reference.steps.map((s) => s.token));
        steps.forEach((logits, i) => expect(maxDiff(logits, reference.steps[i].logits), `${graph} cached step ${i}`).toBeLessThan(1e-4));
      } finally {
        await model.dispose();
      }
    }
  }, 120_000);
});
