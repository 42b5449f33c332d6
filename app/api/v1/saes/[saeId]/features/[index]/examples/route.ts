/** GET /api/v1/saes/{saeId}/features/{index}/examples — a page of a feature's activation examples. */
import { ExamplePageSchema, FeatureParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { exampleQuerySchema, findFeature, listExamples } from "@/lib/db/features";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/features/{index}/examples",
  operationId: "listActivationExamples",
  summary: "List a feature's activation examples",
  description:
    "One kind at a time (top, or one interval), in rank order; `after` is the rank of the last example already " +
    "seen (the previous page's `nextAfter`). Tokens come as plain display text with per-token activations.",
  tags: ["Browse"],
  access: "public",
  params: FeatureParamsSchema,
  query: exampleQuerySchema,
  response: ExamplePageSchema,
  errors: [404],
  handler: async ({ params, query }) => {
    const feature = await findFeature(params.saeId, params.index);
    if (!feature) throw notFound(`SAE ${params.saeId} has no feature ${params.index}.`);
    return listExamples(feature.id, feature.sae.modelId, query);
  },
});
