import { mkdtemp, rm, unlink, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSafetensors, parseSafetensors } from "@/lib/safetensors/safetensors";
import { writeFixtureModelPackage } from "./fixtures";
import { gpt2WeightShapes, gpt2WeightsFromSafetensors, writeGpt2ModelPackage } from "./gpt2-package";
import { parseManifest } from "./manifest";
import { loadModelPackage, tokenRows, type ModelSession } from "./model";
import { logSoftmax } from "./sampling";

let dir: string;
let model: ModelSession;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fs-model-"));
  await writeFixtureModelPackage(dir);
  model = await loadModelPackage(dir, { executionProviders: ["cpu"] });
});

afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe("model package session", () => {
  it("loads, reports its provider and hooks, and tokenizes with BOS", () => {
    expect(model.executionProvider).toBe("cpu");
    expect(model.hooks["blocks.0.mlp.hook_post"]).toBe(16);
    expect(model.encode("the cat")[0]).toBe(0);
  });

  it("gives each row of a padded batch the same outputs as running it alone", async () => {
    const a = model.encode("the cat sat on the mat");
    const b = model.encode("rat");
    const batch = await model.forward([a, b], { capture: ["blocks.1.hook_resid_post"] });
    const alone = await model.forward([b], { capture: ["blocks.1.hook_resid_post"] });
    expect(batch.seqLen).toBe(a.length);
    expect(maxDiff(tokenRows(batch, batch.logits!, 1), alone.logits!)).toBeLessThan(1e-5);
    const hook = batch.activations["blocks.1.hook_resid_post"];
    expect(maxDiff(tokenRows(batch, hook, 1), alone.activations["blocks.1.hook_resid_post"])).toBeLessThan(1e-5);
    const last = await model.forward([a, b], { logits: "last" });
    expect(maxDiff(last.logits!.subarray(model.manifest.dVocab), alone.logits!.subarray(-model.manifest.dVocab))).toBeLessThan(1e-5);
  });

  it("keeps NaN at padding positions (graphs masking with −∞) away from real tokens", async () => {
    const a = model.encode("the cat sat on the mat");
    const b = model.encode("rat");
    const poisoned = await model.forward([a, b], {
      hooks: { "blocks.0.mlp.hook_post": (h) => { for (let i = 0; i < h.tokenMask.length; i++) if (!h.tokenMask[i]) h.data.fill(NaN, i * h.width, (i + 1) * h.width); } },
    });
    const alone = await model.forward([b]);
    expect(maxDiff(tokenRows(poisoned, poisoned.logits!, 1), alone.logits!)).toBeLessThan(1e-5);
  });

  it("KV-cached generation matches a full forward pass over the same tokens", async () => {
    const prompt = model.encode("the other cat");
    const stepLogits: Float32Array[] = [];
    const [generated] = await model.generate([prompt], {
      maxNewTokens: 6, temperature: 0, stopAtEos: false,
      onStep: ({ logits }) => void stepLogits.push(logits.slice()),
    });
    expect(generated.tokens).toHaveLength(6);
    const full = await model.forward([[...prompt, ...generated.tokens]]);
    const V = model.manifest.dVocab;
    stepLogits.forEach((logits, step) => {
      const position = prompt.length - 1 + step;
      expect(maxDiff(logits, full.logits!.subarray(position * V, (position + 1) * V))).toBeLessThan(1e-4);
    });
  });

  it("a following row is fed the tokens its source row chose (teacher forcing), with its own logits", async () => {
    const prompt = model.encode("the cat");
    const V = model.manifest.dVocab;
    const shift = 3; // row 1 is edited so that its own samples would differ
    const stepLogits: Float32Array[] = [];
    const [source, follower] = await model.generate([prompt, prompt], {
      maxNewTokens: 6, temperature: 1, seed: 9, stopAtEos: false, follow: [null, 0],
      hooks: { "blocks.0.hook_resid_post": (h) => { for (let j = 0; j < h.seqLen * h.width; j++) h.data[h.seqLen * h.width + j] += shift; } },
      onStep: ({ logits }) => void stepLogits.push(logits.slice(V, 2 * V)),
    });
    expect(follower.tokens).toEqual(source.tokens);
    // the follower's logits are the edited model's on the source's text: a full forward says so
    const full = await model.forward([[...prompt, ...source.tokens]], {
      hooks: { "blocks.0.hook_resid_post": (h) => { for (let j = 0; j < h.data.length; j++) h.data[j] += shift; } },
    });
    stepLogits.forEach((logits, step) => {
      const position = prompt.length - 1 + step;
      expect(maxDiff(logits, full.logits!.subarray(position * V, (position + 1) * V))).toBeLessThan(1e-4);
    });
    expect(follower.logprobs[0]).toBeCloseTo(logSoftmax(stepLogits[0])[source.tokens[0]], 5);
    await expect(model.generate([prompt, model.encode("a")], { maxNewTokens: 1, follow: [null, 0] })).rejects.toThrow(/same length/);
  });

  it("runs the package's own graphs and the fused kernels to the same logits, hooks and KV-cached steps", async () => {
    const pieces = await loadModelPackage(dir, { executionProviders: ["cpu"], graph: "pieces" });
    try {
      expect(model.layout.fused).toBe(true);
      expect(pieces.layout.fused).toBe(false);
      const a = model.encode("the cat sat on the mat");
      const b = model.encode("rat");
      const hooks = Object.keys(model.hooks);
      const fused = await model.forward([a, b], { capture: hooks });
      const plain = await pieces.forward([a, b], { capture: hooks });
      // real tokens only: padding positions hold whatever each graph computes there
      for (const row of [0, 1]) {
        expect(maxDiff(tokenRows(fused, fused.logits!, row), tokenRows(plain, plain.logits!, row))).toBeLessThan(1e-5);
        for (const hook of hooks) expect(maxDiff(tokenRows(fused, fused.activations[hook], row), tokenRows(plain, plain.activations[hook], row))).toBeLessThan(1e-5);
      }
      const settings = { maxNewTokens: 6, temperature: 0.8, seed: 5, stopAtEos: false };
      const [x] = await model.generate([a, b], settings);
      const [y] = await pieces.generate([a, b], settings);
      expect(x.tokens).toEqual(y.tokens);
    } finally {
      await pieces.dispose();
    }
  });

  it("gives the same outputs when a hook function cuts the graph as when none does", async () => {
    const ids = [model.encode("the cat sat"), model.encode("the mat sat")];
    expect(ids[0].length).toBe(ids[1].length); // no padding: every position is compared
    const hook = "blocks.0.hook_resid_mid";
    const plain = await model.forward(ids, { capture: [hook, "blocks.1.hook_resid_post"] });
    let calls = 0;
    const cut = await model.forward(ids, { capture: [hook, "blocks.1.hook_resid_post"], hooks: { [hook]: () => void (calls += 1) } });
    expect(calls).toBe(1);
    expect(maxDiff(cut.logits!, plain.logits!)).toBe(0);
    expect(maxDiff(cut.activations[hook], plain.activations[hook])).toBe(0);
    // a hook read without logits stops early and returns the same values
    const early = await model.forward(ids, { capture: [hook], logits: "none" });
    expect(early.logits).toBeUndefined();
    expect(maxDiff(early.activations[hook], plain.activations[hook])).toBe(0);
  });

  it("same seed → same tokens; sampling respects top-p", async () => {
    const prompt = model.encode("the");
    const options = { maxNewTokens: 8, temperature: 1, topP: 0.9, seed: 42, stopAtEos: false };
    const [first] = await model.generate([prompt], options);
    const [second] = await model.generate([prompt], options);
    expect(second.tokens).toEqual(first.tokens);
    const others = await Promise.all([1, 2, 3].map((seed) => model.generate([prompt], { ...options, seed })));
    expect(others.some(([o]) => o.tokens.join() !== first.tokens.join())).toBe(true);
    for (const lp of first.logprobs) expect(lp).toBeLessThanOrEqual(0);
    // two rows with the same seed and no steering generate the same text
    const [r0, r1] = await model.generate([prompt, prompt], options);
    expect(r1.tokens).toEqual(r0.tokens);
    expect(r0.tokens).toEqual(first.tokens);
  });

  it("hands onStep each running row's log-normaliser: logits − it is the logprob, the log-softmax exactly", async () => {
    const prompt = model.encode("the cat");
    const steps: { logits: Float32Array; tokens: number[]; logNormalizers: Float64Array }[] = [];
    const [a, b] = await model.generate([prompt, prompt], {
      maxNewTokens: 4, temperature: 1, seed: 5, stopAtEos: false, stopTokenIds: [],
      onStep: ({ logits, tokens, logNormalizers }) => void steps.push({ logits: logits.slice(), tokens, logNormalizers: logNormalizers.slice() }),
    });
    const V = model.manifest.dVocab;
    steps.forEach(({ logits, tokens, logNormalizers }, step) => {
      [a, b].forEach((sequence, row) => {
        const rowLogits = logits.subarray(row * V, (row + 1) * V);
        const reference = logSoftmax(rowLogits);
        expect(rowLogits[tokens[row]] - logNormalizers[row]).toBe(reference[tokens[row]]);
        expect(sequence.logprobs[step]).toBe(reference[tokens[row]]);
        // Σ p = 1 under the normaliser
        let total = 0;
        for (let i = 0; i < V; i++) total += Math.exp(rowLogits[i] - logNormalizers[row]);
        expect(total).toBeCloseTo(1, 10);
      });
    });
    // a row that has stopped gets NaN, the others keep theirs
    const pair = [model.encode("the cat"), model.encode("a dog")];
    const [greedyA, greedyB] = await model.generate(pair, { maxNewTokens: 2, temperature: 0, stopAtEos: false });
    expect(greedyA.tokens[0]).not.toBe(greedyB.tokens[0]);
    expect(greedyB.tokens).not.toContain(greedyA.tokens[0]);
    const normalizers: Float64Array[] = [];
    const [stoppedRow] = await model.generate(pair, {
      maxNewTokens: 2, temperature: 0, stopAtEos: false, stopTokenIds: [greedyA.tokens[0]], onStep: ({ logNormalizers }) => void normalizers.push(logNormalizers.slice()),
    });
    expect(stoppedRow.finishReason).toBe("stop_token");
    expect(normalizers).toHaveLength(2);
    expect(normalizers[0].every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(normalizers[1][0])).toBe(true);
    expect(Number.isFinite(normalizers[1][1])).toBe(true);
  });

  it("applies hooks at every step of generation and lets them edit activations", async () => {
    const calls: Array<[string, number, number]> = [];
    const prompt = model.encode("the cat");
    await model.generate([prompt], {
      maxNewTokens: 3, temperature: 0, stopAtEos: false,
      hooks: { "blocks.0.mlp.hook_post": (h) => void calls.push([h.phase, h.seqLen, h.pastLength]) },
    });
    expect(calls).toEqual([["prompt", prompt.length, 0], ["generate", 1, prompt.length], ["generate", 1, prompt.length + 1]]);

    const plain = await model.forward([prompt], { capture: ["blocks.0.hook_resid_post", "blocks.1.hook_resid_pre"] });
    expect(plain.activations["blocks.1.hook_resid_pre"]).toEqual(plain.activations["blocks.0.hook_resid_post"]);
    const edited = await model.forward([prompt], {
      hooks: [{ hookName: "blocks.1.hook_resid_post", fn: (h) => h.data.map((v, i) => (i % h.width === 0 ? v + 5 : v)) }],
      capture: ["blocks.1.hook_resid_post"],
    });
    const before = plain.activations["blocks.0.hook_resid_post"];
    expect(before.length).toBe(prompt.length * 8);
    expect(maxDiff(edited.logits!, plain.logits!)).toBeGreaterThan(1e-3);
    const identity = await model.forward([prompt], { hooks: { "blocks.0.hook_resid_mid": () => undefined } });
    expect(maxDiff(identity.logits!, plain.logits!)).toBe(0);
  });

  it("rejects unknown hooks, bad token ids and over-long inputs", async () => {
    await expect(model.forward([[0, 1]], { capture: ["blocks.9.hook_resid_post"] })).rejects.toMatchObject({ code: "MODEL_HOOK_UNKNOWN" });
    await expect(model.forward([[0, 99999]])).rejects.toMatchObject({ code: "MODEL_INPUT_INVALID" });
    await expect(model.forward([new Array(17).fill(1)])).rejects.toMatchObject({ code: "MODEL_INPUT_INVALID" });
  });

  it("stops at the context length", async () => {
    const [out] = await model.generate([new Array(14).fill(5)], { maxNewTokens: 10, temperature: 0, stopAtEos: false });
    expect(out.finishReason).toBe("context");
    expect(out.tokens).toHaveLength(3);
  });
});

describe("GPT-2 package from Hugging Face weights", () => {
  it("reads a transformer.-prefixed safetensors file and builds the same model", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "fs-hf-"));
    try {
      const { config, weights } = await writeFixtureModelPackage(path.join(out, "a"));
      const shapes = gpt2WeightShapes(config);
      const hf = parseSafetensors(encodeSafetensors(Object.fromEntries(Object.entries(weights).map(([name, data]) => [
        `transformer.${name}`, { dtype: "F32" as const, shape: shapes[name], data },
      ]))));
      const tokenizerDir = path.join(out, "a", "tokenizer");
      await writeGpt2ModelPackage(path.join(out, "b"), config, gpt2WeightsFromSafetensors(hf, config), {
        vocabJson: await readFile(path.join(tokenizerDir, "vocab.json"), "utf8"),
        mergesTxt: await readFile(path.join(tokenizerDir, "merges.txt"), "utf8"),
        tokenizerConfigJson: await readFile(path.join(tokenizerDir, "tokenizer_config.json"), "utf8"),
      });
      const rebuilt = await loadModelPackage(path.join(out, "b"), { executionProviders: ["cpu"] });
      const ids = rebuilt.encode("the mat");
      expect(maxDiff((await rebuilt.forward([ids])).logits!, (await model.forward([ids])).logits!)).toBe(0);
      await rebuilt.dispose();
      expect(() => gpt2WeightsFromSafetensors(parseSafetensors(encodeSafetensors({})), config)).toThrow(/no tensor named "transformer.wte.weight"/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe("manifest validation", () => {
  const valid = () => ({
    format: "featurescope-model-package", formatVersion: 1, name: "x", dModel: 8, nLayers: 1, nHeads: 2, dHead: 4,
    dMlp: 16, nCtx: 8, dVocab: 10, bosTokenId: 0, eosTokenId: 0, tokenizer: { type: "byte-bpe", dir: "tokenizer" },
    hooks: { "blocks.0.hook_resid_post": 8 },
  });
  const code = (patch: Record<string, unknown>) => {
    try {
      parseManifest({ ...valid(), ...patch });
      return "ok";
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it("accepts a valid manifest and derives every hook", () => {
    expect(code({})).toBe("ok");
    expect(Object.keys(parseManifest(valid()).hooks)).toHaveLength(4);
  });

  it("names what is wrong", () => {
    expect(code({ formatVersion: 2 })).toBe("MODEL_FORMAT_UNSUPPORTED");
    expect(code({ format: "onnx" })).toBe("MODEL_FORMAT_UNSUPPORTED");
    expect(code({ dHead: 5 })).toBe("MODEL_MANIFEST_INVALID");
    expect(code({ bosTokenId: 10 })).toBe("MODEL_MANIFEST_INVALID");
    expect(code({ hooks: { "blocks.0.mlp.hook_post": 8 } })).toBe("MODEL_MANIFEST_INVALID");
    expect(code({ hooks: { "blocks.3.hook_resid_post": 8 } })).toBe("MODEL_MANIFEST_INVALID");
    expect(() => parseManifest({ ...valid(), dHead: 5 })).toThrow(/nHeads × dHead = 10 but dModel = 8/);
  });

  it("reports missing graphs and broken graphs on load", async () => {
    const broken = await mkdtemp(path.join(tmpdir(), "fs-model-broken-"));
    try {
      await writeFixtureModelPackage(broken);
      await writeFile(path.join(broken, "blocks.0.mlp_in.onnx"), "not onnx");
      await expect(loadModelPackage(broken, { executionProviders: ["cpu"] })).rejects.toMatchObject({ code: "MODEL_GRAPH_INVALID" });
      await unlink(path.join(broken, "unembed.onnx"));
      await expect(loadModelPackage(broken)).rejects.toThrow(/missing unembed.onnx/);
      const manifest = JSON.parse(await readFile(path.join(broken, "manifest.json"), "utf8"));
      await writeFile(path.join(broken, "manifest.json"), JSON.stringify({ ...manifest, formatVersion: 7 }));
      await expect(loadModelPackage(broken)).rejects.toMatchObject({ code: "MODEL_FORMAT_UNSUPPORTED" });
      await expect(loadModelPackage(path.join(broken, "nope"))).rejects.toMatchObject({ code: "MODEL_PACKAGE_MISSING" });
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
