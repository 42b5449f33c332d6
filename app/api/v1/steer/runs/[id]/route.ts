/** GET /api/v1/steer/runs/{id} — one saved steering run (anyone with its unguessable id may read it). */
import { z } from "zod";
import { SteeringRunSchema } from "@/lib/api/contracts/steering";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { getSteeringRun, visibleAuthor } from "@/lib/db/steering";
import { steeringRunPath } from "@/lib/steering/permalink";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/steer/runs/{id}",
  operationId: "getSteeringRun",
  summary: "A saved steering run",
  description: "Everything needed to reproduce it: re-running params gives the same texts on the same model. The author is null for anonymous callers unless the author published their name.",
  tags: ["Steering"],
  access: "public",
  params: z.object({ id: z.string().max(64) }),
  response: SteeringRunSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const run = await getSteeringRun(params.id);
    if (!run) throw notFound("There is no steering run with this id.");
    return {
      id: run.id,
      permalink: steeringRunPath(run.id),
      model: run.model,
      author: visibleAuthor(run, principal.kind === "user"),
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
