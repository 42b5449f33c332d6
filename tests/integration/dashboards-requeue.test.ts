/**
 * The jobs worker re-enqueues dashboard runs whose job was lost, every minute. A queued run whose
 * job is still waiting in pg-boss (behind the run being computed) is not lost: sending it again
 * would pile up duplicate jobs (the first start once showed 10 waiting jobs for 3 queued runs).
 */
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type PgBoss from "pg-boss";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql, orphanedRuns, rawSql } from "@/lib/db/dashboards";
import { requeueOrphanedRuns } from "@/lib/dashboards/jobs";
import { importModelAndSaes } from "@/lib/import";
import { createBoss, ensureQueues } from "@/lib/jobs/boss";
import { QUEUES } from "@/lib/jobs/queues";
import { randomSaeTensors, tempDir, writeCorpus, writeModel, writeSae } from "./dashboards-support";

let boss: PgBoss;
let runId: number;

beforeAll(async () => {
  const root = await tempDir("requeue");
  const model = await writeModel(root, "fixture-requeue");
  const corpus = await writeCorpus(path.join(root, "corpus"), 20);
  const sae = await writeSae(path.join(root, "sae-requeue"), { ...randomSaeTensors(model.dModel, 6, 5) }, { dIn: model.dModel, dSae: 6 });
  const imported = await importModelAndSaes({ modelDir: model.dir, saeDirs: [sae], corpus, tokens: 400, contextSize: 16, batchSize: 4 });
  runId = imported.saes[0].run!.id;
  boss = createBoss();
  await boss.start();
  await ensureQueues(boss);
}, 120_000);

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: false });
  await closeRawSql();
  await disconnectDb();
});

const waitingJobs = async () =>
  (await rawSql()`SELECT count(*)::int AS n FROM pgboss.job WHERE "name" = ${QUEUES.dashboards.name} AND "state" = 'created' AND "data"->>'runId' = ${String(runId)}`)[0].n as number;

it("re-enqueues a queued run only when no job for it is waiting", async () => {
  await db().dashboardRun.update({ where: { id: runId }, data: { status: "queued", updatedAt: new Date(Date.now() - 3_600_000) } });
  await rawSql()`DELETE FROM pgboss.job WHERE "name" = ${QUEUES.dashboards.name} AND "data"->>'runId' = ${String(runId)}`;
  expect((await orphanedRuns(30)).map((r) => r.id)).toContain(runId); // its job is gone: lost

  expect(await requeueOrphanedRuns(boss, 30)).toContain(runId);
  expect(await waitingJobs()).toBe(1);
  // a minute later, still behind another run: its job is waiting, so nothing is sent again
  expect((await orphanedRuns(30)).map((r) => r.id)).not.toContain(runId);
  await requeueOrphanedRuns(boss, 30);
  await requeueOrphanedRuns(boss, 30);
  expect(await waitingJobs()).toBe(1);
});

it("still re-enqueues a running run whose worker died, even while its job looks active", async () => {
  await db().dashboardRun.update({ where: { id: runId }, data: { status: "running", leaseExpiresAt: new Date(Date.now() - 1000) } });
  expect((await orphanedRuns(30)).map((r) => r.id)).toContain(runId);
});
