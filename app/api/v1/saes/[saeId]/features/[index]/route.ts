/** GET /api/v1/saes/{saeId}/features/{index} — a feature's dashboard: what the feature page shows, as JSON. */
import { FeatureDetailSchema, FeatureParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { getFeatureDashboard } from "@/lib/db/features";
import { getSaeById } from "@/lib/db/saes";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/features/{index}",
  operationId: "getFeature",
  summary: "Get a feature's dashboard",
  description:
    "Statistics, histograms, logit effects (final LayerNorm's scale folded into W_U; see sae.logitEffects), neighbours, labels, and the first page of top " +
    "and interval examples. Page through the rest with …/examples.",
  tags: ["Browse"],
  access: "public",
  params: FeatureParamsSchema,
  response: FeatureDetailSchema,
  errors: [404],
  handler: async ({ params }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    const dashboard = await getFeatureDashboard(sae, params.index);
    if (!dashboard) throw notFound(`SAE ${params.saeId} has no feature ${params.index}.`);
    return dashboard;
  },
});
