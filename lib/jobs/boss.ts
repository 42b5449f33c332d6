/** Creates the pg-boss instance that web routes (to enqueue) and workers (to consume) share. */
import PgBoss from "pg-boss";
import { currentDatabaseUrl, parseDatabaseUrl } from "../db/connection";
import { BOSS_SCHEMA, QUEUES } from "./queues";

export { BOSS_SCHEMA };

export function createBoss(url = currentDatabaseUrl(), options: { supervise?: boolean; schedule?: boolean } = {}): PgBoss {
  const boss = new PgBoss({
    ...parseDatabaseUrl(url),
    schema: BOSS_SCHEMA,
    application_name: "featurescope-jobs",
    max: 4,
    supervise: options.supervise ?? false,
    schedule: options.schedule ?? false,
    migrate: true,
  });
  return boss;
}

/** Creates every queue the product uses (idempotent). */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  for (const queue of Object.values(QUEUES)) {
    if (!existing.has(queue.name)) await boss.createQueue(queue.name, { name: queue.name, ...queue.options });
  }
}

let shared: Promise<PgBoss> | undefined;

/** A started pg-boss for enqueueing from the web process (no maintenance, no cron). */
export function sharedBoss(): Promise<PgBoss> {
  shared ??= (async () => {
    const boss = createBoss();
    boss.on("error", (error) => console.error("[jobs] pg-boss error:", error.message));
    await boss.start();
    return boss;
  })();
  return shared;
}
