// The Llama pieces (lib/hf/llama-graphs.ts) run one by one in ONNX Runtime on a random BF16
// LlamaForCausalLM checkpoint (GQA, Llama 3 RoPE scaling), against a PyTorch reference written from
// modeling_llama.py and modeling_rope_utils.py (scripts/hf-reference/llama_reference.py; numbers
// committed in lib/hf/fixtures/llama.json): logits and every hook within 1e-4, and a step with the
// KV cache reproducing the full forward.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointHash, FIXTURE_LLAMA_CONFIG, writeLlamaCheckpoint } from "./checkpoint-fixtures";
import { parseHfConfig, type HfLlamaConfig } from "./config";
import {
  buildLlamaAttnGraph, buildLlamaEmbedGraph, buildLlamaMlpInGraph, buildLlamaMlpOutGraph, buildLlamaUnembedGraph,
  llamaWeightShapes, ropeInvFreq, type LlamaWeights,
} from "./llama-graphs";
import { SafetensorsShards } from "./safetensors-shards";

const reference = JSON.parse(readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures/llama.json"), "utf8")) as {
  checkpointSha256: string; prompt: number[]; invFreq: number[]; logits: number[][]; hooks: Record<string, number[][]>;
};
const config = parseHfConfig(FIXTURE_LLAMA_CONFIG) as HfLlamaConfig;
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function maxDiff(got: ArrayLike<number>, want: number[]): number {
  expect(got.length).toBe(want.length);
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
  return max;
}

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor("float32", data, dims);
const i64 = (values: number[], dims: number[]) => new ort.Tensor("int64", BigInt64Array.from(values.map(BigInt)), dims);

describe("Llama pieces against the PyTorch reference", () => {
  it("computes Llama 3 scaled RoPE frequencies as modeling_rope_utils does (all three bands)", () => {
    const got = ropeInvFreq(config);
    reference.invFreq.forEach((f, i) => expect(Math.abs(got[i] - f) / f).toBeLessThan(1e-6));
    // the bands differ: unscaled, smoothed and divided by the factor
    const plain = ropeInvFreq({ ...config, rope_scaling: null });
    expect(got[0]).toBeCloseTo(plain[0], 7);
    expect(got[1] / plain[1]).toBeGreaterThan(1 / 8);
    expect(got[1] / plain[1]).toBeLessThan(1);
    expect(got[3] / plain[3]).toBeCloseTo(1 / 8, 6);
  });

  it("matches logits and hooks within 1e-4, with and without the KV cache", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "hf-llama-"));
    const shapes = llamaWeightShapes(config);
    await writeLlamaCheckpoint(dir, shapes);
    expect(await checkpointHash(dir)).toBe(reference.checkpointSha256);
    const shards = await SafetensorsShards.open(dir);
    const w: LlamaWeights = {};
    try {
      for (const [name, shape] of Object.entries(shapes)) w[name] = await shards.float32(name, shape);
    } finally {
      await shards.close();
    }
    const L = config.num_hidden_layers;
    const options = { intraOpNumThreads: 1 };
    const embed = await ort.InferenceSession.create(buildLlamaEmbedGraph(config, w), options);
    const layers: Array<{ attn: ort.InferenceSession; mlpIn: ort.InferenceSession; mlpOut: ort.InferenceSession }> = [];
    for (let l = 0; l < L; l++) {
      layers.push({
        attn: await ort.InferenceSession.create(buildLlamaAttnGraph(config, w, l), options),
        mlpIn: await ort.InferenceSession.create(buildLlamaMlpInGraph(config, w, l), options),
        mlpOut: await ort.InferenceSession.create(buildLlamaMlpOutGraph(config, w, l), options),
      });
    }
    const unembed = await ort.InferenceSession.create(buildLlamaUnembedGraph(config, w), options);
    const KV = 2;
    const hd = 8;
    const run = async (ids: number[], start: number, cache: Array<{ key: ort.Tensor; value: ort.Tensor }>) => {
      const T = ids.length;
      const hooks: Record<string, Float32Array> = {};
      let resid = (await embed.run({ input_ids: i64(ids, [1, T]) })).resid;
      const present = [];
      for (let l = 0; l < L; l++) {
        hooks[`blocks.${l}.hook_resid_pre`] = resid.data as Float32Array;
        const total = start + T;
        const a = await layers[l].attn.run({
          resid_pre: resid, position_ids: i64(Array.from({ length: T }, (_, t) => start + t), [1, T]),
          attention_mask: f32(new Float32Array(total).fill(1), [1, total]), past_key: cache[l].key, past_value: cache[l].value,
        });
        present.push({ key: a.present_key, value: a.present_value });
        hooks[`blocks.${l}.hook_resid_mid`] = a.resid_mid.data as Float32Array;
        const post = (await layers[l].mlpIn.run({ resid_mid: a.resid_mid })).mlp_post;
        hooks[`blocks.${l}.mlp.hook_post`] = post.data as Float32Array;
        resid = (await layers[l].mlpOut.run({ resid_mid: a.resid_mid, mlp_post: post })).resid_post;
        hooks[`blocks.${l}.hook_resid_post`] = resid.data as Float32Array;
      }
      const logits = (await unembed.run({ resid })).logits.data as Float32Array;
      return { logits, hooks, present };
    };
    const empty = () => Array.from({ length: L }, () => ({ key: f32(new Float32Array(0), [1, KV, 0, hd]), value: f32(new Float32Array(0), [1, KV, 0, hd]) }));
    const V = config.vocab_size;
    const full = await run(reference.prompt, 0, empty());
    expect(maxDiff(full.logits, reference.logits.flat())).toBeLessThan(1e-4);
    expect(Object.keys(reference.hooks)).toHaveLength(4 * L);
    for (const [hook, want] of Object.entries(reference.hooks)) expect(maxDiff(full.hooks[hook], want.flat()), hook).toBeLessThan(1e-4);
    // the prompt without its last token, then that token alone with the cache
    const head = reference.prompt.slice(0, -1);
    const first = await run(head, 0, empty());
    const step = await run(reference.prompt.slice(-1), head.length, first.present);
    expect(maxDiff(step.logits, reference.logits.at(-1)!)).toBeLessThan(1e-4);
    expect(step.logits.length).toBe(V);
  }, 60_000);
});
