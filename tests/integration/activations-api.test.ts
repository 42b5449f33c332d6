import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./api-support";
import { startInferenceFixture, type InferenceFixture } from "./inference-support";
import { POST } from "@/app/api/v1/activations/route";
import { db, disconnectDb } from "@/lib/db/client";

let fixture: InferenceFixture;
let modelId: number;
let saeId: number;
let otherSaeId: number;

beforeAll(async () => {
  fixture = await startInferenceFixture("activations");
  ({ modelId, saeId, otherSaeId } = fixture);
  // label every feature so whichever tops the list carries its label
  for (let index = 0; index < 32; index++) {
    const feature = await db().feature.create({ data: { saeId, index, maxActivation: 1 } });
    const label = await db().label.create({ data: { featureId: feature.id, text: `feature ${index} meaning`, source: "human" } });
    await db().feature.update({ where: { id: feature.id }, data: { currentLabelId: label.id } });
  }
});

afterAll(async () => {
  await fixture?.stop();
  await disconnectDb();
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
      expect(res.json.error?.message).toMatch(/inference service is not reachable/);
      // its internal address is not for every caller
      expect(res.json.error?.message).not.toMatch(/https?:\/\//);
    } finally {
      process.env.INFERENCE_URL = saved;
    }
  });
});
