/** A fixture model package and SAE registered in the test database, served by an in-process inference service. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { db } from "@/lib/db/client";
import { modelForInference, saeForInference } from "@/lib/db/inference";
import { InferenceEngine } from "@/lib/inference/engine";
import { ConcurrencyLimiter } from "@/lib/inference/limiter";
import { writeFixtureModelPackage, FIXTURE_MODEL } from "@/lib/model/fixtures";
import { fixtureSae } from "@/lib/sae/fixtures";
import { createInferenceServer } from "@/workers/inference/server";

export interface InferenceFixture {
  modelId: number;
  saeId: number;
  /** an SAE of another model */
  otherSaeId: number;
  dir: string;
  stop(): Promise<void>;
}

export async function startInferenceFixture(label: string): Promise<InferenceFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fs-${label}-`));
  const modelDir = path.join(dir, "model");
  await writeFixtureModelPackage(modelDir, FIXTURE_MODEL);
  const saeDir = path.join(dir, "sae");
  fs.mkdirSync(saeDir);
  const sae = fixtureSae({ architecture: "topk", dIn: FIXTURE_MODEL.dModel, dSae: 32, k: 4, hookName: "blocks.0.hook_resid_post" });
  fs.writeFileSync(path.join(saeDir, "cfg.json"), JSON.stringify(sae.config));
  fs.writeFileSync(path.join(saeDir, "sae_weights.safetensors"), sae.weightsBytes);

  const stamp = `${label}-${Date.now()}`;
  const modelRow = { architecture: "gpt2", dModel: 8, nLayers: 2, nCtx: 16, dVocab: 337, tokenizer: "byte-bpe", packagePath: modelDir, manifest: {} };
  const model = await db().model.create({ data: { name: `model-${stamp}`, ...modelRow } });
  const other = await db().model.create({ data: { name: `other-${stamp}`, ...modelRow } });
  const saeRow = { hookName: "blocks.0.hook_resid_post", layer: 0, architecture: "topk", dIn: 8, dSae: 32, k: 4, path: saeDir, cfg: {} };
  const saeId = (await db().sae.create({ data: { modelId: model.id, name: "fixture-topk", contentHash: `a-${stamp}`, ...saeRow } })).id;
  const otherSaeId = (await db().sae.create({ data: { modelId: other.id, name: "other", contentHash: `b-${stamp}`, ...saeRow } })).id;

  const engine = new InferenceEngine({ model: modelForInference, sae: saeForInference });
  process.env.INFERENCE_SECRET = "t".repeat(40);
  const server = createInferenceServer({ engine, limiter: new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 4, maxWaitMs: 10_000 }), secret: process.env.INFERENCE_SECRET });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.env.INFERENCE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    modelId: model.id,
    saeId,
    otherSaeId,
    dir,
    stop: async () => {
      server.close();
      await engine.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a text/event-stream body into its events. */
export function parseEventStream(text: string): { event: string; data: unknown }[] {
  return text.split("\n\n").filter(Boolean).map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
    const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null");
    return { event, data };
  });
}
