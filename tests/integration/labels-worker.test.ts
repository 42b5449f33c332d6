/**
 * Auto-interp through the real job worker: `workers/jobs/main.ts` runs as its own process (as
 * `npm run worker:jobs` does) against the test database, runs are started through the API route, and
 * the local fake provider answers (or fails). Checks what only the real path shows: pg-boss delivers
 * the jobs, the configured concurrency holds (and follows a settings change), the spending cap stops
 * jobs that run side by side, retries happen with backoff, and a failing provider ends as an error
 * with its cause and no label.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { loadSyntheticFixture, type SyntheticFixture } from "@/lib/fixtures/synthetic";
import { startFakeProvider, type FakeProvider } from "@/lib/labels/autointerp/fake-provider";
import { sharedBoss } from "@/lib/jobs/boss";
import { startProcess, type ManagedProcess } from "@/scripts/lib/processes";
import * as settingsRoute from "@/app/api/v1/admin/autointerp/route";
import * as startRoute from "@/app/api/v1/saes/[saeId]/autointerp/route";
import * as runRoute from "@/app/api/v1/autointerp/runs/[id]/route";
import { call, makeKey, makeUser } from "./api-support";

const KEY = "sk-worker-test-7788";
let fixture: SyntheticFixture;
let provider: FakeProvider;
let worker: ManagedProcess;
const output: string[] = [];
let admin: Record<string, string>;
let editor: Record<string, string>;
let bossStarted = false;

/** Feature indices nobody uses twice in this file. */
let pool: number[] = [];
const take = (n: number) => pool.splice(0, n);

async function settings(body: Record<string, unknown>) {
  const res = await call(settingsRoute.PUT, "/api/v1/admin/autointerp", { method: "PUT", headers: admin, body });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json;
}

/** Resolves when a line matching `pattern` has appeared in the worker's output since `from`. */
async function workerSays(pattern: RegExp, from: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (output.slice(from).some((line) => pattern.test(line))) return;
    if (worker.child.exitCode !== null) throw new Error(`the worker exited (${worker.child.exitCode}):\n${output.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the worker never said ${pattern}:\n${output.slice(-40).join("\n")}`);
}

type Run = { id: number; status: string; featuresTotal: number; featuresDone: number; featuresFailed: number; featuresSkipped: number; costUsd: number; spendCapUsd: number | null; promptTokens: number; errors: { index: number; attempt?: number; final?: boolean; message: string; cause: { status?: number; failure: string } }[] };

async function startRun(indices: number[]): Promise<Run> {
  const res = await call(startRoute.POST, `/api/v1/saes/${fixture.saeId}/autointerp`, {
    method: "POST", headers: editor, body: { indices }, params: { saeId: String(fixture.saeId) },
  });
  bossStarted = true;
  expect(res.status, JSON.stringify(res.json)).toBe(202);
  return res.json as unknown as Run;
}

/** Polls the run through the API until it has finished (as an admin: the provider's own errors are for admins). */
async function finished(runId: number, timeoutMs: number): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(runRoute.GET, `/api/v1/autointerp/runs/${runId}`, { params: { id: String(runId) }, headers: admin });
    const run = res.json as unknown as Run;
    if (["done", "failed", "capped"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${JSON.stringify(run)}\n${output.slice(-30).join("\n")}`);
    if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${output.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function modelLabels(indices: number[]) {
  return db().label.findMany({ where: { source: "model", feature: { saeId: fixture.saeId, index: { in: indices } } }, include: { feature: true } });
}

beforeAll(async () => {
  fixture = await loadSyntheticFixture(db(), { modelName: "synthetic-labels-worker" });
  pool = [...fixture.labelled.unlabelled, ...fixture.labelled.rejected, ...fixture.labelled.accepted]
    .filter((i) => !fixture.deadIndices.includes(i));
  provider = await startFakeProvider({ explanation: "synthetic worker words", keyword: "e", apiKey: KEY, delayMs: 60 });
  const a = await makeUser("admin");
  admin = (await makeKey(a.id)).bearer;
  editor = (await makeKey((await makeUser("editor")).id)).bearer;
  await settings({ baseUrl: provider.url, model: "fake-model", apiKey: KEY, concurrency: 2, priceInputPerMTok: 1, priceOutputPerMTok: 2, spendCapUsd: 5, maxTokensPerRun: null });
  // read by the enqueueing side (this process): retries after 1-2 s, 2-4 s, 4-8 s instead of 15 s and up
  process.env.FEATURESCOPE_LLM_RETRY_DELAY_S = "1";

  worker = startProcess("jobs", process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "workers/jobs/main.ts"], {
    env: { ...process.env, FEATURESCOPE_JOBS_QUEUES: "autointerp.feature" },
    prefix: false,
  });
  const collect = (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  worker.child.stdout?.on("data", collect);
  worker.child.stderr?.on("data", collect);
  await workerSays(/\[jobs\] ready/, 0, 180_000);
  await workerSays(/autointerp: 2 worker\(s\)/, 0, 1000);
}, 600_000);

afterAll(async () => {
  await worker?.stop(30_000);
  if (bossStarted) await (await sharedBoss()).stop({ graceful: false, wait: true });
  await provider?.close();
  await db().autoInterpSettings.deleteMany({});
  await disconnectDb();
  delete process.env.FEATURESCOPE_LLM_RETRY_DELAY_S;
}, 120_000);

describe("auto-interp in the real job worker", { timeout: 180_000 }, () => {
  it("a run started through the API is drafted by the worker: model, prompt version, scores; two features at a time", async () => {
    const indices = take(4);
    const before = provider.requests.length;
    const started = await startRun(indices);
    expect(started).toMatchObject({ status: "queued", featuresTotal: 4, model: "fake-model" });
    const run = await finished(started.id, 120_000);
    expect(run).toMatchObject({ status: "done", featuresDone: 4, featuresFailed: 0, featuresSkipped: 0 });
    expect(run.promptTokens).toBeGreaterThan(0);
    expect(run.costUsd).toBeGreaterThan(0);

    const drafts = await modelLabels(indices);
    expect(drafts.map((d) => d.feature.index).sort((a, b) => a - b)).toEqual([...indices].sort((a, b) => a - b));
    for (const draft of drafts) {
      expect(draft).toMatchObject({ text: "synthetic worker words", status: "draft", source: "model", authorId: null });
      expect(draft.provenance).toMatchObject({ provider: provider.url, model: "fake-model", runId: run.id, promptVersion: expect.stringMatching(/^bills2023/) });
      expect(draft.detectionScore).toEqual(expect.any(Number));
      expect(draft.simulationScore).toEqual(expect.any(Number));
      expect(draft.scoreDetails).toMatchObject({ scorer: "fake-model", detection: { n: expect.any(Number) }, simulation: { n: expect.any(Number) } });
      // the features had no usable label, so the draft is what they show now, awaiting review
      expect(draft.feature.currentLabelId).toBe(draft.id);
      expect(draft.feature.labelStatus).toBe("draft");
      expect(await db().auditEvent.count({ where: { action: "label.create", targetType: "label", targetId: draft.id } })).toBe(1);
    }
    // the worker process decrypted the stored key and sent it
    const sent = provider.requests.slice(before);
    expect(sent.length).toBeGreaterThan(4);
    expect(sent.every((r) => r.authorization === `Bearer ${KEY}` && r.body.model === "fake-model")).toBe(true);
    expect(provider.maxInFlight).toBe(2);
    for (const index of indices) expect(output.some((line) => line.includes(`run ${run.id} feature ${index}: drafted`))).toBe(true);
  });

  it("the spending cap stops jobs that run side by side: no further calls, nothing stored, the run ends capped", async () => {
    await settings({ spendCapUsd: 0.000001 });
    const indices = take(4);
    const before = provider.requests.length;
    const run = await finished((await startRun(indices)).id, 60_000);
    expect(run).toMatchObject({ status: "capped", featuresDone: 0, featuresSkipped: 4, featuresFailed: 0, spendCapUsd: 0.000001 });
    expect(run.costUsd).toBeGreaterThanOrEqual(0.000001);
    // at most one call per concurrently running job went out before the cap was seen
    const calls = provider.requests.length - before;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(2);
    expect(await modelLabels(indices)).toEqual([]);
    expect(run.errors.every((e) => e.cause.failure === "cap" && /Spending cap reached/.test(e.message))).toBe(true);
    await settings({ spendCapUsd: 5 });
  });

  it("follows a concurrency change without a restart", async () => {
    const single = await startFakeProvider({ explanation: "synthetic single words", keyword: "e", apiKey: KEY, delayMs: 40 });
    try {
      const from = output.length;
      // another origin: the stored key is cleared unless it comes along (docs/LABELS.md)
      await settings({ baseUrl: single.url, apiKey: KEY, concurrency: 1 });
      await workerSays(/autointerp: 1 worker\(s\)/, from, 30_000);
      const indices = take(3);
      const run = await finished((await startRun(indices)).id, 120_000);
      expect(run).toMatchObject({ status: "done", featuresDone: 3 });
      expect(single.requests.length).toBeGreaterThan(3);
      expect(single.maxInFlight).toBe(1);
    } finally {
      await settings({ baseUrl: provider.url, apiKey: KEY, concurrency: 2 });
      await single.close();
    }
  });

  it("a failing provider: retried with backoff, then an error with its cause; no label, no score", async () => {
    const failing = await startFakeProvider({ failWith: 503 });
    const wrongKey = await startFakeProvider({ apiKey: "sk-someone-else" });
    try {
      await settings({ baseUrl: failing.url, apiKey: KEY });
      const [index] = take(1);
      const labelsBefore = await db().label.count({ where: { feature: { saeId: fixture.saeId, index } } });
      const run = await finished((await startRun([index])).id, 120_000);
      expect(run).toMatchObject({ status: "failed", featuresDone: 0, featuresFailed: 1 });
      // retryLimit 3: four attempts, each recorded with the provider's answer as the cause
      expect(failing.requests).toHaveLength(4);
      expect(run.errors.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
      expect(run.errors.map((e) => e.final)).toEqual([false, false, false, true]);
      for (const error of run.errors) {
        expect(error).toMatchObject({ index, cause: { failure: "http", status: 503 } });
        expect(error.message).toMatch(/HTTP 503: fake provider failure 503/);
      }
      expect(await db().label.count({ where: { feature: { saeId: fixture.saeId, index } } })).toBe(labelsBefore);
      expect(output.some((line) => line.includes(`run ${run.id} feature ${index}: attempt 4 of 4 failed`))).toBe(true);

      // a wrong key is not worth retrying: one call, failed at once
      await settings({ baseUrl: wrongKey.url, apiKey: KEY });
      const [other] = take(1);
      const rejected = await finished((await startRun([other])).id, 60_000);
      expect(rejected).toMatchObject({ status: "failed", featuresFailed: 1 });
      expect(wrongKey.requests).toHaveLength(1);
      expect(rejected.errors).toHaveLength(1);
      expect(rejected.errors[0]).toMatchObject({ index: other, final: true, cause: { failure: "http", status: 401 } });
      expect(await modelLabels([index, other])).toEqual([]);
    } finally {
      await settings({ baseUrl: provider.url, apiKey: KEY });
      await failing.close();
      await wrongKey.close();
    }
  });
});
