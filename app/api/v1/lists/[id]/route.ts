/** GET/PATCH/DELETE /api/v1/lists/{id} — one of your lists with its features. */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { FeatureListSchema, UpdateListSchema } from "@/lib/labels/contracts";
import { deleteList, getOwnList, updateList } from "@/lib/db/feature-lists";

export const dynamic = "force-dynamic";
const Params = z.object({ id: idParam });

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/lists/{id}",
  operationId: "getFeatureList",
  summary: "Get one of your lists",
  tags: ["Lists"],
  access: "viewer",
  params: Params,
  response: FeatureListSchema,
  errors: [404],
  handler: async ({ params, principal }) => getOwnList(params.id, principal.user.id),
});

export const PATCH = defineRoute({
  method: "PATCH",
  path: "/api/v1/lists/{id}",
  operationId: "updateFeatureList",
  summary: "Rename, describe, share or unshare a list",
  description: "rotateShareToken: true replaces the share link (the old one stops working).",
  tags: ["Lists"],
  access: "viewer",
  params: Params,
  body: UpdateListSchema,
  response: FeatureListSchema,
  errors: [404],
  handler: async ({ params, body, principal }) => updateList(params.id, principal.user.id, body),
});

export const DELETE = defineRoute({
  method: "DELETE",
  path: "/api/v1/lists/{id}",
  operationId: "deleteFeatureList",
  summary: "Delete a list",
  tags: ["Lists"],
  access: "viewer",
  params: Params,
  errors: [404],
  handler: async ({ params, principal }) => {
    await deleteList(params.id, principal.user.id);
  },
});
