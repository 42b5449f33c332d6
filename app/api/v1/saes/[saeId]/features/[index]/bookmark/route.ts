/** GET/PUT/DELETE /api/v1/saes/{saeId}/features/{index}/bookmark — the caller's star on a feature. */
import { FeatureParamsSchema } from "@/lib/browse/contracts";
import { defineRoute } from "@/lib/api/route";
import { BookmarkStateSchema } from "@/lib/labels/contracts";
import { isBookmarked, resolveFeature, setBookmark } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/features/{index}/bookmark",
  summary: "Is this feature bookmarked?",
  tags: ["Bookmarks"],
  access: "viewer",
  params: FeatureParamsSchema,
  response: BookmarkStateSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    return { bookmarked: await isBookmarked(principal.user.id, feature.featureId) };
  },
});

export const PUT = defineRoute({
  method: "PUT",
  path: "/api/v1/saes/{saeId}/features/{index}/bookmark",
  summary: "Bookmark a feature",
  tags: ["Bookmarks"],
  access: "viewer",
  params: FeatureParamsSchema,
  response: BookmarkStateSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    return { bookmarked: await setBookmark(principal.user.id, feature.featureId, true) };
  },
});

export const DELETE = defineRoute({
  method: "DELETE",
  path: "/api/v1/saes/{saeId}/features/{index}/bookmark",
  summary: "Remove a bookmark",
  tags: ["Bookmarks"],
  access: "viewer",
  params: FeatureParamsSchema,
  response: BookmarkStateSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    return { bookmarked: await setBookmark(principal.user.id, feature.featureId, false) };
  },
});
