/** POST /api/v1/lists/{id}/items — add a feature to one of your lists (or change its note). */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { AddListItemSchema, FeatureListSchema } from "@/lib/labels/contracts";
import { addListItem } from "@/lib/db/feature-lists";
import { resolveFeature } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/lists/{id}/items",
  summary: "Add a feature to a list",
  tags: ["Lists"],
  access: "viewer",
  params: z.object({ id: idParam }),
  body: AddListItemSchema,
  response: FeatureListSchema,
  errors: [404],
  handler: async ({ params, body, principal }) => {
    const feature = await resolveFeature(body.saeId, body.index);
    return addListItem(params.id, principal.user.id, feature.featureId, body.note);
  },
});
