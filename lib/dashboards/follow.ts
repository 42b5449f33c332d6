/**
 * Following dashboard runs from a command line: is a job worker alive to compute them, how far is
 * each run, and a one-line summary with an ETA for logs.
 */
import { getRunProgress, type DashboardRunRow } from "@/lib/db/dashboards";
import { listWorkers } from "@/lib/db/workers";

export type RunProgress = Omit<DashboardRunRow, "checkpoint">;

export async function jobWorkerAlive(): Promise<boolean> {
  return (await listWorkers()).some((w) => w.kind === "jobs" && w.healthy);
}

export async function runsProgress(runIds: number[]): Promise<RunProgress[]> {
  const runs = await Promise.all(runIds.map((id) => getRunProgress(id)));
  return runs.filter((r): r is RunProgress => r !== null);
}

/** Estimates seconds left from progress samples (first seen vs now, this process's view). */
export class EtaEstimator {
  private readonly first = new Map<number, { at: number; progress: number }>();

  secondsLeft(run: RunProgress, now = Date.now()): number | null {
    const start = this.first.get(run.id);
    if (!start) {
      this.first.set(run.id, { at: now, progress: run.progress });
      return null;
    }
    const rate = (run.progress - start.progress) / ((now - start.at) / 1000);
    return rate > 0 ? (1 - run.progress) / rate : null;
  }
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "…";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function describeRun(run: RunProgress, eta: number | null): string {
  const percent = `${(run.progress * 100).toFixed(1)}%`;
  if (run.status === "done") return "done";
  if (run.status === "failed") return `failed: ${run.error?.message ?? "unknown error"}`;
  return `${percent} ${run.message ?? run.phase}${run.status === "running" ? `, about ${formatDuration(eta)} left` : " (waiting for a worker)"}`;
}
