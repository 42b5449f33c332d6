/**
 * autointerp.feature consumers: `concurrency` workers (admin setting / FEATURESCOPE_LLM_CONCURRENCY),
 * each taking one feature at a time. Retries and backoff are the queue's (lib/jobs/queues.ts).
 */
import type PgBoss from "pg-boss";
import { QUEUES } from "@/lib/jobs/queues";
import { getAutoInterpSettings } from "@/lib/db/autointerp";
import { processAutoInterpJob } from "@/lib/labels/autointerp/jobs";

export async function registerAutoInterpHandlers(boss: PgBoss, log: (message: string) => void): Promise<void> {
  const { concurrency } = await getAutoInterpSettings();
  const queue = QUEUES.autointerp;
  for (let worker = 0; worker < concurrency; worker++) {
    await boss.work(queue.name, { batchSize: 1, pollingIntervalSeconds: 2, includeMetadata: true }, async (jobs) => {
      for (const job of jobs) {
        const data = queue.payload.parse(job.data);
        const outcome = await processAutoInterpJob(data, { retryCount: job.retryCount, retryLimit: job.retryLimit });
        log(`autointerp: run ${data.runId} feature ${data.index}: ${outcome}`);
      }
    });
  }
  log(`autointerp: ${concurrency} worker(s)`);
}
