/**
 * End to end on the runtime's tiny model: import → dashboard run → Feature/ActivationExample rows,
 * checked against a brute-force reference over the same contexts, with planted features whose top
 * examples are known exactly; re-import is a no-op; an interrupted run resumes to the same result.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql, getRun, rawSql } from "@/lib/db/dashboards";
import { buildContexts, contextTokens, seededOrder, type BuiltContexts } from "@/lib/dashboards/corpus";
import { runDashboards } from "@/lib/dashboards/run";
import { backfillTypicalHookNorms } from "@/lib/steering/hook-norm-backfill";
import { importModelAndSaes } from "@/lib/import";
import { loadModelPackage, tokenRows, type ModelSession } from "@/lib/model";
import { LOGIT_EFFECTS_CONVENTION } from "@/lib/model/logit-effects-convention";
import { loadSae } from "@/lib/sae";
import { HOOK, randomSaeTensors, tempDir, writeCorpus, writeModel, writeSae, type SaeTensors } from "./dashboards-support";

const D_SAE = 12;
const TOKENS = 2400;
const CONTEXT = 16;
const BATCH = 8;
const SEED = 1;

let root: string;
let modelDir: string;
let corpusDir: string;
let model: ModelSession;
let contexts: BuiltContexts;
/** Hook activations per dashboard context (BOS included), [length, dIn]. */
let hookActs: Float32Array[];
let dIn: number;
let planted: { context: number; position: number };

beforeAll(async () => {
  root = await tempDir("dashboards");
  const written = await writeModel(root);
  modelDir = written.dir;
  dIn = written.dModel;
  corpusDir = await writeCorpus(path.join(root, "corpus"));
  model = await loadModelPackage(modelDir, { intraOpNumThreads: 1 });
  contexts = await buildContexts(model.tokenizer, {
    corpusPath: corpusDir, tokens: TOKENS, heldoutTokens: Math.min(65_536, Math.max(1024, Math.round(TOKENS / 16))),
    contextSize: CONTEXT, bosTokenId: 0, eosTokenId: 0,
  });
  hookActs = [];
  for (let c = 0; c < contexts.dashboard.count; c++) {
    const tokens = Array.from(contextTokens(contexts.dashboard, c));
    const out = await model.forward([tokens], { capture: [HOOK], logits: "none" });
    hookActs.push(tokenRows(out, out.activations[HOOK], 0).slice());
  }
  // the non-BOS token with the largest activation norm: a feature reading exactly its direction
  // (w = x*/‖x*‖², no bias) peaks there at exactly 1 and is < 1 everywhere else
  let best = -1;
  planted = { context: -1, position: -1 };
  hookActs.forEach((acts, c) => {
    const tokens = contextTokens(contexts.dashboard, c);
    for (let t = 0; t < tokens.length; t++) {
      if (tokens[t] === 0) continue;
      const norm = Math.hypot(...acts.subarray(t * dIn, (t + 1) * dIn));
      if (norm > best) {
        best = norm;
        planted = { context: c, position: t };
      }
    }
  });
}, 120_000);

afterAll(async () => {
  await model?.dispose();
  await closeRawSql();
  await disconnectDb();
});

/** A direction along which BOS is strictly above every other token, and the gap: feature 1 fires on BOS only. */
function bosSeparator(): { w: Float32Array; bos: number; others: number } {
  const bosVector = hookActs[0].subarray(0, dIn);
  const candidates: Float32Array[] = [Float32Array.from(bosVector)];
  for (let j = 0; j < dIn; j++) {
    for (const sign of [1, -1]) {
      const e = new Float32Array(dIn);
      e[j] = sign;
      candidates.push(e);
    }
  }
  const dot = (w: Float32Array, x: Float32Array) => x.reduce((sum, v, j) => sum + v * w[j], 0);
  let best = { w: candidates[0], bos: 0, others: Infinity };
  for (const w of candidates) {
    let others = -Infinity;
    hookActs.forEach((acts, c) => {
      const tokens = contextTokens(contexts.dashboard, c);
      for (let t = 0; t < tokens.length; t++) if (tokens[t] !== 0) others = Math.max(others, dot(w, acts.subarray(t * dIn, (t + 1) * dIn)));
    });
    const bos = dot(w, bosVector);
    if (bos - others > best.bos - best.others) best = { w, bos, others };
  }
  return best;
}

/** Feature 0: the planted max-norm direction; feature 1: fires on BOS only; feature 2: dead. */
function plantedTensors(seed: number): SaeTensors {
  const tensors = randomSaeTensors(dIn, D_SAE, seed);
  const x = hookActs[planted.context].subarray(planted.position * dIn, (planted.position + 1) * dIn);
  const squared = x.reduce((s, a) => s + a * a, 0);
  const separator = bosSeparator();
  expect(separator.bos).toBeGreaterThan(separator.others); // the fixture model has such a direction
  const scale = 2 / (separator.bos - separator.others); // BOS ↦ 1, the best other token ↦ −1
  for (let j = 0; j < dIn; j++) {
    tensors.W_enc[j * D_SAE + 0] = x[j] / squared;
    tensors.W_enc[j * D_SAE + 1] = scale * separator.w[j];
  }
  tensors.b_enc[0] = 0;
  tensors.b_enc[1] = -scale * (separator.bos + separator.others) / 2;
  tensors.b_enc[2] = -1e4;
  return tensors;
}

interface Reference {
  count: number;
  max: number;
  top: Array<[number, number]>;
  intervals: number[][];
}

/** Brute force with the SAE runtime's dense encoding, contexts in the run's processing order. */
async function reference(saeDir: string): Promise<Reference[]> {
  const sae = await loadSae(saeDir, { intraOpNumThreads: 1 });
  const order = seededOrder(contexts.dashboard.count, SEED);
  const perFeature = Array.from({ length: D_SAE }, () => ({ values: [] as number[], contexts: [] as Array<{ c: number; max: number; pos: number }> }));
  for (const c of order) {
    const tokens = contextTokens(contexts.dashboard, c);
    const encoding = await sae.encode(hookActs[c]);
    for (let f = 0; f < D_SAE; f++) {
      let max = 0;
      let pos = 0;
      for (let t = 0; t < tokens.length; t++) {
        if (tokens[t] === 0) continue;
        const v = encoding.featureActs[t * D_SAE + f];
        if (v > 0) perFeature[f].values.push(v);
        if (v > max) {
          max = v;
          pos = t;
        }
      }
      if (max > 0) perFeature[f].contexts.push({ c, max, pos });
    }
  }
  await sae.dispose();
  return perFeature.map(({ values, contexts: ctx }) => {
    const max = values.length ? Math.max(...values) : 0;
    const interval = (v: number) => Math.min(9, Math.ceil((v / max) * 10) - 1);
    const intervals: number[][] = Array.from({ length: 10 }, () => []);
    for (const entry of ctx) {
      const j = interval(entry.max);
      if (entry.max > max * 1e-6 && intervals[j].length < 5) intervals[j].push(entry.c);
    }
    const top = [...ctx].sort((a, b) => b.max - a.max || a.c - b.c).slice(0, 20).map((e) => [e.c, e.pos] as [number, number]);
    return { count: values.length, max, top, intervals };
  });
}

async function dashboardRows(saeId: number) {
  // labels are written after each run (new ids every time): the dashboards themselves are compared
  const features = await db().feature.findMany({ where: { saeId }, orderBy: { index: "asc" }, omit: { id: true, currentLabelId: true, labelStatus: true, labelScore: true } });
  const examples = await db().activationExample.findMany({
    where: { feature: { saeId } },
    include: { feature: { select: { index: true } } },
    orderBy: [{ feature: { index: "asc" } }, { kind: "asc" }, { intervalIndex: "asc" }, { rank: "asc" }],
  });
  // ids differ between runs; everything else must not
  return {
    features,
    examples: examples.map((example) => {
      const rest: Partial<typeof example> = { ...example };
      delete rest.id;
      delete rest.featureId;
      return rest;
    }),
  };
}

async function importOne(saeDir: string) {
  return importModelAndSaes({ modelDir, saeDirs: [saeDir], corpus: corpusDir, tokens: TOKENS, contextSize: CONTEXT, batchSize: BATCH, seed: SEED });
}

describe("dashboards on a planted SAE", () => {
  let saeDir: string;
  let saeId: number;
  let expected: Reference[];

  beforeAll(async () => {
    saeDir = await writeSae(path.join(root, "sae-planted"), { ...plantedTensors(21) }, { dIn, dSae: D_SAE });
    const imported = await importOne(saeDir);
    saeId = imported.saes[0].saeId;
    const outcome = await runDashboards(imported.saes[0].run!.id, { owner: "test", checkpointMs: 0, intraOpNumThreads: 1 });
    expect(outcome.status).toBe("done");
    expected = await reference(saeDir);
  }, 120_000);

  it("finds the planted feature's top example exactly", async () => {
    const top = await db().activationExample.findFirst({ where: { feature: { saeId, index: 0 }, kind: "top", rank: 0 } });
    expect(top).toMatchObject({ contextIndex: planted.context, maxPosition: planted.position });
    expect(top!.maxValue).toBeCloseTo(1, 4);
    expect(top!.tokenIds).toEqual(Array.from(contextTokens(contexts.dashboard, planted.context)));
    expect(top!.values[planted.position]).toBeCloseTo(1, 4);
    const feature = await db().feature.findFirstOrThrow({ where: { saeId, index: 0 } });
    expect(feature.maxActivation).toBeCloseTo(1, 4);
  });

  it("excludes BOS: no value, no max position and no count at a BOS token", async () => {
    const examples = await db().activationExample.findMany({ where: { feature: { saeId } } });
    for (const example of examples) {
      example.tokenIds.forEach((id, t) => {
        if (id === 0) expect(example.values[t]).toBe(0);
      });
      expect(example.tokenIds[example.maxPosition]).not.toBe(0);
    }
    // the BOS-only feature is active (value 1) at every context's first token, yet dead on the dashboard
    const sae = await loadSae(saeDir, { intraOpNumThreads: 1 });
    expect((await sae.encode(hookActs[0].subarray(0, dIn))).featureActs[1]).toBeCloseTo(1, 2);
    await sae.dispose();
    expect(expected[1].count).toBe(0);
    const bosFeature = await db().feature.findFirstOrThrow({ where: { saeId, index: 1 } });
    expect(bosFeature).toMatchObject({ dead: true, maxActivation: 0, density: 0 });
    expect(await db().activationExample.count({ where: { feature: { saeId, index: 1 } } })).toBe(0);
  });

  it("matches the brute-force reference for every feature: top examples, interval samples, density, histogram", async () => {
    const { features, examples } = await dashboardRows(saeId);
    expect(features).toHaveLength(D_SAE);
    const counted = contexts.dashboard.countedTokens;
    for (const [f, ref] of expected.entries()) {
      const feature = features[f];
      expect(feature.dead).toBe(ref.count === 0);
      expect(feature.density).toBeCloseTo(ref.count / counted, 6);
      expect(feature.maxActivation).toBeCloseTo(ref.max, Math.max(0, 5 - Math.ceil(Math.log10(Math.max(1, ref.max)))));
      const mine = examples.filter((e) => e.feature?.index === f);
      expect(mine.filter((e) => e.kind === "top").map((e) => [e.contextIndex, e.maxPosition])).toEqual(ref.top);
      for (let j = 0; j < 10; j++) {
        expect(mine.filter((e) => e.kind === "interval" && e.intervalIndex === j).map((e) => e.contextIndex)).toEqual(ref.intervals[j]);
      }
      if (ref.count > 0) {
        expect(feature.histogramCounts).toHaveLength(50);
        expect(feature.histogramCounts.reduce((a, b) => a + b, 0)).toBe(ref.count);
        expect(feature.intervalShares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
      expect(feature.logitTopTokenIds).toHaveLength(10);
      expect(feature.logitHistogramCounts.reduce((a, b) => a + b, 0)).toBe(model.manifest.dVocab);
      expect(feature.neighborIndices).toHaveLength(10);
      expect(feature.neighborIndices).not.toContain(f);
    }
    expect(features[2].dead).toBe(true);
  });

  it("stores the SAE's quality metrics and the corpus used", async () => {
    const sae = await db().sae.findUniqueOrThrow({ where: { id: saeId } });
    expect(sae.status).toBe("ready");
    expect(sae.l0).toBeGreaterThan(0);
    expect(Number.isFinite(sae.explainedVariance)).toBe(true);
    expect(Number.isFinite(sae.ceLossRecovered)).toBe(true);
    expect(sae.deadFraction).toBeGreaterThanOrEqual(1 / D_SAE); // feature 2 at least
    expect(Number(sae.dashboardTokens)).toBe(contexts.dashboard.countedTokens);
    expect(sae.dashboardContextSize).toBe(CONTEXT);
    expect(await db().token.count({ where: { model: { name: "fixture-2l-d8" } } })).toBe(model.tokenizer.vocabSize);
    // one BOS rule: the quality metrics count exactly the held-out tokens the corpus packer counts
    // (every BOS-id position left out — the EOS joining packed documents too, not only position 0)
    const details = sae.metricsDetails as { heldout: { tokens: number; contexts: number }; logitEffects: unknown };
    expect(contexts.heldout.totalTokens - contexts.heldout.countedTokens).toBeGreaterThan(details.heldout.contexts);
    expect(details.heldout.tokens).toBe(contexts.heldout.countedTokens);
    expect(details.logitEffects).toEqual(LOGIT_EFFECTS_CONVENTION);
  });

  it("stores the hook's typical norm (steering's add unit): mean ‖h‖ over the first 128 dashboard contexts in seeded order, BOS excluded", async () => {
    const sae = await db().sae.findUniqueOrThrow({ where: { id: saeId } });
    // by hand from the captured activations, independent of lib/steering/hook-norm.ts
    let sum = 0;
    let tokens = 0;
    for (const c of seededOrder(contexts.dashboard.count, SEED).subarray(0, 128)) {
      contextTokens(contexts.dashboard, c).forEach((id, t) => {
        if (id === 0) return;
        sum += Math.hypot(...hookActs[c].subarray(t * dIn, (t + 1) * dIn));
        tokens += 1;
      });
    }
    expect(tokens).toBeGreaterThan(0);
    expect(sae.typicalHookNorm).toBeCloseTo(sum / tokens, 4);
  });

  it("measures the same norm for an SAE computed before it was stored, without recomputing its dashboards (npm run steer:hook-norms)", async () => {
    const stored = (await db().sae.findUniqueOrThrow({ where: { id: saeId } })).typicalHookNorm!;
    await db().sae.update({ where: { id: saeId }, data: { typicalHookNorm: null } });
    const runsBefore = await db().dashboardRun.findMany({ where: { saeId }, select: { id: true, finishedAt: true, updatedAt: true } });
    const result = await backfillTypicalHookNorms();
    expect(result.measured.map((m) => m.saeId)).toContain(saeId);
    expect((await db().sae.findUniqueOrThrow({ where: { id: saeId } })).typicalHookNorm).toBeCloseTo(stored, 6);
    // no dashboard run was started or touched
    expect(await db().dashboardRun.findMany({ where: { saeId }, select: { id: true, finishedAt: true, updatedAt: true } })).toEqual(runsBefore);
    // nothing left to measure: a second pass does nothing
    expect((await backfillTypicalHookNorms()).measured.map((m) => m.saeId)).not.toContain(saeId);
  });

  it("re-importing the same files duplicates nothing", async () => {
    const before = await Promise.all([db().model.count(), db().sae.count(), db().feature.count(), db().activationExample.count(), db().token.count(), db().dashboardRun.count()]);
    const again = await importOne(saeDir);
    expect(again.modelCreated).toBe(false);
    expect(again.saes[0]).toMatchObject({ saeId, created: false });
    expect(again.saes[0].run?.status).toBe("done");
    const outcome = await runDashboards(again.saes[0].run!.id, { owner: "test" });
    expect(outcome.status).toBe("skipped");
    const after = await Promise.all([db().model.count(), db().sae.count(), db().feature.count(), db().activationExample.count(), db().token.count(), db().dashboardRun.count()]);
    expect(after).toEqual(before);
  });
});

describe("an interrupted dashboard run", () => {
  it("resumes from its last finished batch and stores exactly what an uninterrupted run stores", async () => {
    const saeDir = await writeSae(path.join(root, "sae-resume"), { ...randomSaeTensors(dIn, D_SAE, 33) }, { dIn, dSae: D_SAE });
    const first = await importOne(saeDir);
    const saeId = first.saes[0].saeId;
    const runId = first.saes[0].run!.id;

    // an uninterrupted run, kept for comparison, then forgotten
    expect((await runDashboards(runId, { owner: "a", intraOpNumThreads: 1 })).status).toBe("done");
    const uninterrupted = await dashboardRows(saeId);
    await rawSql()`DELETE FROM "DashboardRun" WHERE "id" = ${runId}`;

    // crash in pass 2, after batch 3 (checkpoints after every batch)
    const second = await importOne(saeDir);
    const crashRun = second.saes[0].run!.id;
    const crashed = await runDashboards(crashRun, {
      owner: "b", checkpointMs: 0, intraOpNumThreads: 1,
      afterBatch: (phase, batch) => {
        if (phase === "pass2" && batch === 3) throw new Error("simulated crash");
      },
    });
    expect(crashed).toMatchObject({ status: "failed", message: "simulated crash" });
    const failed = await getRun(crashRun);
    expect(failed).toMatchObject({ status: "failed", phase: "pass2", batchesDone: 3 });

    // enqueueing again picks the same run up where it stopped
    const third = await importOne(saeDir);
    expect(third.saes[0].run).toMatchObject({ id: crashRun, status: "queued" });
    const resumed = await runDashboards(crashRun, { owner: "c", checkpointMs: 0, intraOpNumThreads: 1 });
    expect(resumed).toMatchObject({ status: "done", resumedFrom: { phase: "pass2", batch: 3 } });
    expect(await dashboardRows(saeId)).toEqual(uninterrupted);
  }, 120_000);
});
