/** GET /api/v1/steer/runs — your steering history, newest first. */
import { SteeringRunListSchema, SteeringRunsQuerySchema } from "@/lib/api/contracts/steering";
import { defineRoute } from "@/lib/api/route";
import { listSteeringRuns } from "@/lib/db/steering";
import { steeringRunPath } from "@/lib/steering/permalink";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/steer/runs",
  operationId: "listSteeringRuns",
  summary: "Your steering runs",
  description: "Keyset-paginated: pass nextBefore as before for the next page.",
  tags: ["Steering"],
  access: "viewer",
  query: SteeringRunsQuerySchema,
  response: SteeringRunListSchema,
  handler: async ({ principal, query }) => {
    const { runs, nextBefore } = await listSteeringRuns(principal.user.id, query);
    return {
      runs: runs.map((r) => ({ id: r.id, permalink: steeringRunPath(r.id), model: r.model, prompt: r.prompt, defaultOutput: r.defaultOutput, steeredOutput: r.steeredOutput, createdAt: r.createdAt.toISOString() })),
      nextBefore,
    };
  },
});
