/**
 * A browse-only SAE (dashboards imported without weights) refuses to run text with a plain message,
 * and attaching a model package and SAE weights — checked to match the dashboards, nothing written
 * when they do not — moves its token ids onto the model's vocabulary and makes it runnable.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql } from "@/lib/db/dashboards";
import { requireWeights } from "@/lib/db/weights";
import { attachWeights } from "@/lib/import/attach";
import { registerBrowseOnlySae } from "@/lib/import/browse-only";
import { createNeuronpediaRun, runNeuronpediaImport } from "@/lib/import/neuronpedia";
import { validateModelPackage } from "@/lib/import/validate";
import { HOOK, randomSaeTensors, tempDir, writeModel, writeSae } from "./dashboards-support";

const MODEL = "attach-fixture";
let root: string;
let modelDir: string;
let dIn: number;
let vocabulary: string[];

beforeAll(async () => {
  root = await tempDir("attach");
  const model = await writeModel(root, MODEL);
  modelDir = model.dir;
  dIn = model.dModel;
  vocabulary = (await validateModelPackage(modelDir)).tokenTexts;
}, 60_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

/** An SAEDashboard batch (neuronpedia_dashboard.py field names) of 4 features whose tokens are `tokens`. */
async function writeBatch(dir: string, tokens: string[]) {
  await mkdir(dir, { recursive: true });
  const features = [0, 1, 2, 3].map((index) => ({
    feature_index: index, frac_nonzero: 0.01, pos_str: tokens.slice(0, 2), pos_values: [1, 0.5], neg_str: [tokens[2]], neg_values: [-1],
    activations: [
      { bin_min: -1, bin_max: 2, bin_contains: -1, tokens, values: tokens.map((_, i) => (i === 1 ? 2 : 0)), qualifying_token_index: 1 },
      { bin_min: 0, bin_max: 1, bin_contains: 0.9, tokens, values: tokens.map((_, i) => (i === 2 ? 0.5 : 0)), qualifying_token_index: 2 },
    ],
  }));
  await writeFile(path.join(dir, "batch-0.json"), JSON.stringify({ model_id: MODEL, layer: 0, sae_set: "res", features }));
}

async function importBrowseOnly(dir: string, saeName: string) {
  const registered = await registerBrowseOnlySae({ exportDir: dir, saeName });
  const run = await createNeuronpediaRun(registered.saeId, dir);
  expect((await runNeuronpediaImport(run.id, { owner: "test" })).status).toBe("done");
  return registered;
}

describe("attaching weights to a browse-only SAE", () => {
  it("checks the weights against the dashboards, then makes the SAE runnable with its token ids on the real vocabulary", async () => {
    const tokens = vocabulary.slice(40, 46);
    const dir = path.join(root, "dashboards");
    await writeBatch(dir, tokens);
    const { saeId, modelId } = await importBrowseOnly(dir, "0-res");
    await expect(requireWeights("Steering", modelId, [saeId])).rejects.toMatchObject({
      code: "conflict", message: expect.stringMatching(/^Steering needs the model's weights: attach-fixture is known by name only/),
    });

    // too few features: refused, nothing written
    const small = await writeSae(path.join(root, "sae-small"), { ...randomSaeTensors(dIn, 2, 1) }, { dIn, dSae: 2 });
    await expect(attachWeights({ modelName: MODEL, saeName: "0-res", modelDir, saeDir: small })).rejects.toMatchObject({
      code: "ATTACH_WEIGHTS_MISMATCH", message: expect.stringContaining("d_sae 2, but the dashboards have features up to index 3"),
    });
    expect(await db().sae.findUniqueOrThrow({ where: { id: saeId } })).toMatchObject({ path: null, modelId });
    expect((await db().model.findUniqueOrThrow({ where: { id: modelId } })).packagePath).toBeNull();

    const saeDir = await writeSae(path.join(root, "sae"), { ...randomSaeTensors(dIn, 8, 2) }, { dIn, dSae: 8 });
    await attachWeights({ modelName: MODEL, saeName: "0-res", modelDir, saeDir });
    const sae = await db().sae.findUniqueOrThrow({ where: { id: saeId }, include: { model: true } });
    expect(sae).toMatchObject({ path: saeDir, dSae: 8, dIn, hookName: HOOK, architecture: "standard" });
    expect(sae.model.packagePath).toBe(modelDir);
    await expect(requireWeights("Steering", sae.modelId, [saeId])).resolves.toBeUndefined();
    // the examples' and logits' token ids are now the model's own ids of the same strings
    const expectedIds = tokens.map((t) => vocabulary.indexOf(t));
    const examples = await db().activationExample.findMany({ where: { feature: { saeId } } });
    expect(examples.length).toBe(8);
    for (const example of examples) expect(example.tokenIds).toEqual(expectedIds);
    const feature = await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId, index: 2 } } });
    expect(feature.logitTopTokenIds).toEqual(expectedIds.slice(0, 2));
    expect(await db().token.count({ where: { modelId: sae.modelId } })).toBe(vocabulary.length);
  }, 90_000);

  it("refuses weights whose tokenizer does not know the dashboards' token strings", async () => {
    const dir = path.join(root, "other-tokenizer");
    await writeBatch(dir, [...vocabulary.slice(40, 44), "⟦not a token of this model⟧"]);
    const registered = await registerBrowseOnlySae({ exportDir: dir, modelName: "other-model", saeName: "0-res" });
    const run = await createNeuronpediaRun(registered.saeId, dir);
    await runNeuronpediaImport(run.id, { owner: "test" });
    const saeDir = await writeSae(path.join(root, "sae-2"), { ...randomSaeTensors(dIn, 8, 3) }, { dIn, dSae: 8 });
    await expect(attachWeights({ modelName: "other-model", saeName: "0-res", modelDir, saeDir })).rejects.toMatchObject({
      code: "ATTACH_WEIGHTS_MISMATCH", message: expect.stringContaining("\"⟦not a token of this model⟧\""),
    });
    expect((await db().sae.findUniqueOrThrow({ where: { id: registered.saeId } })).path).toBeNull();
  }, 60_000);
});
