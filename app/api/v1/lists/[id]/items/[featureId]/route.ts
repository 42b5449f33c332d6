/** DELETE /api/v1/lists/{id}/items/{featureId} — take a feature out of one of your lists. */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { FeatureListSchema } from "@/lib/labels/contracts";
import { removeListItem } from "@/lib/db/feature-lists";

export const dynamic = "force-dynamic";

export const DELETE = defineRoute({
  method: "DELETE",
  path: "/api/v1/lists/{id}/items/{featureId}",
  operationId: "removeFeatureListItem",
  summary: "Remove a feature from a list",
  tags: ["Lists"],
  access: "viewer",
  params: z.object({ id: idParam, featureId: idParam }),
  response: FeatureListSchema,
  errors: [404],
  handler: async ({ params, principal }) => removeListItem(params.id, principal.user.id, params.featureId),
});
