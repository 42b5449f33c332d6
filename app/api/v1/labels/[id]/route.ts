/** GET/PATCH /api/v1/labels/{id} — one label; edit it with optimistic concurrency (409 on a stale version). */
import { z } from "zod";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { LabelSchema, UpdateLabelSchema } from "@/lib/labels/contracts";
import { getLabel, updateLabel } from "@/lib/db/labels";

export const dynamic = "force-dynamic";
const Params = z.object({ id: idParam });

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/labels/{id}",
  operationId: "getLabel",
  summary: "Get a label",
  tags: ["Labels"],
  access: "public",
  params: Params,
  response: LabelSchema,
  errors: [404],
  handler: async ({ params, principal }) => {
    const label = await getLabel(params.id, principal.kind === "user" ? principal.user.id : null);
    if (!label) throw notFound(`There is no label ${params.id}.`);
    return label;
  },
});

export const PATCH = defineRoute({
  method: "PATCH",
  path: "/api/v1/labels/{id}",
  operationId: "updateLabel",
  summary: "Edit a label",
  description:
    "Send the `version` you edited. If someone saved a newer version meanwhile the answer is 409 with " +
    "`details.current` (the stored label) and `details.submitted` (your change): merge and send again with the current version. " +
    "Each save adds a revision and an audit event (label.update).",
  tags: ["Labels"],
  access: "editor",
  params: Params,
  body: UpdateLabelSchema,
  response: LabelSchema,
  errors: [404, 409],
  rateLimit: { limit: 240, windowMs: 60_000 },
  handler: async ({ params, body, principal }) => updateLabel(params.id, body, principal.user.id),
});
