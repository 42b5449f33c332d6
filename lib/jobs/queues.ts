/** The job queues (pg-boss on the application database), their payload schemas and retry policy. */
import { z } from "zod";

export const QUEUES = {
  /** Housekeeping: expired sessions and magic-link tokens, stale worker heartbeats. */
  maintenance: {
    name: "maintenance.cleanup",
    payload: z.object({}).strict(),
    options: { retryLimit: 1, expireInSeconds: 300 },
  },
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]["name"];

export const ALL_QUEUE_NAMES: string[] = Object.values(QUEUES).map((q) => q.name);
