/**
 * A small runnable model for e2e journeys that call the inference service (test your text,
 * search by inference, steering): the random-weight fixture model package and a TopK SAE written
 * to a folder, registered as Model "fixture-runnable" with SAE "fixture-topk" and its features.
 * Its text is gibberish: it exercises the machinery, not interpretability.
 */
import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "../../lib/generated/prisma/client";
import { loadModelPackage } from "../../lib/model";
import { writeFixtureModelPackage, FIXTURE_MODEL } from "../../lib/model/fixtures";
import { measureHookNorm } from "../../lib/steering/hook-norm";
import { fixtureSae } from "../../lib/sae/fixtures";

export const RUNNABLE_MODEL_NAME = "fixture-runnable";
export const RUNNABLE_SAE_NAME = "fixture-topk";
export const RUNNABLE_HOOK = "blocks.1.hook_resid_post";
export const RUNNABLE_D_SAE = 64;

const RUNNABLE_SPEC = { ...FIXTURE_MODEL, nCtx: 64 };

export async function seedRunnableModel(prisma: PrismaClient, dir: string) {
  const modelDir = path.join(dir, "model");
  const { manifest, config } = await writeFixtureModelPackage(modelDir, RUNNABLE_SPEC);
  const saeDir = path.join(dir, "sae");
  fs.mkdirSync(saeDir, { recursive: true });
  const sae = fixtureSae({ architecture: "topk", dIn: RUNNABLE_SPEC.dModel, dSae: RUNNABLE_D_SAE, k: 4, hookName: RUNNABLE_HOOK, seed: 5 });
  fs.writeFileSync(path.join(saeDir, "cfg.json"), JSON.stringify(sae.config));
  fs.writeFileSync(path.join(saeDir, "sae_weights.safetensors"), sae.weightsBytes);
  fs.writeFileSync(path.join(saeDir, "sparsity.safetensors"), sae.sparsityBytes);

  const model = await prisma.model.create({
    data: {
      name: RUNNABLE_MODEL_NAME, displayName: "Runnable fixture (random weights, for tests)", architecture: "gpt2",
      dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, dMlp: config.dMlp, nCtx: config.nCtx,
      dVocab: config.dVocab, tokenizer: "byte-bpe", bosTokenId: config.bosTokenId, packagePath: modelDir, manifest: manifest as object,
    },
  });
  // the typical ‖h‖ at the hook (steering's add in hook-norm units), measured as the dashboards
  // pass would, here on a few sentences since the fixture has no dashboard corpus
  const session = await loadModelPackage(modelDir, { executionProviders: ["cpu"] });
  const texts = ["The bridge at dawn was quiet.", "Over the water the towers rose.", "the cat sat on the mat"];
  const hookNorm = await measureHookNorm(session, RUNNABLE_HOOK, texts.map((t) => session.encode(t)), { bosTokenId: config.bosTokenId });
  await session.dispose();
  const saeRow = await prisma.sae.create({
    data: {
      modelId: model.id, name: RUNNABLE_SAE_NAME, hookName: RUNNABLE_HOOK, layer: 1, architecture: "topk",
      dIn: RUNNABLE_SPEC.dModel, dSae: RUNNABLE_D_SAE, k: 4, path: saeDir, contentHash: `fixture-runnable-${Date.now()}`,
      cfg: sae.config as object, status: "ready", typicalHookNorm: hookNorm.mean,
    },
  });
  await prisma.feature.createMany({
    data: Array.from({ length: RUNNABLE_D_SAE }, (_, index) => ({ saeId: saeRow.id, index, maxActivation: 2, density: 0.05 })),
  });
  return { modelId: model.id, saeId: saeRow.id };
}
