/**
 * The job worker: its own process consuming the pg-boss queues (started by `npm start`, or alone
 * with `npm run worker:jobs`). Each queue's handler lives in handlers/.
 */
import { createBoss, ensureQueues } from "@/lib/jobs/boss";
import { QUEUES } from "@/lib/jobs/queues";
import { HEARTBEAT_INTERVAL_MS, recordHeartbeat, removeHeartbeat } from "@/lib/db/workers";
import { disconnectDb } from "@/lib/db/client";
import { closeRawSql } from "@/lib/db/dashboards";
import { runMaintenance } from "./handlers/maintenance";
import { registerDashboardHandlers } from "./handlers/dashboards";
import { registerAutoInterpHandlers } from "./handlers/autointerp";

const KIND = "jobs";
const startedAt = new Date();
const log = (message: string) => console.log(`[jobs] ${message}`);

/** FEATURESCOPE_JOBS_QUEUES=a,b makes this worker consume only those queues (default: every queue). */
function queuesToHandle(): string[] {
  const all: string[] = Object.values(QUEUES).map((q) => q.name);
  const listed = (process.env.FEATURESCOPE_JOBS_QUEUES ?? "").split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = listed.filter((name) => !all.includes(name));
  if (unknown.length) throw new Error(`FEATURESCOPE_JOBS_QUEUES names unknown queues (${unknown.join(", ")}); known: ${all.join(", ")}`);
  return listed.length ? listed : all;
}

async function main() {
  const handled = queuesToHandle();
  const boss = createBoss(undefined, { supervise: true, schedule: true });
  boss.on("error", (error) => console.error(`[jobs] pg-boss error: ${error.message}`));
  await boss.start();
  await ensureQueues(boss);

  if (handled.includes(QUEUES.maintenance.name)) {
    await boss.work(QUEUES.maintenance.name, async (jobs) => {
      for (const job of jobs) {
        QUEUES.maintenance.payload.parse(job.data ?? {});
        const result = await runMaintenance();
        log(`maintenance: ${JSON.stringify(result)}`);
      }
    });
    await boss.schedule(QUEUES.maintenance.name, "17 * * * *", {});
  }
  if (handled.includes(QUEUES.dashboards.name)) await registerDashboardHandlers(boss, log);
  if (handled.includes(QUEUES.autointerp.name)) await registerAutoInterpHandlers(boss, log);

  const beat = () =>
    recordHeartbeat(KIND, startedAt, { queues: handled }).catch((error) =>
      console.error(`[jobs] heartbeat failed: ${(error as Error).message}`),
    );
  await beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  log(`ready (pid ${process.pid}), queues: ${handled.join(", ")}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing active jobs and stopping`);
    clearInterval(timer);
    await boss.stop({ graceful: true, wait: true, timeout: 20_000 }).catch(() => undefined);
    await removeHeartbeat(KIND).catch(() => undefined);
    await closeRawSql().catch(() => undefined);
    await disconnectDb();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  console.error(`[jobs] failed to start: ${(error as Error).message}`);
  process.exit(1);
});
