/** GET /api/v1/saes/{saeId}/autointerp/runs — an SAE's latest auto-interp runs with progress, spend and errors. */
import { z } from "zod";
import { SaeParamsSchema } from "@/lib/browse/contracts";
import { defineRoute } from "@/lib/api/route";
import { AutoInterpRunSchema } from "@/lib/labels/autointerp/contracts";
import { listAutoInterpRuns } from "@/lib/db/autointerp";
import { runForViewer } from "@/lib/labels/autointerp/run-view";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/autointerp/runs",
  operationId: "listAutoInterpRuns",
  summary: "List an SAE's auto-interp runs",
  tags: ["Auto-interp"],
  access: "public",
  params: SaeParamsSchema,
  response: z.object({ runs: z.array(AutoInterpRunSchema) }),
  handler: async ({ params, principal }) => ({
    runs: (await listAutoInterpRuns(params.saeId)).map((run) => runForViewer(run, principal.kind === "user" ? principal.user.role : null)),
  }),
});
