/** GET /api/v1/bookmarks — the caller's bookmarked features, newest first. */
import { defineRoute } from "@/lib/api/route";
import { BookmarksSchema } from "@/lib/labels/contracts";
import { listBookmarks } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/bookmarks",
  operationId: "listBookmarks",
  summary: "List your bookmarks",
  tags: ["Bookmarks"],
  access: "viewer",
  response: BookmarksSchema,
  handler: async ({ principal }) => ({ bookmarks: await listBookmarks(principal.user.id) }),
});
