/** Schemas of the steering API: the request (shared with the form) and saved runs. */
import { z } from "zod";
import { SteerRequestSchema, SteerDoneEventSchema } from "@/lib/inference/protocol";
import { STEERING_RUN_ID_PATTERN } from "@/lib/steering/run-id";

export const SteerBodySchema = SteerRequestSchema.meta({ id: "SteerRequest" });

const runId = z.string().meta({ description: "Random, unguessable id (22 base64url characters)" });

export const SteeringRunSchema = z
  .object({
    id: runId,
    permalink: z.string(),
    model: z.object({ id: z.number().int(), name: z.string() }),
    author: z.object({ id: z.number().int(), name: z.string().nullable() }).nullable()
      .meta({ description: "Shown to signed-in callers, and to anyone when the author chose to publish it; else null" }),
    prompt: z.string(),
    params: SteerRequestSchema,
    defaultOutput: z.string(),
    steeredOutput: z.string(),
    details: z.object({ default: z.unknown(), steered: z.unknown() }),
    executionDevice: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "SteeringRun" });

export const SteeringRunListSchema = z.object({
  runs: z.array(z.object({
    id: runId, permalink: z.string(), model: z.object({ id: z.number().int(), name: z.string() }),
    prompt: z.string(), defaultOutput: z.string(), steeredOutput: z.string(), createdAt: z.string(),
  })),
  nextBefore: z.string().nullable(),
});

export const SteeringRunsQuerySchema = z.object({
  before: z.string().regex(STEERING_RUN_ID_PATTERN, "must be the nextBefore of the previous page (a run id)").optional().meta({ description: "nextBefore of the previous page" }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export { SteerDoneEventSchema };
