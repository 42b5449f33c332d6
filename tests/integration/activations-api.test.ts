import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./api-support";
import { POST } from "@/app/api/v1/activations/route";
import { db, disconnectDb } from "@/lib/db/client";
import { modelForInference, saeForInference } from "@/lib/db/inference";
import { InferenceEngine } from "@/lib/inference/engine";
import { ConcurrencyLimiter } from "@/lib/inference/limiter";
import { writeFixtureModelPackage, FIXTURE_MODEL } from "@/lib/model/fixtures";
import { fixtureSae } from "@/lib/sae/fixtures";
import { createInferenceServer } from "@/workers/inference/server";

let dir: string;
let server: http.Server;
let engine: InferenceEngine;
let modelId: number;
let saeId: number;
let otherSaeId: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fs-activations-"));
  const modelDir = path.join(dir, "model");
  await writeFixtureModelPackage(modelDir, FIXTURE_MODEL);
  const saeDir = path.join(dir, "sae");
  fs.mkdirSync(saeDir);
  const sae = fixtureSae({ architecture: "topk", dIn: FIXTURE_MODEL.dModel, dSae: 32, k: 4, hookName: "blocks.0.hook_resid_post" });
  fs.writeFileSync(path.join(saeDir, "cfg.json"), JSON.stringify(sae.config));
  fs.writeFileSync(path.join(saeDir, "sae_weights.safetensors"), sae.weightsBytes);

  const model = await db().model.create({ data: { name: `act-model-${Date.now()}`, architecture: "gpt2", dModel: 8, nLayers: 2, nCtx: 16, dVocab: 337, tokenizer: "byte-bpe", packagePath: modelDir, manifest: {} } });
  const other = await db().model.create({ data: { name: `act-other-${Date.now()}`, architecture: "gpt2", dModel: 8, nLayers: 2, nCtx: 16, dVocab: 337, tokenizer: "byte-bpe", packagePath: modelDir, manifest: {} } });
  modelId = model.id;
  const saeRow = await db().sae.create({ data: { modelId, name: "fixture-topk", hookName: "blocks.0.hook_resid_post", layer: 0, architecture: "topk", dIn: 8, dSae: 32, k: 4, path: saeDir, contentHash: "a", cfg: {} } });
  saeId = saeRow.id;
  otherSaeId = (await db().sae.create({ data: { modelId: other.id, name: "other", hookName: "blocks.0.hook_resid_post", layer: 0, architecture: "topk", dIn: 8, dSae: 32, k: 4, path: saeDir, contentHash: "b", cfg: {} } })).id;
  // label every feature so whichever tops the list carries its label
  for (let index = 0; index < 32; index++) {
    const feature = await db().feature.create({ data: { saeId, index, maxActivation: 1 } });
    const label = await db().label.create({ data: { featureId: feature.id, text: `feature ${index} meaning`, source: "human" } });
    await db().feature.update({ where: { id: feature.id }, data: { currentLabelId: label.id } });
  }

  engine = new InferenceEngine({ model: modelForInference, sae: saeForInference });
  process.env.INFERENCE_SECRET = "t".repeat(40);
  server = createInferenceServer({ engine, limiter: new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 4, maxWaitMs: 10_000 }), secret: process.env.INFERENCE_SECRET });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.env.INFERENCE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await engine?.dispose();
  await disconnectDb();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("POST /api/v1/activations", () => {
  it("returns tokens, per-token features and the top features with their labels", async () => {
    const res = await call(POST, "/api/v1/activations", { method: "POST", body: { modelId, text: "the cat sat", saes: [{ saeId, features: [3] }], topK: 5 } });
    expect(res.status).toBe(200);
    const body = res.json as unknown as { tokens: { bos: boolean }[]; saes: { saeName: string; top: { index: number; label: string | null }[]; features: { index: number; values: number[] }[] }[] };
    expect(body.tokens[0].bos).toBe(true);
    expect(body.saes[0].saeName).toBe("fixture-topk");
    expect(body.saes[0].top.length).toBeGreaterThan(0);
    for (const top of body.saes[0].top) expect(top.label).toBe(`feature ${top.index} meaning`);
    expect(body.saes[0].features[0].values).toHaveLength(body.tokens.length);
  });

  it("refuses an SAE of another model with 400 and the error shape", async () => {
    const res = await call(POST, "/api/v1/activations", { method: "POST", body: { modelId, text: "x", saes: [{ saeId: otherSaeId }] } });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toMatch(/is not an SAE of model/);
  });

  it("validates the body", async () => {
    const res = await call(POST, "/api/v1/activations", { method: "POST", body: { modelId, text: "", saes: [] } });
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe("validation_failed");
  });

  it("answers 503 with a clear message when the inference service is down", async () => {
    const saved = process.env.INFERENCE_URL;
    process.env.INFERENCE_URL = "http://127.0.0.1:9";
    try {
      const res = await call(POST, "/api/v1/activations", { method: "POST", body: { modelId, text: "x", saes: [{ saeId }] } });
      expect(res.status).toBe(503);
      expect(res.json.error?.message).toMatch(/inference service .* is not reachable/);
    } finally {
      process.env.INFERENCE_URL = saved;
    }
  });
});
