/** POST /api/v1/lists/{id}/items/bulk — append several features to one of your lists (search results, for one). */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { addListItems } from "@/lib/db/feature-lists";
import { SaveToListBodySchema, SaveToListResultSchema } from "@/lib/search/contracts";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/lists/{id}/items/bulk",
  operationId: "addFeatureListItems",
  summary: "Add several features to a list",
  description:
    "Appends features (SAE id and index, up to 500) to one of your lists in the order given. Idempotent: features already " +
    "in the list are counted in alreadyInList and not added again (a feature repeated in the request counts once). Every feature must exist (404 names the " +
    "missing ones, and nothing is added). Someone else's list answers 404, like a list that does not exist. The search " +
    "page's \"Save to list\" uses it for search-by-inference and contrast results.",
  tags: ["Lists"],
  access: "viewer",
  params: z.object({ id: idParam }),
  body: SaveToListBodySchema,
  response: SaveToListResultSchema,
  errors: [404],
  rateLimit: { limit: 60, windowMs: 60_000 },
  maxBodyBytes: 64 * 1024,
  handler: async ({ params, body, principal }) => addListItems(params.id, principal.user.id, body.features),
});
