/** GET /api/v1/saes/{saeId}/labelling/progress — share of live features labelled, and by whom. */
import { SaeParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { ProgressSchema } from "@/lib/labels/contracts";
import { labellingProgress } from "@/lib/db/labelling";
import { getSaeById } from "@/lib/db/saes";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/labelling/progress",
  operationId: "getLabellingProgress",
  summary: "Labelling progress of an SAE",
  tags: ["Labelling"],
  access: "public",
  params: SaeParamsSchema,
  response: ProgressSchema,
  errors: [404],
  handler: async ({ params }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    return labellingProgress(sae.id);
  },
});
