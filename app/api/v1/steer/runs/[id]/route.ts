/** GET /api/v1/steer/runs/{id} — one saved steering run (permalinks are public). */
import { z } from "zod";
import { SteeringRunSchema } from "@/lib/api/contracts/steering";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { getSteeringRun } from "@/lib/db/steering";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/steer/runs/{id}",
  operationId: "getSteeringRun",
  summary: "A saved steering run",
  description: "Everything needed to reproduce it: re-running params gives the same texts on the same model.",
  tags: ["Steering"],
  access: "public",
  params: z.object({ id: idParam }),
  response: SteeringRunSchema,
  errors: [404],
  handler: async ({ params }) => {
    const run = await getSteeringRun(params.id);
    if (!run) throw notFound(`Steering run ${params.id} does not exist.`);
    return {
      id: run.id,
      permalink: `/steer/runs/${run.id}`,
      model: run.model,
      author: run.author ? { id: run.author.id, name: run.author.name } : null,
      prompt: run.prompt,
      params: run.params as never,
      defaultOutput: run.defaultOutput,
      steeredOutput: run.steeredOutput,
      details: { default: run.defaultTokens, steered: run.steeredTokens },
      executionDevice: run.executionDevice,
      createdAt: run.createdAt.toISOString(),
    };
  },
});
