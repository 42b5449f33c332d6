/**
 * Kill -9 a worker process in the middle of a dashboard run; a new worker takes the run over when
 * the lease lapses, continues from the last finished batch, and stores exactly what an
 * uninterrupted run stores.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql, getRunProgress, orphanedRuns, rawSql } from "@/lib/db/dashboards";
import { runDashboards } from "@/lib/dashboards/run";
import { importModelAndSaes } from "@/lib/import";
import { randomSaeTensors, tempDir, writeCorpus, writeModel, writeSae } from "./dashboards-support";

let root: string;
let modelDir: string;
let corpusDir: string;
let saeDir: string;

beforeAll(async () => {
  root = await tempDir("kill");
  const model = await writeModel(root);
  modelDir = model.dir;
  corpusDir = await writeCorpus(path.join(root, "corpus"), 80);
  saeDir = await writeSae(path.join(root, "sae-kill"), { ...randomSaeTensors(model.dModel, 10, 77) }, { dIn: model.dModel, dSae: 10 });
}, 60_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

const importRun = async () =>
  (await importModelAndSaes({ modelDir, saeDirs: [saeDir], corpus: corpusDir, tokens: 1600, contextSize: 16, batchSize: 4 })).saes[0];

async function rows(saeId: number) {
  // labels are written after each run (new ids every time): the dashboards themselves are compared
  const features = await db().feature.findMany({ where: { saeId }, orderBy: { index: "asc" }, omit: { id: true, currentLabelId: true, labelStatus: true, labelScore: true } });
  const examples = await db().activationExample.findMany({
    where: { feature: { saeId } }, orderBy: [{ feature: { index: "asc" } }, { kind: "asc" }, { intervalIndex: "asc" }, { rank: "asc" }],
    omit: { id: true, featureId: true },
  });
  return { features, examples };
}

it("a killed worker's run resumes in another worker and ends as if never interrupted", async () => {
  const first = await importRun();
  expect((await runDashboards(first.run!.id, { owner: "reference", intraOpNumThreads: 1 })).status).toBe("done");
  const uninterrupted = await rows(first.saeId);
  await rawSql()`DELETE FROM "DashboardRun" WHERE "id" = ${first.run!.id}`;

  const { run } = await importRun();
  const runId = run!.id;
  const child = spawn(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "tests/integration/dashboards-child.ts", String(runId)], {
    env: { ...process.env }, stdio: "ignore", detached: true, // its own process group: tsx runs the script in a child process
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const progress = await getRunProgress(runId);
    if (progress?.phase === "pass2" && progress.batchesDone >= 3) break;
    if (progress?.status === "done" || Date.now() > deadline) throw new Error(`the child never reached pass 2 (${JSON.stringify(progress)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.kill(-child.pid!, "SIGKILL"); // the whole group, like a machine losing the worker
  await exited;
  await new Promise((resolve) => setTimeout(resolve, 200));

  const killed = await getRunProgress(runId);
  expect(killed).toMatchObject({ status: "running", phase: "pass2" });
  expect(killed!.leaseOwner).toMatch(/^child:/);
  await new Promise((resolve) => setTimeout(resolve, 2500)); // the child's 2 s lease lapses
  expect((await orphanedRuns()).map((r) => r.id)).toContain(runId); // what a starting worker re-enqueues

  const resumed = await runDashboards(runId, { owner: "restarted", intraOpNumThreads: 1 });
  expect(resumed.status).toBe("done");
  if (resumed.status !== "done") return;
  expect(resumed.resumedFrom?.phase).toBe("pass2");
  expect(resumed.resumedFrom!.batch).toBeGreaterThanOrEqual(killed!.batchesDone);
  expect(await rows(first.saeId)).toEqual(uninterrupted);
}, 180_000);
