/**
 * Search by inference and contrast search with known answers, through the real inference path
 * (inference service over HTTP → model package → SAE). The fixture model's weights are random, so
 * the features are planted: this file runs the model itself, reads the hook activations of its
 * prompts, and writes a ReLU SAE whose first features are linear separators of chosen tokens:
 *
 *   P — fires only on " sat" in "the cat sat on the mat" (in that context), 20 there;
 *   C — fires only on the opening "zebra" that every positive prompt shares, on no negative token;
 *   E — fires on that opening too, and on the first token of the negative prompt "yak one";
 *   D — fires on the last token of the first positive prompt only;
 *   B — fires only on BOS, 50 there (BOS must not count as a strongest feature).
 *
 * The other features are random. Every expectation is also checked against a brute-force
 * reference (ReLU(W_encᵀx + b_enc) in plain JavaScript over the same hook activations).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { modelForInference, saeForInference } from "@/lib/db/inference";
import { InferenceEngine } from "@/lib/inference/engine";
import { ConcurrencyLimiter } from "@/lib/inference/limiter";
import { loadModelPackage, tokenRows } from "@/lib/model";
import { FIXTURE_MODEL, writeFixtureModelPackage } from "@/lib/model/fixtures";
import { contrastSearch, CONTRAST_NEGATIVE_THRESHOLD, textFeatures } from "@/lib/search/inference";
import { createInferenceServer } from "@/workers/inference/server";
import * as contrastRoute from "@/app/api/v1/search/contrast/route";
import { call } from "./api-support";
import { HOOK, randomSaeTensors, writeSae } from "./dashboards-support";

const D_SAE = 16;
const FEATURE = { C: 0, P: 1, E: 2, D: 3, B: 4 } as const;
const P_VALUE = 20;
const B_VALUE = 50;

const TEXT = "the cat sat on the mat";
const TRIGGER = " sat";
const CONTROL = "yak two";
const POSITIVE = ["zebra one", "zebra two", "zebra three"];
const NEGATIVE = ["yak one", "yak two"];
/** "zebra" is five byte-level tokens: z e b r a. Its last one (position 5) is the shared opening C reads. */
const OPENING = 5;

/**
 * A second, wider SAE for the one-scale rules (W for "wide"): 35 loud features fire only on the "z"
 * and 35 only on the "e" every positive prompt opens with (values 50–120), so each token lists at
 * most ~37 features, yet a prompt has 70 features stronger than the quiet ones; QUIET (value 4 at
 * the shared opening, like C) is what the search should find first on the relative scale;
 * NO_DASHBOARD (value 2 there) has no Feature row, so it has no dashboard max.
 */
/**
 * A crowded SAE for exact measurement: 70 loud features all on the "z" (so that token's list of 64
 * is full and 6 of them are never listed), CROWDED_QUIET on the shared opening; its negative prompt
 * also starts with "z", so the lists cannot say whether CROWDED_QUIET fires there: it is measured.
 */
const D_CROWDED = 72;
const CROWDED_QUIET = 70;
const CROWD_NEGATIVE = "zoo one";
let crowded: { W_enc: Float32Array; b_enc: Float32Array; W_dec: Float32Array; b_dec: Float32Array };
let crowdedSaeId: number;
const D_WIDE = 80;
const WIDE = { QUIET: 70, NO_DASHBOARD: 71 } as const;
let wide: { W_enc: Float32Array; b_enc: Float32Array; W_dec: Float32Array; b_dec: Float32Array };
let wideSaeId: number;
const wideMax: number[] = [];

let dir: string;
let server: Server;
let engine: InferenceEngine;
let modelName: string;
let saeId: number;
let dIn: number;
let tensors: { W_enc: Float32Array; b_enc: Float32Array; W_dec: Float32Array; b_dec: Float32Array };
/** Per prompt: its tokens and hook activations [T, dIn] (BOS first). */
const acts = new Map<string, { texts: string[]; x: Float32Array }>();
/** Per feature: the largest reference activation over every prompt here (BOS excluded), as a dashboard would store it. */
const maxActivation: number[] = [];

const row = (prompt: string, t: number) => acts.get(prompt)!.x.subarray(t * dIn, (t + 1) * dIn);
const rows = (prompt: string) => Array.from({ length: acts.get(prompt)!.texts.length }, (_, t) => row(prompt, t));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let j = 0; j < a.length; j++) s += a[j] * b[j]; return s; };

/** The reference encoder: ReLU(W_encᵀx + b_enc) for feature f (b_dec is 0 and not applied). */
function reference(x: ArrayLike<number>, f: number): number {
  let pre = tensors.b_enc[f];
  for (let j = 0; j < dIn; j++) pre += x[j] * tensors.W_enc[j * D_SAE + f];
  return Math.max(0, pre);
}
/** The reference encoder for the wide SAE. */
function referenceWide(x: ArrayLike<number>, f: number): number {
  let pre = wide.b_enc[f];
  for (let j = 0; j < dIn; j++) pre += x[j] * wide.W_enc[j * D_WIDE + f];
  return Math.max(0, pre);
}
const wideMaxima = (prompt: string) =>
  Array.from({ length: D_WIDE }, (_, f) => Math.max(0, ...rows(prompt).slice(1).map((x) => referenceWide(x, f))));

/** Per feature, its max over a prompt's tokens, BOS excluded. */
const promptMaxima = (prompt: string) =>
  Array.from({ length: D_SAE }, (_, f) => Math.max(0, ...rows(prompt).slice(1).map((x) => reference(x, f))));

/**
 * A unit direction w and threshold t with w·target − t = margin/2 and w·other − t ≤ −margin/2 for
 * every other point: steps toward the worst-separated point until the margin stops growing.
 */
function separator(target: Float32Array, others: Float32Array[]): { w: number[]; t: number; margin: number } {
  const diffs = others.map((o) => Array.from(target, (v, j) => v - o[j]));
  const unit = (v: number[]) => { const n = Math.hypot(...v) || 1; return v.map((a) => a / n); };
  let w = unit(diffs[0].map((_, j) => diffs.reduce((s, d) => s + d[j], 0)));
  for (let step = 0; step < 4000; step++) {
    const worst = diffs.reduce((best, d) => (dot(w, d) < dot(w, best) ? d : best));
    const push = unit(worst);
    w = unit(w.map((a, j) => a + push[j] / (step + 2)));
  }
  const margin = Math.min(...diffs.map((d) => dot(w, d)));
  return { w, t: dot(w, target) - margin / 2, margin };
}

/** Writes feature f as s·(w·x − t) with s chosen so the target gets `value`. */
function plant(f: number, w: number[], t: number, atTarget: number, value: number) {
  const s = value / atTarget;
  for (let j = 0; j < dIn; j++) tensors.W_enc[j * D_SAE + f] = s * w[j];
  tensors.b_enc[f] = -s * t;
}

function plantInto(into: { W_enc: Float32Array; b_enc: Float32Array }, dSae: number, f: number, target: Float32Array, others: Float32Array[], value: number) {
  const { w, t, margin } = separator(target, others);
  expect(margin, `feature ${f} cannot be planted`).toBeGreaterThan(1e-3);
  const s = value / (margin / 2);
  for (let j = 0; j < dIn; j++) into.W_enc[j * dSae + f] = s * w[j];
  into.b_enc[f] = -s * t;
}
const plantWide = (f: number, target: Float32Array, others: Float32Array[], value: number) => plantInto(wide, D_WIDE, f, target, others, value);
function referenceCrowded(x: ArrayLike<number>, f: number): number {
  let pre = crowded.b_enc[f];
  for (let j = 0; j < dIn; j++) pre += x[j] * crowded.W_enc[j * D_CROWDED + f];
  return Math.max(0, pre);
}
const crowdedMaxima = (prompt: string) =>
  Array.from({ length: D_CROWDED }, (_, f) => Math.max(0, ...rows(prompt).slice(1).map((x) => referenceCrowded(x, f))));

function plantSeparator(f: number, target: Float32Array, others: Float32Array[], value: number) {
  const { w, t, margin } = separator(target, others);
  // the fixture model separates these tokens; if a change of the fixture ever makes them inseparable, say so here
  expect(margin, `feature ${f} cannot be planted: its token is not separable`).toBeGreaterThan(1e-3);
  plant(f, w, t, margin / 2, value);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fs-search-inference-"));
  const modelDir = path.join(dir, "model");
  const { manifest } = await writeFixtureModelPackage(modelDir, FIXTURE_MODEL);
  dIn = manifest.dModel as number;
  const model = await loadModelPackage(modelDir, { intraOpNumThreads: 1 });
  try {
    for (const prompt of [TEXT, CONTROL, ...POSITIVE, ...NEGATIVE, CROWD_NEGATIVE]) {
      const ids = model.encode(prompt);
      const out = await model.forward([ids], { capture: [HOOK], logits: "none" });
      acts.set(prompt, { texts: model.tokenizer.tokenTexts(ids).map((d) => d.text), x: tokenRows(out, out.activations[HOOK], 0).slice() });
    }
  } finally {
    await model.dispose();
  }
  // the prompts tokenise as the plants assume
  const triggerAt = acts.get(TEXT)!.texts.indexOf(TRIGGER);
  expect(triggerAt).toBeGreaterThan(0);
  expect(POSITIVE.map((p) => acts.get(p)!.texts.slice(1, OPENING + 1).join(""))).toEqual(POSITIVE.map(() => "zebra"));

  tensors = randomSaeTensors(dIn, D_SAE, 31);
  const all = [TEXT, CONTROL, ...POSITIVE, ...NEGATIVE];
  // P: " sat" in TEXT against every other token of TEXT and of the control text
  plantSeparator(FEATURE.P, row(TEXT, triggerAt), [...rows(TEXT).filter((_, t) => t !== triggerAt), ...rows(CONTROL)], P_VALUE);
  // C: the shared opening against every token of the negative prompts
  const opening = row(POSITIVE[0], OPENING);
  plantSeparator(FEATURE.C, opening, NEGATIVE.flatMap(rows), 4);
  // E: on the opening and on the first token of "yak one" (a threshold below both)
  const yak = row(NEGATIVE[0], 1);
  const wE = Array.from(opening, (v) => v / Math.hypot(...opening));
  const tE = Math.min(dot(wE, opening), dot(wE, yak)) - 1;
  plant(FEATURE.E, wE, tE, dot(wE, opening) - tE, 3);
  expect(reference(yak, FEATURE.E)).toBeGreaterThan(0);
  // D: the last token of the first positive prompt against every token of the others
  const last = acts.get(POSITIVE[0])!.texts.length - 1;
  plantSeparator(FEATURE.D, row(POSITIVE[0], last), POSITIVE.slice(1).flatMap(rows), 6);
  // B: BOS (the same vector in every prompt) against every other token
  plantSeparator(FEATURE.B, row(TEXT, 0), all.flatMap((p) => rows(p).slice(1)), B_VALUE);

  const saeDir = await writeSae(path.join(dir, "sae"), { ...tensors }, { dIn, dSae: D_SAE });
  for (let f = 0; f < D_SAE; f++) maxActivation.push(Math.max(...all.map((p) => promptMaxima(p)[f])));
  // E's activation on the negative prompt is well above the 1% that counts as active there
  expect(reference(yak, FEATURE.E)).toBeGreaterThan(10 * CONTRAST_NEGATIVE_THRESHOLD * maxActivation[FEATURE.E]);

  const stamp = `search-inference-${Date.now()}`;
  modelName = `model-${stamp}`;
  const dbModel = await db().model.create({
    data: { name: modelName, architecture: "gpt2", dModel: dIn, nLayers: FIXTURE_MODEL.nLayers, nCtx: FIXTURE_MODEL.nCtx, dVocab: 337, tokenizer: "byte-bpe", packagePath: modelDir, manifest: {} },
  });
  saeId = (await db().sae.create({
    data: { modelId: dbModel.id, name: "planted-relu", hookName: HOOK, layer: 0, architecture: "standard", dIn, dSae: D_SAE, path: saeDir, contentHash: stamp, cfg: {} },
  })).id;
  await db().feature.createMany({ data: maxActivation.map((max, index) => ({ saeId, index, maxActivation: max })) });
  for (const [name, index] of Object.entries(FEATURE)) {
    const feature = await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId, index } } });
    const label = await db().label.create({ data: { featureId: feature.id, text: `planted ${name}`, source: "human", status: "accepted" } });
    await db().feature.update({ where: { id: feature.id }, data: { currentLabelId: label.id, labelStatus: "accepted" } });
  }

  // the wide SAE: loud features on "z" and "e", QUIET and NO_DASHBOARD on the shared opening, the rest silent
  wide = { W_enc: new Float32Array(dIn * D_WIDE), b_enc: new Float32Array(D_WIDE).fill(-1), W_dec: randomSaeTensors(dIn, D_WIDE, 32).W_dec, b_dec: new Float32Array(dIn) };
  const everyToken = all.flatMap(rows);
  for (const [position, first] of [[1, 0], [2, 35]] as const) {
    const target = row(POSITIVE[0], position);
    const others = everyToken.filter((x) => x.some((v, j) => v !== target[j]));
    for (let f = first; f < first + 35; f++) plantWide(f, target, others, 50 + 2 * (f - first));
  }
  plantWide(WIDE.QUIET, opening, NEGATIVE.flatMap(rows), 4);
  plantWide(WIDE.NO_DASHBOARD, opening, NEGATIVE.flatMap(rows), 2);
  const wideDir = await writeSae(path.join(dir, "sae-wide"), { ...wide }, { dIn, dSae: D_WIDE });
  for (let f = 0; f < D_WIDE; f++) wideMax.push(Math.max(...all.map((p) => wideMaxima(p)[f])));
  // more than 64 features beat QUIET's raw activation on every positive prompt, though no token lists more than 64
  for (const prompt of POSITIVE) {
    const maxima = wideMaxima(prompt);
    expect(maxima.filter((v) => v > maxima[WIDE.QUIET]).length).toBeGreaterThan(64);
    for (let t = 1; t < acts.get(prompt)!.texts.length; t++) {
      expect(Array.from({ length: D_WIDE }, (_, f) => referenceWide(row(prompt, t), f)).filter((v) => v > 0).length).toBeLessThan(64);
    }
  }
  wideSaeId = (await db().sae.create({
    data: { modelId: dbModel.id, name: "planted-wide", hookName: HOOK, layer: 0, architecture: "standard", dIn, dSae: D_WIDE, path: wideDir, contentHash: `${stamp}-wide`, cfg: {} },
  })).id;
  await db().feature.createMany({
    data: wideMax.flatMap((max, index) => (index === WIDE.NO_DASHBOARD ? [] : [{ saeId: wideSaeId, index, maxActivation: max }])),
  });

  // the crowded SAE: 70 loud features on "z", CROWDED_QUIET on the opening (not on any negative token, "zoo one" included)
  expect(acts.get(CROWD_NEGATIVE)!.texts[1]).toBe("z");
  crowded = { W_enc: new Float32Array(dIn * D_CROWDED), b_enc: new Float32Array(D_CROWDED).fill(-1), W_dec: randomSaeTensors(dIn, D_CROWDED, 33).W_dec, b_dec: new Float32Array(dIn) };
  const z = row(POSITIVE[0], 1);
  const notZ = [...everyToken, ...rows(CROWD_NEGATIVE)].filter((x) => x.some((v, j) => v !== z[j]));
  for (let f = 0; f < 70; f++) plantInto(crowded, D_CROWDED, f, z, notZ, 50 + f);
  plantInto(crowded, D_CROWDED, CROWDED_QUIET, opening, [...NEGATIVE, CROWD_NEGATIVE].flatMap(rows), 4);
  const crowdedDir = await writeSae(path.join(dir, "sae-crowded"), { ...crowded }, { dIn, dSae: D_CROWDED });
  crowdedSaeId = (await db().sae.create({
    data: { modelId: dbModel.id, name: "planted-crowded", hookName: HOOK, layer: 0, architecture: "standard", dIn, dSae: D_CROWDED, path: crowdedDir, contentHash: `${stamp}-crowded`, cfg: {} },
  })).id;
  await db().feature.createMany({
    data: Array.from({ length: D_CROWDED }, (_, index) => ({ saeId: crowdedSaeId, index, maxActivation: Math.max(...[...all, CROWD_NEGATIVE].map((p) => crowdedMaxima(p)[index])) })),
  });

  engine = new InferenceEngine({ model: modelForInference, sae: saeForInference }, { intraOpNumThreads: 1 });
  process.env.INFERENCE_SECRET = "s".repeat(40);
  server = createInferenceServer({ engine, limiter: new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 16, maxWaitMs: 20_000 }), secret: process.env.INFERENCE_SECRET });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.env.INFERENCE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server?.close();
  await engine?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  await disconnectDb();
});

describe("search by inference", () => {
  it("puts the feature planted on the trigger first overall and first at that token, with its label and page", async () => {
    const result = await textFeatures(TEXT, modelName, undefined);
    expect(result.tokens.map((t) => t.text)).toEqual(acts.get(TEXT)!.texts);
    const triggerAt = result.tokens.findIndex((t) => t.text === TRIGGER);
    const [sae] = result.saes;
    expect(sae.saeId).toBe(saeId);
    expect(sae.top[0]).toMatchObject({ index: FEATURE.P, position: triggerAt, activeTokens: 1, label: "planted P" });
    expect(sae.top[0].maxValue).toBeCloseTo(P_VALUE, 3);
    expect(sae.top[0].url).toBe(`/models/${encodeURIComponent(modelName)}/saes/planted-relu/features/${FEATURE.P}`);
    expect(sae.perToken[triggerAt][0]).toMatchObject({ index: FEATURE.P, label: "planted P" });
    expect(sae.perToken[triggerAt][0].value).toBeCloseTo(P_VALUE, 3);
    // no other token has it
    sae.perToken.forEach((features, t) => { if (t !== triggerAt) expect(features.map((f) => f.index)).not.toContain(FEATURE.P); });
  });

  it("keeps BOS out of the strongest features, though the BOS feature tops BOS itself", async () => {
    const [sae] = (await textFeatures(TEXT, modelName, undefined)).saes;
    expect(sae.top.map((f) => f.index)).not.toContain(FEATURE.B);
    expect(sae.perToken[0][0].index).toBe(FEATURE.B);
    expect(sae.perToken[0][0].value).toBeCloseTo(B_VALUE, 3);
  });

  it("ranks the strongest features exactly as the reference encoder does", async () => {
    const [sae] = (await textFeatures(TEXT, modelName, undefined)).saes;
    const maxima = promptMaxima(TEXT);
    const expected = maxima.map((value, index) => ({ index, value })).filter((f) => f.value > 0)
      .sort((a, b) => b.value - a.value || a.index - b.index).slice(0, 10);
    expect(sae.top.map((f) => f.index)).toEqual(expected.map((f) => f.index));
    sae.top.forEach((f, i) => expect(f.maxValue).toBeCloseTo(expected[i].value, 3));
  });

  it("does not show the planted feature for a text without its trigger", async () => {
    const [sae] = (await textFeatures(CONTROL, modelName, undefined)).saes;
    expect(sae.top.map((f) => f.index)).not.toContain(FEATURE.P);
    expect(sae.top.length).toBeGreaterThan(0);
  });
});

describe("contrast search", () => {
  /** Features active on every positive prompt; of those, silent on every negative one; ranked as the service ranks. */
  function expectedContrast(negative: string[]) {
    const positive = POSITIVE.map(promptMaxima);
    const negatives = negative.map(promptMaxima);
    const candidates = [...Array(D_SAE).keys()].filter((f) => positive.every((m) => m[f] > 0));
    const kept = candidates.filter((f) => negatives.every((m) => m[f] < CONTRAST_NEGATIVE_THRESHOLD * maxActivation[f]));
    const score = (f: number) => Math.min(...positive.map((m) => m[f])) / maxActivation[f];
    return { candidates, results: kept, score };
  }

  /** The same features as the reference, each with the reference's score, best first (float32 ties may swap). */
  function expectSameRanking(results: { index: number; score: number }[], expected: ReturnType<typeof expectedContrast>) {
    expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual([...expected.results].sort((a, b) => a - b));
    for (const r of results) expect(r.score).toBeCloseTo(expected.score(r.index), 4);
    for (let i = 1; i < results.length; i++) expect(results[i].score).toBeLessThanOrEqual(results[i - 1].score + 1e-9);
  }

  it("finds the feature on every positive prompt and no negative one, and drops one that fires on a negative", async () => {
    const result = await contrastSearch({ sae: saeId, positive: POSITIVE, negative: NEGATIVE });
    const indices = result.results.map((r) => r.index);
    expect(indices).toContain(FEATURE.C);
    expect(indices).not.toContain(FEATURE.E); // active on "yak one"
    expect(indices).not.toContain(FEATURE.D); // only on the first positive prompt
    expect(indices).not.toContain(FEATURE.B); // BOS only
    const c = result.results.find((r) => r.index === FEATURE.C)!;
    expect(c).toMatchObject({ saeId, saeName: "planted-relu", label: "planted C", negative: [0, 0] });
    expect(c.positive).toHaveLength(3);
    expect(c.score).toBeCloseTo(Math.min(...c.positive) / maxActivation[FEATURE.C], 5);

    const expected = expectedContrast(NEGATIVE);
    expect(expected.candidates).toEqual(expect.arrayContaining([FEATURE.C, FEATURE.E]));
    expect(result.candidates).toBe(expected.candidates.length);
    expectSameRanking(result.results, expected);
    for (const r of result.results) for (const v of r.negative) expect(v).toBeLessThan(CONTRAST_NEGATIVE_THRESHOLD * r.maxActivation);
  });

  it("keeps the feature that fires on a negative prompt when there are no negatives", async () => {
    const result = await contrastSearch({ sae: saeId, positive: POSITIVE, negative: [] });
    const indices = result.results.map((r) => r.index);
    expect(indices).toEqual(expect.arrayContaining([FEATURE.C, FEATURE.E]));
    expect(indices).not.toContain(FEATURE.D);
    expectSameRanking(result.results, expectedContrast([]));
  });

  it("ranks every candidate on one scale: no cut by raw activation, none by a measuring cap, no-dashboard features apart", async () => {
    const result = await contrastSearch({ sae: wideSaeId, positive: POSITIVE, negative: NEGATIVE, limit: 100 });
    // brute force over every feature: active on every positive prompt; silent on the negatives
    const positive = POSITIVE.map(wideMaxima);
    const negative = NEGATIVE.map(wideMaxima);
    const candidates = [...Array(D_WIDE).keys()].filter((f) => positive.every((m) => m[f] > 0));
    const threshold = (f: number) => CONTRAST_NEGATIVE_THRESHOLD * (f === WIDE.NO_DASHBOARD ? Math.max(...positive.map((m) => m[f])) : wideMax[f]);
    const kept = candidates.filter((f) => negative.every((m) => m[f] < threshold(f)));
    const score = (f: number) => Math.min(...positive.map((m) => m[f])) / wideMax[f];
    const ranked = kept.filter((f) => f !== WIDE.NO_DASHBOARD).sort((a, b) => score(b) - score(a) || a - b);
    expect(ranked.length).toBeGreaterThan(32); // more than the old per-SAE measuring cut
    expect(result.candidates).toBe(candidates.length);
    expect(result).toMatchObject({ unmeasured: 0, incomplete: false, measured: 0 });
    // the same features in the same order (ties — the loud features all peak on the shared opening — up to float noise)
    expect(result.results.map((r) => r.index).sort((a, b) => a - b)).toEqual([...ranked].sort((a, b) => a - b));
    for (const r of result.results) expect(r.score).toBeCloseTo(score(r.index), 4);
    for (let i = 1; i < result.results.length; i++) expect(result.results[i].score).toBeLessThanOrEqual(result.results[i - 1].score + 1e-9);
    // QUIET is weak in raw units (70 features are stronger on every positive prompt) but at its max there
    expect(result.results.map((r) => r.index)).toContain(WIDE.QUIET);
    expect(result.results.find((r) => r.index === WIDE.QUIET)!.score).toBeCloseTo(positive[0][WIDE.QUIET] / wideMax[WIDE.QUIET], 4);
    // the feature without a dashboard max is listed apart, in raw units, not ranked with the others
    expect(result.results.map((r) => r.index)).not.toContain(WIDE.NO_DASHBOARD);
    expect(result.withoutDashboard.map((r) => r.index)).toEqual([WIDE.NO_DASHBOARD]);
    expect(result.withoutDashboard[0].weakestPositive).toBeCloseTo(Math.min(...positive.map((m) => m[WIDE.NO_DASHBOARD])), 4);
  });

  it("measures what a full token list cannot settle, and says a full list may hide candidates", async () => {
    const result = await contrastSearch({ sae: crowdedSaeId, positive: POSITIVE, negative: [CROWD_NEGATIVE], limit: 100 });
    // "z" lists 64 of its 70 active features: the search says candidates may be missing
    expect(result.incomplete).toBe(true);
    // on "zoo one" the listed loud features are seen firing and dropped; CROWDED_QUIET is not listed at
    // its full "z" token, so it is measured exactly — silent there — and kept
    expect(result.measured).toBeGreaterThan(0);
    expect(result.unmeasured).toBe(0);
    expect(crowdedMaxima(CROWD_NEGATIVE)[CROWDED_QUIET]).toBe(0);
    expect(result.results.map((r) => r.index)).toEqual([CROWDED_QUIET]);
    expect(result.results[0].negative).toEqual([0]);
    expect(result.results[0].positive[0]).toBeCloseTo(crowdedMaxima(POSITIVE[0])[CROWDED_QUIET], 4);
  });

  it("answers the same through POST /api/v1/search/contrast", async () => {
    const res = await call(contrastRoute.POST, "/api/v1/search/contrast", {
      method: "POST", body: { sae: saeId, positive: POSITIVE, negative: NEGATIVE },
    });
    expect(res.status).toBe(200);
    expectSameRanking(res.json.results as { index: number; score: number }[], expectedContrast(NEGATIVE));
  });
});
