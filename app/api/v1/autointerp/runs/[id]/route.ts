/** GET /api/v1/autointerp/runs/{id} — one auto-interp run: progress, tokens, cost, and each failure with its cause. */
import { z } from "zod";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { AutoInterpRunSchema } from "@/lib/labels/autointerp/contracts";
import { getAutoInterpRun } from "@/lib/db/autointerp";
import { runForViewer } from "@/lib/labels/autointerp/run-view";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/autointerp/runs/{id}",
  operationId: "getAutoInterpRun",
  summary: "Get an auto-interp run",
  tags: ["Auto-interp"],
  access: "public",
  params: z.object({ id: idParam }),
  response: AutoInterpRunSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const run = await getAutoInterpRun(params.id);
    if (!run) throw notFound(`There is no auto-interp run ${params.id}.`);
    return runForViewer(run, principal.kind === "user" ? principal.user.role : null);
  },
});
