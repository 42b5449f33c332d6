/** GET /api/v1/saes/{saeId} — one SAE: hook, architecture, sizes, quality metrics, dashboard corpus. */
import { SaeDetailSchema, SaeParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { getSaeById } from "@/lib/db/saes";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}",
  operationId: "getSae",
  summary: "Get an SAE",
  tags: ["Browse"],
  access: "public",
  params: SaeParamsSchema,
  response: SaeDetailSchema,
  errors: [404],
  handler: async ({ params }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    return sae;
  },
});
