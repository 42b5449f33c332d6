/** Worker heartbeats: each long-running worker records that it is alive; /status reads them. */
import os from "node:os";
import { db } from "./client";

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEALTHY_WITHIN_MS = 20_000;

export function workerName(kind: string): string {
  return `${kind}@${os.hostname()}:${process.pid}`;
}

export async function recordHeartbeat(kind: string, startedAt: Date, details: Record<string, unknown> = {}) {
  const name = workerName(kind);
  const now = new Date();
  await db().workerHeartbeat.upsert({
    where: { name },
    create: { name, kind, pid: process.pid, host: os.hostname(), startedAt, lastSeenAt: now, details: details as object },
    update: { lastSeenAt: now, details: details as object },
  });
}

export async function removeHeartbeat(kind: string) {
  await db().workerHeartbeat.deleteMany({ where: { name: workerName(kind) } });
}

export async function listWorkers(now = new Date()) {
  const rows = await db().workerHeartbeat.findMany({ orderBy: [{ kind: "asc" }, { lastSeenAt: "desc" }] });
  return rows.map((row) => ({
    ...row,
    healthy: now.getTime() - row.lastSeenAt.getTime() <= HEALTHY_WITHIN_MS,
  }));
}

/** Forgets workers not seen for an hour (crashed processes never remove their own row). */
export async function pruneStaleWorkers(now = new Date()) {
  const cutoff = new Date(now.getTime() - 60 * 60 * 1000);
  const { count } = await db().workerHeartbeat.deleteMany({ where: { lastSeenAt: { lt: cutoff } } });
  return count;
}
