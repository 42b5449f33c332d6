/** GET/PUT/DELETE /api/v1/saes/{saeId}/features/{index}/bookmark — the caller's star on a feature. */
import { FeatureParamsSchema } from "@/lib/browse/contracts";
import { defineRoute } from "@/lib/api/route";
import { BookmarkStateSchema } from "@/lib/labels/contracts";
import { isBookmarked, resolveFeature, setBookmark } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

const PATH = "/api/v1/saes/{saeId}/features/{index}/bookmark" as const;
const common = {
  path: PATH,
  tags: ["Bookmarks"],
  access: "viewer" as const,
  params: FeatureParamsSchema,
  response: BookmarkStateSchema,
  errors: [404],
};

export const GET = defineRoute({
  ...common,
  method: "GET",
  operationId: "isFeatureBookmarked",
  summary: "Is this feature bookmarked?",
  handler: async ({ params, principal }) => {
    const feature = await resolveFeature(params.saeId, params.index);
    return { bookmarked: await isBookmarked(principal.user.id, feature.featureId) };
  },
});

/** PUT sets the star, DELETE removes it: one handler, the state it leaves. */
function writeBookmark(method: "PUT" | "DELETE", operationId: string, summary: string, bookmarked: boolean) {
  return defineRoute({
    ...common,
    method,
    operationId,
    summary,
    handler: async ({ params, principal }) => {
      const feature = await resolveFeature(params.saeId, params.index);
      return { bookmarked: await setBookmark(principal.user.id, feature.featureId, bookmarked) };
    },
  });
}

export const PUT = writeBookmark("PUT", "bookmarkFeature", "Bookmark a feature", true);
export const DELETE = writeBookmark("DELETE", "unbookmarkFeature", "Remove a bookmark", false);
