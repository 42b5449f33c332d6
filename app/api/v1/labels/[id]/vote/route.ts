/** PUT /api/v1/labels/{id}/vote — up (1), down (-1) or clear (0) the caller's vote; labels re-rank. */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { LabelSchema, VoteSchema } from "@/lib/labels/contracts";
import { voteOnLabel } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const PUT = defineRoute({
  method: "PUT",
  path: "/api/v1/labels/{id}/vote",
  operationId: "voteOnLabel",
  summary: "Vote on a label",
  description: "One vote per person and label. The label's voteScore is the sum; the feature's current label is re-chosen. Audited as label.vote.",
  tags: ["Labels"],
  access: "editor",
  params: z.object({ id: idParam }),
  body: VoteSchema,
  response: LabelSchema,
  errors: [404],
  rateLimit: { limit: 240, windowMs: 60_000 },
  handler: async ({ params, body, principal }) => voteOnLabel(params.id, principal.user.id, body.value),
});
