/** GET /api/v1/autointerp/runs/{id} — one auto-interp run: progress, tokens, cost, and each failure with its cause. */
import { z } from "zod";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { AutoInterpRunSchema } from "@/lib/labels/autointerp/contracts";
import { getAutoInterpRun } from "@/lib/db/autointerp";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/autointerp/runs/{id}",
  summary: "Get an auto-interp run",
  tags: ["Auto-interp"],
  access: "public",
  params: z.object({ id: idParam }),
  response: AutoInterpRunSchema,
  errors: [404],
  handler: async ({ params }) => {
    const run = await getAutoInterpRun(params.id);
    if (!run) throw notFound(`There is no auto-interp run ${params.id}.`);
    return { ...run, errors: run.errors as unknown[] };
  },
});
