/** PUT /api/v1/labels/{id}/pin — a reviewer sets (or releases) the feature's current label. */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { LabelSchema, PinSchema } from "@/lib/labels/contracts";
import { pinLabel } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const PUT = defineRoute({
  method: "PUT",
  path: "/api/v1/labels/{id}/pin",
  operationId: "pinLabel",
  summary: "Choose a feature's current label",
  description: "pinned: true makes this label the feature's current one regardless of rank; false hands the choice back to ranking. Audited as label.pin / label.unpin.",
  tags: ["Labels"],
  access: "editor",
  params: z.object({ id: idParam }),
  body: PinSchema,
  response: LabelSchema,
  errors: [404],
  handler: async ({ params, body, principal }) => pinLabel(params.id, body.pinned, principal.user.id),
});
