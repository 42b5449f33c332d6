/** POST /api/v1/labels/{id}/review — accept, reject or reopen a label (machine drafts above all). */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { LabelSchema, ReviewLabelSchema } from "@/lib/labels/contracts";
import { reviewLabel } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/labels/{id}/review",
  operationId: "reviewLabel",
  summary: "Review a label",
  description: "accept → accepted, reject → rejected (never shown as current), reopen → draft. `version` is the version you reviewed: a label changed since → 409 with both versions. Audited as label.accept / label.reject / label.reopen.",
  tags: ["Labels"],
  access: "editor",
  params: z.object({ id: idParam }),
  body: ReviewLabelSchema,
  response: LabelSchema,
  errors: [404, 409],
  rateLimit: { limit: 240, windowMs: 60_000 },
  handler: async ({ params, body, principal }) => reviewLabel(params.id, body, principal.user.id),
});
