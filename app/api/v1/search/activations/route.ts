/** GET /api/v1/search/activations — features whose top examples contain a token or string. */
import { defineRoute } from "@/lib/api/route";
import { searchActivations } from "@/lib/db/search";
import { ActivationSearchPageSchema, activationSearchQuerySchema } from "@/lib/search/contracts";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/search/activations",
  operationId: "searchByActivations",
  summary: "Search features by the text they fire on",
  description:
    "Finds features whose top activating examples contain the text as consecutive tokens of the model's vocabulary " +
    "(case and surrounding spaces ignored), through the GIN index on token ids. Ranked by the activation at the match " +
    "relative to the feature's max, and by how many top examples contain it. Each result carries the best matching " +
    "example with the match's position. Token ids are per model: give `model` or `sae` unless only one model exists. " +
    "The same parameters work on the search page: /search?mode=activations&q=…",
  tags: ["Search"],
  access: "public",
  query: activationSearchQuerySchema,
  response: ActivationSearchPageSchema,
  errors: [404],
  rateLimit: { limit: 600, windowMs: 60_000 },
  handler: ({ query }) => searchActivations(query),
});
