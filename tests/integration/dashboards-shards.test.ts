/**
 * One corpus pass for several SAEs, split into shards: the SAEs of a model share one pass; one
 * worker and three concurrent workers store exactly the same features, examples and histograms;
 * and the auto-interp material built from the stored examples (exactly as production builds it)
 * reuses no example and has only truly inactive negatives, checked by encoding each negative's
 * context again.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { loadFeatureMaterial } from "@/lib/db/autointerp";
import { closeRawSql, getRun, rawSql } from "@/lib/db/dashboards";
import { runDashboards } from "@/lib/dashboards/run";
import { importModelAndSaes } from "@/lib/import";
import { splitMaterial } from "@/lib/labels/autointerp/material";
import { defaultSeed } from "@/lib/labels/autointerp/pipeline";
import { loadModelPackage, tokenRows } from "@/lib/model";
import { loadSae } from "@/lib/sae";
import { randomSaeTensors, tempDir, writeCorpus, writeModel, writeSae } from "./dashboards-support";

const TOKENS = 3200;
const CONTEXT = 16;
const BATCH = 4;

let root: string;
let modelDir: string;
let corpusDir: string;
let saeDirs: string[];
let dIn: number;

beforeAll(async () => {
  root = await tempDir("shards");
  const model = await writeModel(root);
  modelDir = model.dir;
  dIn = model.dModel;
  corpusDir = await writeCorpus(path.join(root, "corpus"), 90, 5);
  saeDirs = [
    await writeSae(path.join(root, "sae-a"), { ...randomSaeTensors(dIn, 24, 101) }, { dIn, dSae: 24 }),
    // a second SAE on another hook of the same model: the same pass must serve both
    await writeSae(path.join(root, "sae-b"), { ...randomSaeTensors(dIn, 16, 202) }, { dIn, dSae: 16 }, {
      configPatch: { metadata: { model_name: "fixture-2l-d8", hook_name: "blocks.1.hook_resid_post", context_size: 16, prepend_bos: true } },
    }),
  ];
}, 60_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

const importBoth = async () =>
  (await importModelAndSaes({ modelDir, saeDirs, corpus: corpusDir, tokens: TOKENS, contextSize: CONTEXT, batchSize: BATCH, seed: 3 })).saes;

async function rows(saeId: number) {
  // labels are written after each run (new ids every time): the dashboards themselves are compared
  const features = await db().feature.findMany({ where: { saeId }, orderBy: { index: "asc" }, omit: { id: true, currentLabelId: true, labelStatus: true, labelScore: true } });
  const examples = await db().activationExample.findMany({
    where: { feature: { saeId } },
    include: { feature: { select: { index: true } } },
    orderBy: [{ feature: { index: "asc" } }, { kind: "asc" }, { intervalIndex: "asc" }, { rank: "asc" }],
    omit: { id: true, featureId: true },
  });
  const sae = await db().sae.findUniqueOrThrow({ where: { id: saeId }, omit: { id: true, createdAt: true, updatedAt: true, metricsDetails: true } });
  return { features, examples, sae };
}

describe("one shared, sharded corpus pass", () => {
  let saeIds: number[];
  let single: Awaited<ReturnType<typeof rows>>[];

  beforeAll(async () => {
    const imported = await importBoth();
    saeIds = imported.map((s) => s.saeId);
    // one worker, one shard
    const outcome = await runDashboards(imported[0].run!.id, { owner: "solo", shards: 1, intraOpNumThreads: 1 });
    expect(outcome.status).toBe("done");
    single = await Promise.all(saeIds.map(rows));
  }, 180_000);

  it("computes every SAE of the model in the one pass the first run's worker made", async () => {
    const runs = await db().dashboardRun.findMany({ where: { sae: { id: { in: saeIds } } } });
    expect(runs.map((r) => r.status)).toEqual(["done", "done"]);
    expect(new Set(runs.map((r) => r.groupKey)).size).toBe(1);
    expect(single[0].examples.some((e) => e.kind === "random")).toBe(true);
    expect(single[1].features.length).toBe(16);
  });

  it("labels every live feature offline with the built-in explainer, scored, next to the baseline", async () => {
    for (const saeId of saeIds) {
      const live = await db().feature.findMany({ where: { saeId, dead: false }, select: { id: true, currentLabel: { select: { source: true, status: true, provenance: true } } } });
      expect(live.length).toBeGreaterThan(0);
      for (const feature of live) {
        expect(feature.currentLabel).toMatchObject({ source: "model", status: "draft", provenance: { method: "featurescope-token-explainer" } });
      }
      const run = await db().autoInterpRun.findFirstOrThrow({ where: { saeId, provider: "builtin" } });
      expect(run).toMatchObject({ status: "done", featuresDone: live.length, featuresFailed: 0 });
      const summary = run.summary as { builtin: { detection: { n: number } }; baseline: { simulation: { n: number } } };
      expect(summary.builtin.detection.n + (summary as unknown as { builtin: { detection: { nulls: number } } }).builtin.detection.nulls).toBe(live.length);
    }
    const scored = await db().label.findFirstOrThrow({ where: { feature: { saeId: saeIds[0] }, detectionScore: { not: null } } });
    expect(scored.scoreDetails).toMatchObject({ detection: { inactiveSource: expect.stringMatching(/verified/) } });
  });

  it("three workers on three shards store exactly what one worker stores", async () => {
    await rawSql()`DELETE FROM "DashboardRun" WHERE "saeId" = ANY(${saeIds})`;
    const imported = await importBoth();
    const runId = imported[0].run!.id;
    const batchesBy = new Map<string, number>();
    const worker = (owner: string) => runDashboards(runId, {
      owner, shards: 3, intraOpNumThreads: 1, checkpointMs: 0,
      afterBatch: async () => {
        batchesBy.set(owner, (batchesBy.get(owner) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 5)); // let the others interleave
      },
    });
    const outcomes = await Promise.all([worker("w1"), worker("w2"), worker("w3")]);
    expect(outcomes.filter((o) => o.status === "failed")).toEqual([]);
    expect(outcomes.some((o) => o.status === "done")).toBe(true);
    expect(batchesBy.size).toBeGreaterThanOrEqual(2); // the work really was shared
    expect((await getRun(runId))?.status).toBe("done");
    const sharded = await Promise.all(saeIds.map(rows));
    expect(sharded).toEqual(single);
  }, 240_000);

  it("builds auto-interp material the way production does: no example reused, every negative inactive (re-encoded)", async () => {
    const model = await loadModelPackage(modelDir, { intraOpNumThreads: 1 });
    const sae = await loadSae(saeDirs[0], { intraOpNumThreads: 1 });
    const saeRow = await db().sae.findUniqueOrThrow({ where: { id: saeIds[0] } });
    const live = await db().feature.findMany({ where: { saeId: saeIds[0], dead: false }, select: { index: true }, orderBy: { index: "asc" } });
    expect(live.length).toBeGreaterThan(0);
    let negatives = 0;
    for (const { index } of live) {
      const loaded = await loadFeatureMaterial(saeIds[0], index);
      const split = splitMaterial(loaded!.material, defaultSeed(loaded!.material));
      const ids = [...split.explain, ...split.simulation, ...split.detectionActive, ...split.detectionInactive].map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      const inactive = [...split.detectionInactive, ...split.simulation.filter((e) => e.kind === "random")];
      for (const example of inactive) {
        expect(example.kind).toBe("random");
        const out = await model.forward([example.tokenIds!], { capture: [saeRow.hookName], logits: "none" });
        const encoding = await sae.encode(tokenRows(out, out.activations[saeRow.hookName], 0).slice());
        example.tokenIds!.forEach((id, t) => {
          if (id !== 0) expect(encoding.featureActs[t * sae.dSae + index]).toBe(0); // BOS-id positions count nowhere
        });
        negatives += 1;
      }
      for (const example of split.detectionActive) expect(example.maxValue).toBeGreaterThan(0);
    }
    expect(negatives).toBeGreaterThan(0);
    await sae.dispose();
    await model.dispose();
  }, 240_000);
});
