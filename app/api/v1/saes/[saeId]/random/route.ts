/** GET /api/v1/saes/{saeId}/random — the index of a uniformly random live feature. */
import { RandomFeatureSchema, SaeParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { getSaeById, randomFeatureIndex } from "@/lib/db/saes";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/random",
  operationId: "getRandomFeature",
  summary: "Pick a random live feature",
  tags: ["Browse"],
  access: "public",
  params: SaeParamsSchema,
  response: RandomFeatureSchema,
  errors: [404],
  handler: async ({ params }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    return { index: await randomFeatureIndex(sae.id, sae.dSae) };
  },
});
