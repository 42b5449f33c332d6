/** Enqueueing dashboard runs on pg-boss, and re-enqueueing runs a killed worker left behind. */
import type PgBoss from "pg-boss";
import { orphanedRuns } from "@/lib/db/dashboards";
import { QUEUES } from "@/lib/jobs/queues";

export async function enqueueDashboardRun(boss: PgBoss, runId: number): Promise<string | null> {
  return boss.send(QUEUES.dashboards.name, QUEUES.dashboards.payload.parse({ runId }));
}

/**
 * Sends a job for every run whose worker died (expired lease) or whose job was lost. Duplicate jobs
 * are harmless: a run is leased to one worker at a time and a finished run is skipped.
 */
export async function requeueOrphanedRuns(boss: PgBoss, queuedForSeconds = 30): Promise<number[]> {
  const runs = await orphanedRuns(queuedForSeconds);
  for (const run of runs) await enqueueDashboardRun(boss, run.id);
  return runs.map((r) => r.id);
}
