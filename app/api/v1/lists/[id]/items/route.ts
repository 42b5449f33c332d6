/** GET/POST /api/v1/lists/{id}/items — a page of one of your lists' features; add a feature (or change its note). */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { AddListItemSchema, FeatureListSchema, FeatureRefSchema } from "@/lib/labels/contracts";
import { addListItem, listItemsPage } from "@/lib/db/feature-lists";
import { resolveFeature } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

const ListItemsQuerySchema = z.object({
  after: z.string().max(40).optional().meta({ description: "Keyset cursor: the previous page's nextCursor" }),
  limit: z.coerce.number().int().min(1).max(500).default(100).meta({ description: "Page size (1–500)" }),
});

const ListItemsPageSchema = z
  .object({
    items: z.array(FeatureRefSchema.extend({ position: z.number().int(), note: z.string().nullable() })),
    nextCursor: z.string().nullable().meta({ description: "Pass as after for the next page; null on the last" }),
  })
  .meta({ id: "FeatureListItemsPage" });

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/lists/{id}/items",
  operationId: "listFeatureListItems",
  summary: "Page through a list's features",
  description: "In list order (the order they were added), keyset-paginated. Someone else's list answers 404.",
  tags: ["Lists"],
  access: "viewer",
  params: z.object({ id: idParam }),
  query: ListItemsQuerySchema,
  response: ListItemsPageSchema,
  errors: [404],
  handler: async ({ params, query, principal }) => listItemsPage(params.id, principal.user.id, query),
});

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/lists/{id}/items",
  operationId: "addFeatureListItem",
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
