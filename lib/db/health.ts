/**
 * System health for /status and /api/health: database, job queues, workers. Everyone may see whether
 * things work; only admins see where they run (worker hostnames, pids, the inference service's URL
 * and execution-provider details live in the full view).
 */
import { db } from "./client";
import { listWorkers } from "./workers";
import { ALL_QUEUE_NAMES } from "../jobs/queues";
import { BOSS_SCHEMA } from "../jobs/queues";

export interface QueueHealth {
  name: string;
  created: number;
  retry: number;
  active: number;
  completed: number;
  failed: number;
}

export async function databaseHealth() {
  const started = performance.now();
  try {
    const rows = await db().$queryRawUnsafe<{ version: string; size: string }[]>(
      "SELECT current_setting('server_version') AS version, pg_size_pretty(pg_database_size(current_database())) AS size",
    );
    return { ok: true as const, version: rows[0].version, size: rows[0].size, latencyMs: performance.now() - started };
  } catch (error) {
    return { ok: false as const, error: (error as Error).message.split("\n").slice(-1)[0] };
  }
}

export async function queueHealth(): Promise<{ installed: boolean; queues: QueueHealth[] }> {
  const empty = (name: string): QueueHealth => ({ name, created: 0, retry: 0, active: 0, completed: 0, failed: 0 });
  const installed = await db().$queryRawUnsafe<{ present: boolean }[]>(
    `SELECT to_regclass('${BOSS_SCHEMA}.job') IS NOT NULL AS present`,
  );
  if (!installed[0]?.present) return { installed: false, queues: ALL_QUEUE_NAMES.map(empty) };
  const rows = await db().$queryRawUnsafe<{ name: string; state: string; count: number }[]>(
    `SELECT name, state::text AS state, count(*)::int AS count FROM ${BOSS_SCHEMA}.job GROUP BY name, state`,
  );
  const byName = new Map(ALL_QUEUE_NAMES.map((name) => [name, empty(name)]));
  for (const row of rows) {
    const queue = byName.get(row.name) ?? empty(row.name);
    if (row.state in queue) (queue as unknown as Record<string, number>)[row.state] = row.count;
    byName.set(row.name, queue);
  }
  return { installed: true, queues: [...byName.values()] };
}

export async function systemHealth() {
  const database = await databaseHealth();
  if (!database.ok) return { ok: false, database, queues: null, workers: [] };
  const [queues, workers] = await Promise.all([queueHealth(), listWorkers()]);
  const jobsWorkerUp = workers.some((w) => w.kind === "jobs" && w.healthy);
  return { ok: jobsWorkerUp, database, queues, workers };
}

export type SystemHealth = Awaited<ReturnType<typeof systemHealth>>;

/** What anyone may see: up or down, per part, without hostnames, pids, URLs or error texts. */
export function publicHealth(health: SystemHealth) {
  const kinds = [...new Set(health.workers.map((w) => w.kind))].sort();
  return {
    ok: health.ok,
    database: { ok: health.database.ok },
    workers: kinds.map((kind) => ({ kind, healthy: health.workers.some((w) => w.kind === kind && w.healthy) })),
    queues: health.queues,
  };
}
