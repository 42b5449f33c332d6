/** GET /api/v1/labels/{id}/revisions — a label's history, newest first. */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { LabelRevisionsSchema } from "@/lib/labels/contracts";
import { listRevisions } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/labels/{id}/revisions",
  operationId: "listLabelRevisions",
  summary: "List a label's revisions",
  tags: ["Labels"],
  access: "public",
  params: z.object({ id: idParam }),
  response: LabelRevisionsSchema,
  errors: [404],
  handler: async ({ params }) => ({ labelId: params.id, revisions: await listRevisions(params.id) }),
});
