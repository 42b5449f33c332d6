import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModelPackage, FIXTURE_MODEL } from "@/lib/model/fixtures";
import { fixtureSae } from "@/lib/sae/fixtures";
import { loadModelPackage, tokenRows } from "@/lib/model";
import { loadSae } from "@/lib/sae";
import { InferenceEngine, type InferenceCatalog } from "@/lib/inference/engine";
import { ConcurrencyLimiter } from "@/lib/inference/limiter";
import { inferenceActivations, inferenceStatus, inferenceSteer } from "@/lib/inference/client";
import type { SteerEvent, ServiceSteerRequest } from "@/lib/inference/protocol";
import { ApiError } from "@/lib/api/errors";
import { createInferenceServer } from "./server";

const SECRET = "s".repeat(40);
let dir: string;
let server: http.Server;
let baseUrl: string;
let engine: InferenceEngine;
const limits = { maxConcurrent: 1, maxQueued: 1, maxWaitMs: 5_000 };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fs-inference-"));
  const modelDir = path.join(dir, "model");
  await writeFixtureModelPackage(modelDir, FIXTURE_MODEL);
  const saeDir = path.join(dir, "sae");
  fs.mkdirSync(saeDir);
  const sae = fixtureSae({ architecture: "topk", dIn: FIXTURE_MODEL.dModel, dSae: 32, k: 4, hookName: "blocks.1.hook_resid_post" });
  fs.writeFileSync(path.join(saeDir, "cfg.json"), JSON.stringify(sae.config));
  fs.writeFileSync(path.join(saeDir, "sae_weights.safetensors"), sae.weightsBytes);
  const catalog: InferenceCatalog = {
    model: async (id) => (id === 1 ? { id: 1, packagePath: modelDir } : null),
    sae: async (id) => (id === 7 ? { id: 7, modelId: 1, hookName: "blocks.1.hook_resid_post", path: saeDir } : null),
  };
  engine = new InferenceEngine(catalog);
  server = createInferenceServer({ engine, limiter: new ConcurrencyLimiter(limits), secret: SECRET });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await engine?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const call = { baseUrl: "", secret: SECRET };

describe("inference service", () => {
  it("reports its provider plan and queue on /status", async () => {
    const status = await inferenceStatus({ ...call, baseUrl });
    expect(status.ok).toBe(true);
    expect(status.providerPlan.order).toContain("cpu");
    expect(status.queue).toMatchObject({ maxConcurrent: 1, maxQueued: 1 });
  });

  it("returns per-token SAE features that match running the model and SAE directly", async () => {
    const text = "the cat sat";
    const result = await inferenceActivations({ modelId: 1, text, saes: [{ saeId: 7, features: [0, 5] }], topK: 3 }, { ...call, baseUrl });
    const model = await loadModelPackage(path.join(dir, "model"));
    const ids = model.encode(text);
    expect(result.tokens.map((t) => t.id)).toEqual(ids);
    expect(result.tokens[0].bos).toBe(true);
    const forward = await model.forward([ids], { capture: ["blocks.1.hook_resid_post"], logits: "none" });
    const sae = await loadSae(path.join(dir, "sae"));
    const encoding = await sae.encode(tokenRows(forward, forward.activations["blocks.1.hook_resid_post"], 0));
    const expected5 = Array.from({ length: ids.length }, (_, t) => encoding.featureActs[t * 32 + 5]);
    const got5 = result.saes[0].features.find((f) => f.index === 5)!.values;
    got5.forEach((v, t) => expect(v).toBeCloseTo(expected5[t], 5));
    // per token: at most topK, descending, all active
    for (const token of result.saes[0].perToken) {
      expect(token.indices.length).toBeLessThanOrEqual(3);
      expect([...token.values].sort((a, b) => b - a)).toEqual(token.values);
      token.values.forEach((v) => expect(v).toBeGreaterThan(0));
    }
    // overall top excludes BOS
    for (const top of result.saes[0].top) expect(top.position).toBeGreaterThan(0);
    await sae.dispose();
    await model.dispose();
  });

  it("refuses a wrong secret, unknown ids and over-long text with the error shape", async () => {
    await expect(inferenceActivations({ modelId: 1, text: "x", saes: [{ saeId: 7 }] }, { baseUrl, secret: "wrong" }))
      .rejects.toThrow(/disagree on INFERENCE_SECRET/);
    await expect(inferenceActivations({ modelId: 9, text: "x", saes: [{ saeId: 7 }] }, { ...call, baseUrl }))
      .rejects.toMatchObject({ code: "not_found", message: "Model 9 does not exist." });
    await expect(inferenceActivations({ modelId: 1, text: "word ".repeat(40), saes: [{ saeId: 7 }] }, { ...call, baseUrl }))
      .rejects.toThrow(/reads at most 16 tokens/);
  });

  it("answers 429 with Retry-After when more requests arrive than it runs and queues", async () => {
    const request = { modelId: 1, text: "the cat sat on the mat", saes: [{ saeId: 7 }] };
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => inferenceActivations(request, { ...call, baseUrl })));
    const refused = outcomes.filter((o) => o.status === "rejected").map((o) => (o as PromiseRejectedResult).reason as ApiError);
    expect(outcomes.some((o) => o.status === "fulfilled")).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error.code).toBe("rate_limited");
      expect(Number(error.headers?.["Retry-After"])).toBeGreaterThanOrEqual(1);
    }
    // and it is still up
    expect((await inferenceStatus({ ...call, baseUrl })).ok).toBe(true);
  });

  it("gives a clear error when the service is not running", async () => {
    const refused = inferenceActivations({ modelId: 1, text: "x", saes: [{ saeId: 7 }] }, { baseUrl: "http://127.0.0.1:9", secret: SECRET });
    await expect(refused).rejects.toThrow(/is not reachable; try again shortly\. It is started by npm start/);
    // a 503 every caller sees: the service's internal address stays in the server's log
    await expect(refused).rejects.not.toThrow(/127\.0\.0\.1/);
    await expect(refused).rejects.toMatchObject({ status: 503, headers: { "Retry-After": "5" } });
  });

  async function collect(request: ServiceSteerRequest): Promise<SteerEvent[]> {
    const events: SteerEvent[] = [];
    for await (const event of inferenceSteer(request, { ...call, baseUrl })) events.push(event);
    return events;
  }

  it("streams default and steered completions; the default equals plain seeded generation", async () => {
    const request: ServiceSteerRequest = { modelId: 1, prompt: "the cat", features: [{ saeId: 7, index: 2, method: "add", value: 40 }], temperature: 1, topP: 1, maxTokens: 6, seed: 11, maxActivations: [1] };
    const events = await collect(request);
    expect(events[0].event).toBe("start");
    expect(events.at(-1)!.event).toBe("done");
    const tokens = events.filter((e) => e.event === "token");
    expect(tokens.length).toBeGreaterThan(0);
    const done = events.at(-1)!.data as Extract<SteerEvent, { event: "done" }>["data"];
    const model = await loadModelPackage(path.join(dir, "model"));
    const [plain] = await model.generate([model.encode("the cat")], { maxNewTokens: 6, seed: 11, temperature: 1, topP: 1 });
    expect(done.default.tokens.map((t) => t.id)).toEqual(plain.tokens);
    done.default.tokens.forEach((t, i) => expect(t.logprob).toBeCloseTo(plain.logprobs[i], 4));
    // a strong addition changes the distribution
    expect(Math.max(...done.kl.map((v) => v ?? 0))).toBeGreaterThan(1e-3);
    expect(done.kl.length).toBe(tokens.length);
    await model.dispose();
  });

  it("ablating a feature that never fires changes nothing (KL 0, same text)", async () => {
    // find a feature inactive on this prompt: topk with k=4 of 32 leaves most at zero
    const acts = await inferenceActivations({ modelId: 1, text: "the cat", saes: [{ saeId: 7, features: Array.from({ length: 32 }, (_, i) => i) }] }, { ...call, baseUrl });
    const silent = acts.saes[0].features.find((f) => f.values.every((v) => v === 0))!;
    const events = await collect({ modelId: 1, prompt: "the cat", features: [{ saeId: 7, index: silent.index, method: "ablate", value: 0 }], temperature: 0, maxTokens: 3, seed: 1, maxActivations: [1] });
    const done = events.at(-1)!.data as Extract<SteerEvent, { event: "done" }>["data"];
    // generated tokens may switch it on later, so compare the first step only
    expect(done.kl[0]).toBeCloseTo(0, 6);
    expect(done.steered.tokens[0].id).toBe(done.default.tokens[0].id);
  });

  it("refuses clamping a feature with no max activation, before streaming", async () => {
    await expect(collect({ modelId: 1, prompt: "the cat", features: [{ saeId: 7, index: 1, method: "clamp", value: 5 }], maxTokens: 2, maxActivations: [0] }))
      .rejects.toThrow(/never fired on the dashboard corpus/);
  });
});

