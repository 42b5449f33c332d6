/**
 * A stand-alone "worker" for the kill test: runs one dashboard run with a checkpoint after every
 * batch, slowly enough to be killed mid-pass. Usage: tsx dashboards-child.ts <runId> (DATABASE_URL set).
 */
import { runDashboards } from "@/lib/dashboards/run";

const runId = Number(process.argv[2]);
await runDashboards(runId, {
  owner: `child:${process.pid}`,
  leaseMs: 2000,
  checkpointMs: 0,
  intraOpNumThreads: 1,
  afterBatch: () => new Promise((resolve) => setTimeout(resolve, 150)),
});
process.exit(0);
