/** GET /api/v1/search/labels — features whose labels match words (typo-tolerant), ranked, keyset-paginated. */
import { defineRoute } from "@/lib/api/route";
import { searchLabels } from "@/lib/db/search";
import { LabelSearchPageSchema, labelSearchQuerySchema } from "@/lib/search/contracts";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/search/labels",
  operationId: "searchLabels",
  summary: "Search features by label",
  description:
    "Full-text search over label text (English stemming), with typo correction and partial words, filters, and a ranking " +
    "that combines text relevance with review status, votes and auto-interp scores (docs/SEARCH.md). One result per " +
    "feature: its best-matching label, with the character ranges that matched. Page with `after` = `nextCursor`. " +
    "The same parameters work on the search page: /search?mode=labels&q=…",
  tags: ["Search"],
  access: "public",
  query: labelSearchQuerySchema,
  response: LabelSearchPageSchema,
  rateLimit: { limit: 600, windowMs: 60_000 },
  handler: ({ query }) => searchLabels(query),
});
