/** The job queues (pg-boss on the application database), their payload schemas and retry policy. */
import { z } from "zod";

/** The PostgreSQL schema pg-boss keeps its tables in. */
export const BOSS_SCHEMA = "pgboss";

export const QUEUES = {
  /** Housekeeping: expired sessions and magic-link tokens, stale worker heartbeats. */
  maintenance: {
    name: "maintenance.cleanup",
    payload: z.object({}).strict(),
    options: { retryLimit: 1, expireInSeconds: 300 },
  },
  /**
   * One dashboard run (DashboardRun row: compute from a corpus, or a Neuronpedia import). Runs are
   * resumable and leased, so a retried or duplicated job continues or exits; the long expiry only
   * bounds a job pg-boss thinks is active (a killed worker's run is re-enqueued at worker start).
   */
  dashboards: {
    name: "dashboards.run",
    payload: z.object({ runId: z.number().int().positive() }).strict(),
    options: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 6 * 60 * 60 },
  },
  /**
   * One feature of an auto-interp run (lib/labels/autointerp/jobs.ts): explain + score with the
   * configured LLM provider. Provider errors retry with backoff; the run records each cause.
   */
  autointerp: {
    name: "autointerp.feature",
    payload: z.object({ runId: z.number().int().positive(), saeId: z.number().int().positive(), index: z.number().int().nonnegative() }).strict(),
    options: { retryLimit: 3, retryDelay: 15, retryBackoff: true, expireInSeconds: 15 * 60 },
  },
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]["name"];

export const ALL_QUEUE_NAMES: string[] = Object.values(QUEUES).map((q) => q.name);
