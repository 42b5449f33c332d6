/** GET/POST /api/v1/lists — your feature lists, and a new one. */
import { defineRoute } from "@/lib/api/route";
import { CreateListSchema, FeatureListSchema, FeatureListsSchema } from "@/lib/labels/contracts";
import { createList, listMyLists } from "@/lib/db/feature-lists";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/lists",
  operationId: "listFeatureLists",
  summary: "List your feature lists",
  tags: ["Lists"],
  access: "viewer",
  response: FeatureListsSchema,
  handler: async ({ principal }) => ({ lists: await listMyLists(principal.user.id) }),
});

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/lists",
  operationId: "createFeatureList",
  summary: "Create a feature list",
  description: "isPublic: true makes the share link (/lists/shared/{shareToken}) readable by anyone who has it.",
  tags: ["Lists"],
  access: "viewer",
  body: CreateListSchema,
  response: FeatureListSchema,
  status: 201,
  rateLimit: { limit: 30, windowMs: 60_000 },
  handler: async ({ body, principal }) => createList(principal.user.id, body),
});
