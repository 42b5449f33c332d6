/** Starting an auto-interp run from the web process: a run row, then one pg-boss job per feature. */
import { createAutoInterpRun, type RunRequest } from "../../db/autointerp";
import { sharedBoss } from "../../jobs/boss";
import { QUEUES } from "../../jobs/queues";

export async function startAutoInterpRun(request: RunRequest) {
  const { run, indices } = await createAutoInterpRun(request);
  if (indices.length) {
    const boss = await sharedBoss();
    const queue = QUEUES.autointerp;
    for (let start = 0; start < indices.length; start += 500) {
      await boss.insert(
        indices.slice(start, start + 500).map((index) => ({
          name: queue.name,
          data: queue.payload.parse({ runId: run.id, saeId: run.saeId, index }),
          ...queue.options,
        })),
      );
    }
  }
  return run;
}
