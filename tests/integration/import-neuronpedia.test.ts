/**
 * Importing a Neuronpedia export (features, activations, explanations as .jsonl.gz batches) into the
 * dashboard tables, and resuming an interrupted import without duplicating a row.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql, getRun } from "@/lib/db/dashboards";
import { importModelAndSaes } from "@/lib/import";
import { createNeuronpediaRun, runNeuronpediaImport } from "@/lib/import/neuronpedia";
import { randomSaeTensors, tempDir, writeModel, writeSae } from "./dashboards-support";

const D_SAE = 12;
let root: string;
let modelDir: string;
let dIn: number;
let tokenTexts: Map<number, string>;

beforeAll(async () => {
  root = await tempDir("neuronpedia");
  const model = await writeModel(root);
  modelDir = model.dir;
  dIn = model.dModel;
}, 60_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

async function writeExport(dir: string) {
  const gz = (rows: unknown[]) => gzipSync(rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  for (const kind of ["features", "activations", "explanations"]) await mkdir(path.join(dir, kind), { recursive: true });
  const t = (id: number) => tokenTexts.get(id)!;
  for (const batch of [0, 1]) {
    const indices = Array.from({ length: D_SAE / 2 }, (_, i) => batch * (D_SAE / 2) + i);
    await writeFile(path.join(dir, "features", `batch-${batch}.jsonl.gz`), gz(indices.map((index) => ({
      modelId: "fixture", layer: "0-res", index: String(index), maxActApprox: index + 0.5, frac_nonzero: index === 3 ? 0 : 0.01 * (index + 1),
      pos_str: [t(5), t(6)], pos_values: [1.5, 1.2], neg_str: [t(7)], neg_values: [-2],
      freq_hist_data_bar_values: [0.1, 0.2, 0.3], freq_hist_data_bar_heights: [5, 3, 1],
      logits_hist_data_bar_values: [-1, 0, 1], logits_hist_data_bar_heights: [2, 10, 2],
      topkCosSimIndices: [index, (index + 1) % D_SAE, (index + 2) % D_SAE], topkCosSimValues: [1, 0.8, 0.5],
    }))));
    await writeFile(path.join(dir, "activations", `batch-${batch}.jsonl.gz`), gz(indices.flatMap((index) => [0, 1, 2].map((k) => ({
      modelId: "fixture", layer: "0-res", index: String(index), tokens: [t(0), t(10), t(11), t(12)],
      values: [0, k, 2 * k + index, 0], maxValue: 2 * k + index, maxValueTokenIndex: 2,
    })))));
    await writeFile(path.join(dir, "explanations", `batch-${batch}.jsonl.gz`), gz(indices.map((index) => ({
      modelId: "fixture", layer: "0-res", index: String(index), description: `feature ${index} about things`,
      typeName: "oai_token-act-pair", explanationModelName: "gpt-4o-mini",
    }))));
  }
}

describe("a Neuronpedia export import", () => {
  it("fills features, examples and draft labels, resumes after a crash, and repeats as a no-op", async () => {
    const saeDir = await writeSae(path.join(root, "sae"), { ...randomSaeTensors(dIn, D_SAE, 4) }, { dIn, dSae: D_SAE });
    const imported = await importModelAndSaes({ modelDir, saeDirs: [saeDir] });
    const saeId = imported.saes[0].saeId;
    const tokens = await db().token.findMany({ where: { modelId: imported.modelId } });
    tokenTexts = new Map(tokens.map((t) => [t.tokenId, t.text]));
    const exportDir = path.join(root, "export");
    await writeExport(exportDir);

    const run = await createNeuronpediaRun(saeId, exportDir);
    const crashed = await runNeuronpediaImport(run.id, {
      owner: "a",
      afterFile: (done) => {
        if (done === 3) throw new Error("simulated crash");
      },
    });
    expect(crashed.status).toBe("failed");
    expect(await getRun(run.id)).toMatchObject({ status: "failed", batchesDone: 3, phase: "activations" });

    const again = await createNeuronpediaRun(saeId, exportDir);
    expect(again).toMatchObject({ id: run.id, status: "queued" });
    const resumed = await runNeuronpediaImport(run.id, { owner: "b" });
    expect(resumed).toMatchObject({ status: "done", features: D_SAE, examples: D_SAE * 3, resumedFrom: { batch: 3 } });

    const feature = await db().feature.findFirstOrThrow({ where: { saeId, index: 7 }, include: { currentLabel: true } });
    expect(feature).toMatchObject({
      maxActivation: 7.5, dead: false, histogramCounts: [5, 3, 1], logitTopTokenIds: [5, 6], logitBottomTokenIds: [7],
      neighborIndices: [8, 9], labelStatus: "draft",
    });
    expect(feature.density).toBeCloseTo(0.08, 6);
    expect(feature.currentLabel).toMatchObject({ text: "feature 7 about things", source: "model", status: "draft" });
    expect((await db().feature.findFirstOrThrow({ where: { saeId, index: 3 } })).dead).toBe(true);
    const examples = await db().activationExample.findMany({ where: { featureId: feature.id }, orderBy: { rank: "asc" } });
    expect(examples.map((e) => e.maxValue)).toEqual([11, 9, 7]);
    expect(examples[0]).toMatchObject({ tokenIds: [0, 10, 11, 12], maxPosition: 2, kind: "top" });
    expect(await db().label.count({ where: { feature: { saeId } } })).toBe(D_SAE);
    expect(await db().labelRevision.count({ where: { label: { feature: { saeId } } } })).toBe(D_SAE);
    expect((await db().sae.findUniqueOrThrow({ where: { id: saeId } })).status).toBe("ready");

    const counts = () => Promise.all([db().feature.count(), db().activationExample.count(), db().label.count()]);
    const before = await counts();
    const repeat = await createNeuronpediaRun(saeId, exportDir);
    expect(repeat.status).toBe("done");
    expect((await runNeuronpediaImport(repeat.id, { owner: "c" })).status).toBe("skipped");
    expect(await counts()).toEqual(before);
  }, 60_000);

  it("keeps activations' interval bins (binMin/binMax/binContains) as interval examples, top ones ranked by max", async () => {
    // Neuronpedia Activation rows as neuronpedia_export.py writes them from SAEDashboard: top records
    // have binMin −1, interval records their bin and the bin's share of active tokens
    const saeDir = await writeSae(path.join(root, "sae-bins"), { ...randomSaeTensors(dIn, D_SAE, 9) }, { dIn, dSae: D_SAE });
    const imported = await importModelAndSaes({ modelDir, saeDirs: [saeDir] });
    const saeId = imported.saes[0].saeId;
    const dir = path.join(root, "export-bins");
    const gz = (rows: unknown[]) => gzipSync(rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    for (const kind of ["features", "activations"]) await mkdir(path.join(dir, kind), { recursive: true });
    await writeFile(path.join(dir, "features", "batch-0.jsonl.gz"), gz([{ modelId: "fixture", layer: "0-res", index: "1", maxActApprox: 4, frac_nonzero: 0.1 }]));
    const t = (id: number) => tokenTexts.get(id)!;
    const row = (values: number[], binMin: number, binMax: number, binContains: number) =>
      ({ modelId: "fixture", layer: "0-res", index: "1", tokens: values.map((_, i) => t(10 + i)), values, maxValue: Math.max(...values), binMin, binMax, binContains });
    await writeFile(path.join(dir, "activations", "batch-0.jsonl.gz"), gz([
      row([0, 0.5, 0], 0, 1, 0.7), row([0, 2, 4], -1, 4, -1), row([0, 3.5, 0], 3, 4, 0.05), row([1, 0, 3], -1, 4, -1), row([0.2, 0, 0], 0, 1, 0.7),
    ]));
    const run = await createNeuronpediaRun(saeId, dir);
    expect((await runNeuronpediaImport(run.id, { owner: "bins" })).status).toBe("done");
    const feature = await db().feature.findFirstOrThrow({ where: { saeId, index: 1 }, include: { examples: { orderBy: [{ kind: "asc" }, { intervalIndex: "asc" }, { rank: "asc" }] } } });
    expect(feature.examples.map((e) => [e.kind, e.rank, e.intervalIndex, e.maxValue])).toEqual([
      ["top", 0, null, 4], ["top", 1, null, 3],
      ["interval", 0, 0, 0.5], ["interval", 1, 0, 0.2], ["interval", 0, 3, 3.5],
    ]);
    expect(feature.intervalShares.slice(0, 1)).toEqual([0.7]);
    expect(feature.intervalShares[3]).toBeCloseTo(0.05, 6);
  }, 60_000);

  it("rejects a folder that is not an export", async () => {
    const dir = path.join(root, "not-an-export");
    await mkdir(dir, { recursive: true });
    await expect(createNeuronpediaRun(1, dir)).rejects.toMatchObject({ code: "NEURONPEDIA_EXPORT_INVALID" });
  });
});
