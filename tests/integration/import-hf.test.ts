/**
 * `--hf` end to end: a Hugging Face-layout GPT-2 checkpoint is converted and registered with an
 * SAE; a failing SAE leaves neither the package nor any row behind.
 */
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql } from "@/lib/db/dashboards";
import { FIXTURE_GPT2, GPT2_VARIANTS, writeGpt2Checkpoint } from "@/lib/hf/checkpoint-fixtures";
import { importHfCheckpoint } from "@/lib/hf/import";
import { describeImportError } from "@/lib/import";
import { randomSaeTensors, tempDir, writeSae } from "./dashboards-support";

let root: string;
let hfDir: string;

beforeAll(async () => {
  root = await tempDir("import-hf");
  hfDir = path.join(root, "gpt2-checkpoint");
  await writeGpt2Checkpoint(hfDir, GPT2_VARIANTS[1]);
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await closeRawSql();
  await disconnectDb();
});

async function counts() {
  return Promise.all([db().model.count(), db().token.count(), db().sae.count(), db().dashboardRun.count()]);
}

const sae = (name: string, dIn: number, hook: string) =>
  writeSae(path.join(root, name), { ...randomSaeTensors(dIn, 8, 5) }, { dIn, dSae: 8 }, {
    configPatch: { metadata: { model_name: "hf-import-test", hook_name: hook, context_size: 16, prepend_bos: true } },
  });

describe("npm run import -- --hf", () => {
  it("converts the checkpoint and registers it with its SAE", async () => {
    const outDir = path.join(root, "package");
    const { result } = await importHfCheckpoint({
      hfDir, outDir, modelName: "hf-import-test", saeDirs: [await sae("sae-ok", FIXTURE_GPT2.dModel, "blocks.1.hook_resid_mid")],
    });
    expect(result!.modelName).toBe("hf-import-test");
    expect(result!.modelCreated).toBe(true);
    expect(result!.saes[0]).toMatchObject({ hookName: "blocks.1.hook_resid_mid", dSae: 8 });
    const model = await db().model.findUniqueOrThrow({ where: { id: result!.modelId } });
    expect(model.name).toBe("hf-import-test");
    expect(await db().token.count({ where: { modelId: result!.modelId } })).toBe(FIXTURE_GPT2.dVocab);
    expect((await stat(path.join(outDir, "manifest.json"))).isFile()).toBe(true);
  });

  it("leaves no package and no rows when the SAE does not fit the model", async () => {
    const before = await counts();
    const outDir = path.join(root, "package-2");
    const error = await importHfCheckpoint({
      hfDir, outDir, modelName: "hf-import-test-2", saeDirs: [await sae("sae-wide", FIXTURE_GPT2.dModel + 1, "blocks.0.hook_resid_pre")],
    }).catch((e: unknown) => e);
    expect(describeImportError(error).code).toBe("SAE_HOOK_WIDTH_MISMATCH");
    expect(await stat(outDir).catch(() => null)).toBeNull();
    expect((await readdir(root)).filter((f) => f.includes(".partial-"))).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});
