/** GET /api/v1/shared-lists/{token} — a list through its share link (while its owner shares it). */
import { z } from "zod";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { FeatureListSchema } from "@/lib/labels/contracts";
import { getSharedList } from "@/lib/db/feature-lists";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/shared-lists/{token}",
  operationId: "getSharedFeatureList",
  summary: "Read a shared list",
  tags: ["Lists"],
  access: "public",
  params: z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) }),
  response: FeatureListSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const list = await getSharedList(params.token, principal.kind === "user" ? principal.user.id : null);
    if (!list) throw notFound("No shared list has this link (it may have been unshared or replaced).");
    return list;
  },
});
