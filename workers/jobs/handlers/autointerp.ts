/**
 * autointerp.feature consumers: `concurrency` pg-boss workers (admin setting, else
 * FEATURESCOPE_LLM_CONCURRENCY), each taking one feature at a time. The setting is read again every
 * RESIZE_INTERVAL_MS and after every job, so a change on /admin/providers takes effect without a
 * restart (a worker beyond the new count stops after its current job). Retries and backoff are the
 * queue's (lib/jobs/queues.ts); the spending cap is checked by the job itself before every call.
 */
import type PgBoss from "pg-boss";
import { QUEUES } from "@/lib/jobs/queues";
import { getAutoInterpSettings } from "@/lib/db/autointerp";
import { processAutoInterpJob } from "@/lib/labels/autointerp/jobs";

const RESIZE_INTERVAL_MS = 10_000;

export async function registerAutoInterpHandlers(boss: PgBoss, log: (message: string) => void): Promise<() => void> {
  const queue = QUEUES.autointerp;
  const workerIds: string[] = [];
  let resizing: Promise<void> = Promise.resolve();

  const handler = async (jobs: PgBoss.JobWithMetadata<unknown>[]) => {
    for (const job of jobs) {
      const data = queue.payload.parse(job.data);
      try {
        const outcome = await processAutoInterpJob(data, { retryCount: job.retryCount, retryLimit: job.retryLimit });
        log(`autointerp: run ${data.runId} feature ${data.index}: ${outcome}`);
      } catch (error) {
        log(`autointerp: run ${data.runId} feature ${data.index}: attempt ${job.retryCount + 1} of ${job.retryLimit + 1} failed: ${(error as Error).message}`);
        throw error; // pg-boss retries it with backoff, or marks it failed after the last attempt
      } finally {
        void resize();
      }
    }
  };

  /** Starts or stops pg-boss workers until there are as many as the settings say. */
  const resize = () => {
    resizing = resizing.then(async () => {
      let wanted: number;
      try {
        wanted = (await getAutoInterpSettings()).concurrency;
      } catch (error) {
        log(`autointerp: could not read the concurrency setting: ${(error as Error).message}`);
        return;
      }
      if (wanted === workerIds.length) return;
      while (workerIds.length < wanted) {
        workerIds.push(await boss.work(queue.name, { batchSize: 1, pollingIntervalSeconds: 2, includeMetadata: true }, handler));
      }
      while (workerIds.length > wanted) await boss.offWork({ id: workerIds.pop()! });
      log(`autointerp: ${workerIds.length} worker(s)`);
    });
    return resizing;
  };

  await resize();
  const timer = setInterval(() => void resize(), RESIZE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
