/** GET /api/v1/search/semantic — labels close in meaning to the query (only when an embeddings endpoint is configured). */
import { defineRoute } from "@/lib/api/route";
import { searchSemantic } from "@/lib/db/search-semantic";
import { SemanticSearchPageSchema, semanticSearchQuerySchema } from "@/lib/search/contracts";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/search/semantic",
  operationId: "searchSemantic",
  summary: "Search features by the meaning of their labels",
  description:
    "Embeds the query with the OpenAI-compatible endpoint in FEATURESCOPE_EMBEDDINGS_URL and ranks labels by exact cosine " +
    "similarity (vectors from `npm run search:embed`). When no endpoint is configured the answer is `enabled: false` with no " +
    "results; 503 when the endpoint fails. Takes the same filters as label search.",
  tags: ["Search"],
  access: "public",
  query: semanticSearchQuerySchema,
  response: SemanticSearchPageSchema,
  errors: [503],
  rateLimit: { limit: 120, windowMs: 60_000 },
  handler: ({ query }) => searchSemantic(query),
});
