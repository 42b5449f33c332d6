/**
 * The dashboards queue: a job computes (or imports) dashboards, resumably. A compute job joins its
 * run's group (every SAE of the model on the same corpus, one pass) and works on its shards until
 * none is left; when shards open that other workers could take, it enqueues that many more jobs so
 * idle workers (on any machine sharing the database) join. At start and every minute it re-enqueues
 * runs whose worker died; on SIGTERM/SIGINT the current shard stops at the next batch boundary with
 * a checkpoint and is released for the next worker.
 */
import os from "node:os";
import type PgBoss from "pg-boss";
import { getRun } from "@/lib/db/dashboards";
import { enqueueDashboardRun, requeueOrphanedRuns } from "@/lib/dashboards/jobs";
import { refreshStaleLogitEffects } from "@/lib/dashboards/logit-refresh";
import { runDashboards, type RunOutcome } from "@/lib/dashboards/run";
import { runNeuronpediaImport } from "@/lib/import/neuronpedia";
import { QUEUES } from "@/lib/jobs/queues";

const owner = `jobs@${os.hostname()}:${process.pid}`;
const stopping = new AbortController();

/** Runs one DashboardRun to completion (or interruption) with this worker as its owner. */
export async function runDashboardJob(runId: number, log: (line: string) => void, signal?: AbortSignal, boss?: PgBoss): Promise<RunOutcome> {
  const run = await getRun(runId);
  if (!run) return { status: "skipped", reason: `run ${runId} does not exist` };
  if (run.kind === "neuronpedia") return runNeuronpediaImport(runId, { owner, signal, log });
  return runDashboards(runId, {
    owner, signal, log,
    onNewWork: async (shards) => {
      if (!boss) return;
      for (let i = 0; i < shards; i++) await enqueueDashboardRun(boss, runId);
    },
  });
}

export async function registerDashboardHandlers(boss: PgBoss, log: (line: string) => void): Promise<() => void> {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stopping.abort());
  await boss.work(QUEUES.dashboards.name, { batchSize: 1, pollingIntervalSeconds: 2 }, async (jobs) => {
    for (const job of jobs) {
      const { runId } = QUEUES.dashboards.payload.parse(job.data);
      log(`dashboards: run ${runId} started`);
      const outcome = await runDashboardJob(runId, (line) => log(`dashboards: ${line}`), stopping.signal, boss);
      log(`dashboards: run ${runId} ${outcome.status}${"reason" in outcome ? ` (${outcome.reason})` : ""}${"message" in outcome ? `: ${outcome.message}` : ""}`);
      // a failed run is recorded on its row; failing the job lets pg-boss retry (runs resume)
      if (outcome.status === "failed") throw new Error(`${outcome.code}: ${outcome.message}`);
    }
  });
  const requeue = async (queuedForSeconds: number) => {
    try {
      const ids = await requeueOrphanedRuns(boss, queuedForSeconds);
      if (ids.length) log(`dashboards: re-enqueued interrupted runs ${ids.join(", ")}`);
    } catch (error) {
      log(`dashboards: could not check for interrupted runs: ${(error as Error).message}`);
    }
  };
  await requeue(0);
  // databases computed before the final LayerNorm was folded into W_U: recompute their logit effects
  // in the background (cheap; only the logit columns change)
  void refreshStaleLogitEffects({ log: (line) => log(`dashboards: ${line}`) })
    .catch((error) => log(`dashboards: could not check logit effects: ${(error as Error).message}`));
  const timer = setInterval(() => void requeue(60), 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
