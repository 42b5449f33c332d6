/** GET /api/v1/saes/{saeId}/labelling/next — the labelling queue: the next feature with no accepted label. */
import { z } from "zod";
import { SaeParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { QueueNextSchema } from "@/lib/labels/contracts";
import { nextUnlabelled } from "@/lib/db/labelling";
import { getSaeById } from "@/lib/db/saes";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/labelling/next",
  operationId: "getNextFeatureToLabel",
  summary: "Next feature to label",
  description: "The smallest live feature index after `after` without an accepted shown label (wrapping to the start); `skip` leaves out indices (repeat it).",
  tags: ["Labelling"],
  access: "public",
  params: SaeParamsSchema,
  query: z.object({
    after: z.coerce.number().int().min(-1).max(2_147_483_647).optional(),
    skip: z.union([z.coerce.number().int().nonnegative().max(2_147_483_647), z.array(z.coerce.number().int().nonnegative().max(2_147_483_647)).max(500)]).optional(),
  }),
  response: QueueNextSchema,
  errors: [404],
  handler: async ({ params, query }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    const skip = query.skip === undefined ? [] : Array.isArray(query.skip) ? query.skip : [query.skip];
    const next = await nextUnlabelled(sae.id, query.after ?? null, skip);
    return { saeId: sae.id, ...next };
  },
});
