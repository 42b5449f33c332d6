/**
 * Import validation: one test per malformed input. Each must fail with its own code and a specific
 * message, and leave nothing behind in the database.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql } from "@/lib/db/dashboards";
import { importModelAndSaes, describeImportError } from "@/lib/import";
import { encodeSafetensors } from "@/lib/safetensors/safetensors";
import { HOOK, randomSaeTensors, tempDir, writeCorpus, writeModel, writeSae } from "./dashboards-support";

let root: string;
let modelDir: string;
let corpusDir: string;
let dIn: number;
const D_SAE = 16;

beforeAll(async () => {
  root = await tempDir("import");
  const model = await writeModel(root);
  modelDir = model.dir;
  dIn = model.dModel;
  corpusDir = await writeCorpus(path.join(root, "corpus"), 10);
}, 60_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

async function counts() {
  return Promise.all([db().model.count(), db().token.count(), db().sae.count(), db().dashboardRun.count(), db().auditEvent.count()]);
}

let seq = 0;
async function saeFolder(options: Parameters<typeof writeSae>[3] & { tensors?: Record<string, Float32Array> } = {}) {
  seq += 1;
  const tensors = options.tensors ?? { ...randomSaeTensors(dIn, D_SAE, seq) };
  return writeSae(path.join(root, `sae-${seq}`), tensors, { dIn, dSae: D_SAE }, options);
}

/** Imports and expects failure with `code` and a message matching `message`; nothing may be written. */
async function expectRejected(request: Partial<Parameters<typeof importModelAndSaes>[0]>, code: string, message: RegExp) {
  const before = await counts();
  let caught: unknown;
  try {
    await importModelAndSaes({ modelDir, saeDirs: [], corpus: corpusDir, tokens: 500, ...request });
  } catch (error) {
    caught = error;
  }
  expect(caught, "the import should have failed").toBeDefined();
  const described = describeImportError(caught);
  expect(described.code).toBe(code);
  expect(described.message).toMatch(message);
  expect(await counts()).toEqual(before);
}

describe("import validation rejects, specifically and without writing anything,", () => {
  it("a missing model package folder", async () => {
    await expectRejected({ modelDir: path.join(root, "nope"), saeDirs: [await saeFolder()] }, "MODEL_PACKAGE_MISSING", /no such model package folder/);
  });

  it("a model package without manifest.json", async () => {
    const dir = path.join(root, "empty-model");
    await mkdir(dir, { recursive: true });
    await expectRejected({ modelDir: dir, saeDirs: [await saeFolder()] }, "MODEL_MANIFEST_MISSING", /no manifest\.json/);
  });

  it("a model package missing a graph", async () => {
    const dir = path.join(root, "broken-model");
    await writeModel(dir);
    await rm(path.join(dir, "model", "blocks.1.mlp_out.onnx"));
    await expectRejected({ modelDir: path.join(dir, "model"), saeDirs: [await saeFolder()] }, "MODEL_FILE_MISSING", /blocks\.1\.mlp_out\.onnx/);
  });

  it("a missing SAE folder", async () => {
    await expectRejected({ saeDirs: [path.join(root, "no-sae")] }, "SAE_FOLDER_MISSING", /no such SAE folder/);
  });

  it("an SAE folder without cfg.json", async () => {
    const dir = path.join(root, "no-cfg");
    await mkdir(dir, { recursive: true });
    await expectRejected({ saeDirs: [dir] }, "SAE_CONFIG_MISSING", /no cfg\.json/);
  });

  it("cfg.json that is not JSON", async () => {
    await expectRejected({ saeDirs: [await saeFolder({ rawConfig: "{ d_in: 8," })] }, "SAE_CONFIG_MALFORMED", /not valid JSON/);
  });

  it("an unknown architecture", async () => {
    await expectRejected({ saeDirs: [await saeFolder({ configPatch: { architecture: "transcoder-ish" } })] }, "SAE_ARCHITECTURE_UNKNOWN", /transcoder-ish/);
  });

  it("a non-integer d_sae", async () => {
    await expectRejected({ saeDirs: [await saeFolder({ configPatch: { d_sae: 12.5 } })] }, "SAE_CONFIG_INVALID", /d_sae/);
  });

  it("a cfg.json naming no hook", async () => {
    await expectRejected({ saeDirs: [await saeFolder({ configPatch: { metadata: { model_name: "fixture" } } })] }, "IMPORT_HOOK_MISSING", /names no hook/);
  });

  it("a hook the model does not have", async () => {
    const dir = await saeFolder({ configPatch: { metadata: { hook_name: "blocks.7.hook_resid_post" } } });
    await expectRejected({ saeDirs: [dir] }, "IMPORT_HOOK_UNKNOWN", /blocks\.7\.hook_resid_post.*does not have/);
  });

  it("d_in different from the hook's width", async () => {
    const dir = await saeFolder({ configPatch: { metadata: { hook_name: "blocks.0.mlp.hook_post" } } });
    await expectRejected({ saeDirs: [dir] }, "SAE_HOOK_WIDTH_MISMATCH", /d_in is 8 .*width 16/);
  });

  it("a missing weights file", async () => {
    await expectRejected({ saeDirs: [await saeFolder({ omitWeights: true })] }, "SAE_WEIGHTS_MISSING", /sae_weights\.safetensors/);
  });

  it("a weights file that is not safetensors", async () => {
    const dir = await saeFolder();
    await writeFile(path.join(dir, "sae_weights.safetensors"), "definitely not safetensors");
    await expectRejected({ saeDirs: [dir] }, "SAE_WEIGHTS_MALFORMED", /.+/);
  });

  it("a missing tensor", async () => {
    const tensors: Partial<ReturnType<typeof randomSaeTensors>> = { ...randomSaeTensors(dIn, D_SAE, 99) };
    delete tensors.b_enc;
    await expectRejected({ saeDirs: [await saeFolder({ tensors: tensors as Record<string, Float32Array> })] }, "SAE_TENSOR_MISSING", /"b_enc"/);
  });

  it("a tensor of the wrong shape", async () => {
    const tensors = randomSaeTensors(dIn, D_SAE, 98);
    const dir = await saeFolder({ tensors: { ...tensors }, shapes: { W_enc: [D_SAE, dIn] } });
    await expectRejected({ saeDirs: [dir] }, "SAE_TENSOR_SHAPE_MISMATCH", /W_enc has shape \[16, 8\]/);
  });

  it("an unsupported dtype", async () => {
    const dir = await saeFolder();
    const tensors = randomSaeTensors(dIn, D_SAE, 97);
    const entries = Object.fromEntries(Object.entries(tensors).map(([name, data]) => [name, {
      dtype: name === "b_enc" ? "I32" as const : "F32" as const,
      shape: name === "W_enc" ? [dIn, D_SAE] : name === "W_dec" ? [D_SAE, dIn] : name === "b_dec" ? [dIn] : [D_SAE],
      data: new Uint8Array(data.buffer),
    }]));
    await writeFile(path.join(dir, "sae_weights.safetensors"), encodeSafetensors(entries));
    await expectRejected({ saeDirs: [dir] }, "SAE_WEIGHTS_MALFORMED", /b_enc has dtype I32/);
  });

  it("NaN in the weights", async () => {
    const tensors = randomSaeTensors(dIn, D_SAE, 96);
    tensors.W_dec[3 * dIn + 2] = NaN;
    await expectRejected({ saeDirs: [await saeFolder({ tensors: { ...tensors } })] }, "SAE_WEIGHTS_NOT_FINITE", /W_dec has 1 non-finite value \(first at \[3, 2\]/);
  });

  it("Infinity in the weights", async () => {
    const tensors = randomSaeTensors(dIn, D_SAE, 95);
    tensors.b_enc[5] = Infinity;
    await expectRejected({ saeDirs: [await saeFolder({ tensors: { ...tensors } })] }, "SAE_WEIGHTS_NOT_FINITE", /b_enc/);
  });

  it("a bad SAE among good ones (all or nothing)", async () => {
    const bad = await saeFolder({ configPatch: { d_in: 9 } });
    await expectRejected({ saeDirs: [await saeFolder(), bad] }, "SAE_HOOK_WIDTH_MISMATCH", /d_in is 9/);
  });

  it("a missing corpus", async () => {
    await expectRejected({ saeDirs: [await saeFolder()], corpus: path.join(root, "no-corpus") }, "CORPUS_INVALID", /not a corpus/);
  });

  it("a non-positive token budget", async () => {
    await expectRejected({ saeDirs: [await saeFolder()], tokens: 0 }, "IMPORT_ARGUMENT_INVALID", /--tokens/);
  });

  it("a second SAE with the same name but other weights", async () => {
    const first = await saeFolder();
    await importModelAndSaes({ modelDir, saeDirs: [first], saeNames: ["same-name"] });
    await expectRejected({ saeDirs: [await saeFolder()], saeNames: ["same-name"] }, "IMPORT_SAE_NAME_TAKEN", /already has a different SAE named "same-name"/);
  });
});

describe("a valid import", () => {
  it("writes the model with its vocabulary, the SAE and a queued run; repeating it writes nothing", async () => {
    const dir = await saeFolder();
    const first = await importModelAndSaes({ modelDir, saeDirs: [dir], corpus: corpusDir, tokens: 500 });
    expect(first.saes[0]).toMatchObject({ created: true, hookName: HOOK, dSae: D_SAE, run: { status: "queued" } });
    const sae = await db().sae.findUniqueOrThrow({ where: { id: first.saes[0].saeId } });
    expect(sae).toMatchObject({ status: "registered", architecture: "standard", dIn, dSae: D_SAE, layer: 0, hookName: HOOK });
    const before = await counts();
    const second = await importModelAndSaes({ modelDir, saeDirs: [dir], corpus: corpusDir, tokens: 500 });
    expect(second.saes[0]).toMatchObject({ saeId: first.saes[0].saeId, created: false, run: { id: first.saes[0].run!.id } });
    expect(await counts()).toEqual(before);
  });
});
