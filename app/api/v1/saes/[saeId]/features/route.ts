/** GET /api/v1/saes/{saeId}/features — the SAE's feature table: sorted, filtered, keyset-paginated. */
import { FeatureTablePageSchema, SaeParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { countSaeFeatures, featureTableQuerySchema, getSaeById, listSaeFeatures } from "@/lib/db/saes";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/features",
  operationId: "listFeatures",
  summary: "List an SAE's features",
  description:
    "Sort by index, density, maxActivation, labelStatus (accepted, draft, rejected, none) or labelScore (only " +
    "features with a score); filter by label state, dead flag and density range. Page with the opaque " +
    "`nextCursor` (as `after`) and `prevCursor` (as `before`). Filtered totals are exact up to 1,000 matches, " +
    "then reported as 1,000 with `totalAtLeast`.",
  tags: ["Browse"],
  access: "public",
  params: SaeParamsSchema,
  query: featureTableQuerySchema,
  response: FeatureTablePageSchema,
  errors: [404],
  handler: async ({ params, query }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    const [page, count] = await Promise.all([listSaeFeatures(sae.id, query), countSaeFeatures(sae.id, query, sae.dSae)]);
    return { ...page, total: count.total, totalAtLeast: count.atLeast };
  },
});
