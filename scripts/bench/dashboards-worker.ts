/** One dashboard worker for bench:dashboards' scale-out measurement: `tsx dashboards-worker.ts <runId> <owner>` (DATABASE_URL set). */
import { closeRawSql } from "../../lib/db/dashboards";
import { disconnectDb } from "../../lib/db/client";
import { runDashboards } from "../../lib/dashboards/run";

const outcome = await runDashboards(Number(process.argv[2]), { owner: process.argv[3], intraOpNumThreads: Number(process.env.FEATURESCOPE_ORT_THREADS) || 1 });
console.log(JSON.stringify(outcome));
await closeRawSql();
await disconnectDb();
process.exit(outcome.status === "failed" ? 1 : 0);
