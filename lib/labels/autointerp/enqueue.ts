/** Starting an auto-interp run from the web process: a run row, then one pg-boss job per feature. */
import type PgBoss from "pg-boss";
import { createAutoInterpRun, type RunRequest } from "../../db/autointerp";
import { ensureQueues, sharedBoss } from "../../jobs/boss";
import { QUEUES } from "../../jobs/queues";

let queuesReady: Promise<void> | undefined;

/**
 * pg-boss 10 silently drops jobs inserted into a queue that does not exist yet (the web process may
 * enqueue before any worker has started and created the queues), so make sure it exists first.
 */
function ensureQueuesOnce(boss: PgBoss): Promise<void> {
  queuesReady ??= ensureQueues(boss).catch((error) => {
    queuesReady = undefined;
    throw error;
  });
  return queuesReady;
}

/**
 * The queue's retry policy, with the first retry delay overridable by FEATURESCOPE_LLM_RETRY_DELAY_S
 * (seconds, ≥ 1; backoff doubles it per attempt) — e.g. for a local model server, or tests.
 */
export function autoInterpJobOptions() {
  const options: { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number } = { ...QUEUES.autointerp.options };
  const raw = Number(process.env.FEATURESCOPE_LLM_RETRY_DELAY_S?.trim() || Number.NaN);
  if (Number.isFinite(raw) && raw >= 1) options.retryDelay = Math.round(raw);
  return options;
}

export async function startAutoInterpRun(request: RunRequest) {
  const { run, indices } = await createAutoInterpRun(request);
  if (indices.length) {
    const boss = await sharedBoss();
    await ensureQueuesOnce(boss);
    const queue = QUEUES.autointerp;
    const options = autoInterpJobOptions();
    for (let start = 0; start < indices.length; start += 500) {
      await boss.insert(
        indices.slice(start, start + 500).map((index) => ({
          name: queue.name,
          data: queue.payload.parse({ runId: run.id, saeId: run.saeId, index }),
          ...options,
        })),
      );
    }
  }
  return run;
}
