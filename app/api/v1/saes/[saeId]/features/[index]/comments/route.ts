/** GET/POST /api/v1/saes/{saeId}/features/{index}/comments — discussion on a feature (Markdown, rendered sanitised). */
import { FeatureParamsSchema } from "@/lib/browse/contracts";
import { defineRoute } from "@/lib/api/route";
import { CommentSchema, CommentsSchema, CreateCommentSchema } from "@/lib/labels/contracts";
import { createComment, listComments, resolveFeature } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/features/{index}/comments",
  operationId: "listComments",
  summary: "List a feature's comments",
  description: "Oldest first. `html` is the Markdown rendered with everything but safe formatting escaped.",
  tags: ["Comments"],
  access: "public",
  params: FeatureParamsSchema,
  response: CommentsSchema,
  errors: [404],
  handler: async ({ params }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    return { comments: await listComments(feature.featureId) };
  },
});

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/saes/{saeId}/features/{index}/comments",
  operationId: "createComment",
  summary: "Comment on a feature",
  tags: ["Comments"],
  access: "editor",
  params: FeatureParamsSchema,
  body: CreateCommentSchema,
  response: CommentSchema,
  status: 201,
  errors: [404],
  rateLimit: { limit: 30, windowMs: 60_000 },
  handler: async ({ params, body, principal }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    return createComment(feature.featureId, body.body, principal.user.id);
  },
});
