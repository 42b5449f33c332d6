/**
 * Re-importing a Neuronpedia export after people worked on its labels: nothing they did is lost or
 * overwritten, nothing is duplicated, untouched labels whose explanation changed are updated in place
 * as a new revision, the shown label follows the ranking rule, and each import leaves one audit
 * event with its counts — also when the import was interrupted and resumed between explanations files.
 */
import { randomUUID } from "node:crypto";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql } from "@/lib/db/dashboards";
import { createComment, createLabel, pinLabel, reviewLabel, updateLabel, voteOnLabel } from "@/lib/db/labels";
import { importModelAndSaes } from "@/lib/import";
import { createNeuronpediaRun, labelImportSummary, runNeuronpediaImport } from "@/lib/import/neuronpedia";
import { randomSaeTensors, tempDir, writeModel, writeSae } from "./dashboards-support";

const D_SAE = 8;
let root: string;
let modelDir: string;
let dIn: number;
let saeId: number;

interface Explanation {
  index: number;
  description: string;
  id?: string;
  explanationModelName?: string;
  typeName?: string;
  authorId?: string;
}

/** features/batch-0 (every feature) and explanations/batch-0 (features 0–3), batch-1 (4–7). */
async function writeExport(dir: string, explanations: Explanation[]) {
  await rm(dir, { recursive: true, force: true });
  const gz = (rows: unknown[]) => gzipSync(rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  await mkdir(path.join(dir, "features"), { recursive: true });
  await mkdir(path.join(dir, "explanations"), { recursive: true });
  await writeFile(path.join(dir, "features", "batch-0.jsonl.gz"), gz(Array.from({ length: D_SAE }, (_, index) => ({
    modelId: "fixture", layer: "0-res", index: String(index), maxActApprox: index + 1, frac_nonzero: 0.01,
  }))));
  for (const batch of [0, 1]) {
    const rows = explanations
      .filter((e) => Math.floor(e.index / 4) === batch)
      .map((e) => ({
        modelId: "fixture", layer: "0-res", typeName: "oai_token-act-pair", explanationModelName: "gpt-4o-mini", ...e, index: String(e.index),
      }));
    await writeFile(path.join(dir, "explanations", `batch-${batch}.jsonl.gz`), gz(rows));
  }
}

const v1: Explanation[] = [
  ...Array.from({ length: 7 }, (_, index) => ({ index, description: `v1 feature ${index}` })),
  { index: 7, description: "v1 feature 7", id: "np-exp-7", authorId: "np-user-1" },
];

/** The same explanations with new text for 0–5, plus a second explainer's explanation of feature 6, an empty and a repeated row. */
const v2: Explanation[] = [
  ...Array.from({ length: 6 }, (_, index) => ({ index, description: `v2 feature ${index}` })),
  { index: 6, description: "v1 feature 6" },
  { index: 6, description: "v2 feature 6 by another explainer", explanationModelName: "claude-3-5-haiku" },
  { index: 7, description: "v1 feature 7", id: "np-exp-7", authorId: "np-user-1" },
  { index: 3, description: "   " },
  { index: 2, description: "v2 feature 2" },
];

async function importExport(dir: string, options: { crashAfter?: number; sae?: number } = {}) {
  const run = await createNeuronpediaRun(options.sae ?? saeId, dir);
  const outcome = await runNeuronpediaImport(run.id, {
    owner: `test-${randomUUID().slice(0, 6)}`,
    afterFile: (done) => {
      if (done === options.crashAfter) throw new Error("simulated crash");
    },
  });
  return { run, outcome };
}

async function auditFor(runId: number) {
  return db().auditEvent.findMany({ where: { action: "label.import", targetType: "Sae", targetId: saeId, details: { path: ["runId"], equals: runId } } });
}

const featureId = async (index: number) => (await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId, index } } })).id;

async function importedLabel(index: number, text?: string) {
  return db().label.findFirstOrThrow({
    where: { feature: { saeId, index }, source: "model", ...(text ? { text } : {}) },
    orderBy: { id: "asc" },
  });
}

/** Everything about a label people might care about: the row, its revisions and its votes. */
async function snapshot(labelId: number) {
  const label = await db().label.findUniqueOrThrow({ where: { id: labelId }, include: { revisions: { orderBy: { version: "asc" } }, votes: true } });
  return label;
}

beforeAll(async () => {
  root = await tempDir("neuronpedia-reimport");
  const model = await writeModel(root);
  modelDir = model.dir;
  dIn = model.dModel;
  const saeDir = await writeSae(path.join(root, "sae-reimport"), { ...randomSaeTensors(dIn, D_SAE, 41) }, { dIn, dSae: D_SAE });
  saeId = (await importModelAndSaes({ modelDir, saeDirs: [saeDir] })).saes[0].saeId;
}, 60_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

describe("re-importing a Neuronpedia export", () => {
  it("keeps what people did, updates untouched labels in place, never duplicates, and audits each import once", async () => {
    const exportDir = path.join(root, "export");
    await writeExport(exportDir, v1);

    // first import, killed after the first explanations file and resumed: one audit event counting both files
    const crashed = await importExport(exportDir, { crashAfter: 2 });
    expect(crashed.outcome.status).toBe("failed");
    expect(await db().label.count({ where: { feature: { saeId } } })).toBe(4);
    expect(await auditFor(crashed.run.id)).toHaveLength(0);
    const first = await importExport(exportDir);
    expect(first.run.id).toBe(crashed.run.id);
    expect(first.outcome).toMatchObject({ status: "done", resumedFrom: { batch: 2 } });
    const [firstAudit, ...moreFirst] = await auditFor(first.run.id);
    expect(moreFirst).toHaveLength(0);
    expect(firstAudit.details).toMatchObject({ source: "neuronpedia", added: 8, updated: 0, keptEditedByPeople: 0, unchanged: 0, skipped: 0 });
    expect(await db().label.count({ where: { feature: { saeId } } })).toBe(8);

    // provenance and a first revision, like any label write
    const label7 = await importedLabel(7);
    expect(label7).toMatchObject({ source: "model", status: "draft", version: 1, authorId: null });
    expect(label7.provenance).toMatchObject({
      source: "neuronpedia", model: "gpt-4o-mini", method: "oai_token-act-pair", author: "np-user-1", explanationId: "np-exp-7",
      exportDir: path.resolve(exportDir), exportFile: path.join("explanations", "batch-1.jsonl.gz"), runId: first.run.id,
    });
    const revisions7 = await db().labelRevision.findMany({ where: { labelId: label7.id } });
    expect(revisions7).toEqual([expect.objectContaining({ version: 1, text: "v1 feature 7", status: "draft" })]);

    // people work on the imported labels
    const editor = await db().user.create({ data: { email: `np-reimport-${randomUUID().slice(0, 8)}@example.org`, role: "editor" } });
    const [l0, l1, l2, l3, l4, l5, l6] = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => importedLabel(i)));
    await reviewLabel(l0.id, { action: "accept", version: 1 }, editor.id);
    await updateLabel(l1.id, { version: 1, text: "a person's better label for feature 1" }, editor.id);
    await voteOnLabel(l2.id, editor.id, 1);
    await pinLabel(l3.id, true, editor.id);
    await createComment(l4.featureId, "is this really about v1?", editor.id);
    const human6 = await createLabel(l6.featureId, { text: "a person's label for feature 6" }, editor.id);
    const touched = [l0, l1, l2, l3, l4];
    const before = await Promise.all(touched.map((l) => snapshot(l.id)));
    const untouchedBefore = await Promise.all([l6.id, label7.id].map(snapshot));
    const revisionCount = await db().labelRevision.count({ where: { label: { feature: { saeId } } } });

    // the export changes in place: a new run (the fingerprint changed), re-importing every file
    await writeExport(exportDir, v2);
    const second = await importExport(exportDir);
    expect(second.run.id).not.toBe(first.run.id);
    expect(second.outcome.status).toBe("done");

    // what people touched is exactly as they left it: text, status, version, votes, pin, revisions
    for (const [i, label] of touched.entries()) expect(await snapshot(label.id)).toEqual(before[i]);
    expect((await snapshot(l0.id)).status).toBe("accepted");
    expect((await snapshot(l1.id)).text).toBe("a person's better label for feature 1");
    expect((await snapshot(l2.id)).votes).toHaveLength(1);

    // the untouched label whose explanation changed: the same label, a new revision
    const after5 = await snapshot(l5.id);
    expect(after5).toMatchObject({ text: "v2 feature 5", version: 2, status: "draft" });
    expect(after5.revisions.map((r) => [r.version, r.text])).toEqual([[1, "v1 feature 5"], [2, "v2 feature 5"]]);
    expect(after5.provenance).toMatchObject({ runId: second.run.id, importedVersion: 2 });
    // an unchanged one is not written at all
    expect(await Promise.all([l6.id, label7.id].map(snapshot))).toEqual(untouchedBefore);

    // no duplicates: one imported label per (feature, explanation), the new explainer's added once
    const perFeature = await db().label.groupBy({ by: ["featureId"], where: { feature: { saeId }, source: "model" }, _count: { _all: true } });
    const sixId = await featureId(6);
    for (const row of perFeature) expect(row._count._all).toBe(row.featureId === sixId ? 2 : 1);
    expect(await db().label.count({ where: { feature: { saeId } } })).toBe(10);
    // revisions: 2 for the updated label, 1 for the added one, none rewritten
    expect(await db().labelRevision.count({ where: { label: { feature: { saeId } } } })).toBe(revisionCount + 2);

    const [secondAudit, ...moreSecond] = await auditFor(second.run.id);
    expect(moreSecond).toHaveLength(0);
    expect(secondAudit.details).toMatchObject({
      added: 1, updated: 1, keptEditedByPeople: 5, unchanged: 2, skipped: 2,
      updatedLabelIds: [l5.id], keptLabelIds: touched.map((l) => l.id).sort((a, b) => a - b),
    });
    expect(secondAudit.actorId).toBeNull();
    expect(await labelImportSummary(second.run.id, saeId)).toMatchObject({ added: 1, updated: 1, keptEditedByPeople: 5 });

    // the shown label follows the ranking rule: the accepted and the pinned labels stay shown, the
    // person's accepted label on feature 6 is not displaced by the new machine draft
    const shown = async (index: number) => (await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId, index } } })).currentLabelId;
    expect(await shown(0)).toBe(l0.id);
    expect(await shown(1)).toBe(l1.id);
    expect(await shown(3)).toBe(l3.id);
    expect(await shown(5)).toBe(l5.id);
    expect(await shown(6)).toBe(human6.id);
    expect((await db().feature.findUniqueOrThrow({ where: { id: sixId } })).labelStatus).toBe("accepted");

    // the same export again, from another folder: nothing changes, and the audit event says so
    const copyDir = path.join(root, "export-copy");
    await cp(exportDir, copyDir, { recursive: true });
    const labelsBefore = await db().label.findMany({ where: { feature: { saeId } }, include: { revisions: true, votes: true }, orderBy: { id: "asc" } });
    const third = await importExport(copyDir);
    expect(third.outcome.status).toBe("done");
    expect(await db().label.findMany({ where: { feature: { saeId } }, include: { revisions: true, votes: true }, orderBy: { id: "asc" } })).toEqual(labelsBefore);
    const [thirdAudit] = await auditFor(third.run.id);
    expect(thirdAudit.details).toMatchObject({ added: 0, updated: 0, keptEditedByPeople: 5, unchanged: 4, skipped: 2 });

    // the unchanged folder once more: the finished run is found, nothing runs, no new audit event
    const repeat = await createNeuronpediaRun(saeId, copyDir);
    expect(repeat).toMatchObject({ id: third.run.id, status: "done" });
    expect(await db().auditEvent.count({ where: { action: "label.import", targetId: saeId } })).toBe(3);
  }, 120_000);

  it("recognises labels from imports made before explanation keys existed, so they are not duplicated", async () => {
    const saeDir = await writeSae(path.join(root, "sae-legacy"), { ...randomSaeTensors(dIn, D_SAE, 42) }, { dIn, dSae: D_SAE });
    const sae = (await importModelAndSaes({ modelDir, saeDirs: [saeDir] })).saes[0].saeId;
    const first = path.join(root, "legacy-export-1");
    await writeExport(first, v1);
    expect((await importExport(first, { sae })).outcome.status).toBe("done");
    // the provenance the importer used to write: importedFrom, typeName, explanationModelName, file
    await db().$executeRaw`
      UPDATE "Label" l SET "provenance" = jsonb_build_object('importedFrom', 'neuronpedia', 'typeName', l."provenance"->>'method',
        'explanationModelName', l."provenance"->>'model', 'file', 'batch-0.jsonl.gz')
      FROM "Feature" f WHERE f."id" = l."featureId" AND f."saeId" = ${sae}`;
    const legacyIds = (await db().label.findMany({ where: { feature: { saeId: sae } }, orderBy: { id: "asc" } })).map((l) => l.id);
    expect(legacyIds).toHaveLength(8);

    const second = path.join(root, "legacy-export-2");
    await writeExport(second, v2);
    const { run, outcome } = await importExport(second, { sae });
    expect(outcome.status).toBe("done");
    expect(await labelImportSummary(run.id, sae)).toMatchObject({ added: 1, updated: 6, keptEditedByPeople: 0, unchanged: 2, skipped: 2 });
    const labels = await db().label.findMany({ where: { feature: { saeId: sae } }, orderBy: { id: "asc" } });
    expect(labels).toHaveLength(9);
    expect(labels.slice(0, 8).map((l) => l.id)).toEqual(legacyIds);
    expect(labels.slice(0, 6).map((l) => [l.text, l.version])).toEqual(Array.from({ length: 6 }, (_, i) => [`v2 feature ${i}`, 2]));
    expect(labels[8]).toMatchObject({ text: "v2 feature 6 by another explainer", provenance: expect.objectContaining({ model: "claude-3-5-haiku" }) });
  }, 120_000);
});
