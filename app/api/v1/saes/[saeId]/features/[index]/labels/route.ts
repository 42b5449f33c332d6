/** GET/POST /api/v1/saes/{saeId}/features/{index}/labels — a feature's labels, and a new human label. */
import { FeatureParamsSchema } from "@/lib/browse/contracts";
import { defineRoute } from "@/lib/api/route";
import { CreateLabelSchema, FeatureLabelsSchema, LabelSchema } from "@/lib/labels/contracts";
import { createLabel, listFeatureLabels, resolveFeature } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/features/{index}/labels",
  operationId: "listFeatureLabels",
  summary: "List a feature's labels",
  description: "Current label first, then by review state and votes. `myVote` is the caller's own vote (0 when anonymous).",
  tags: ["Labels"],
  access: "public",
  params: FeatureParamsSchema,
  response: FeatureLabelsSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    const viewerId = principal.kind === "user" ? principal.user.id : null;
    const { currentLabelId, labels } = await listFeatureLabels(feature.featureId, viewerId);
    return { featureId: feature.featureId, saeId: feature.saeId, featureIndex: feature.index, currentLabelId, labels };
  },
});

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/saes/{saeId}/features/{index}/labels",
  operationId: "createLabel",
  summary: "Add a human label",
  description: "Human labels start accepted; the feature's current label is re-chosen. Audited as label.create.",
  tags: ["Labels"],
  access: "editor",
  params: FeatureParamsSchema,
  body: CreateLabelSchema,
  response: LabelSchema,
  status: 201,
  errors: [404],
  rateLimit: { limit: 120, windowMs: 60_000 },
  handler: async ({ params, body, principal }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    return createLabel(feature.featureId, { text: body.text, note: body.note }, principal.user.id);
  },
});
