/** GET /api/v1/saes/{saeId}/labels/export?format=jsonl|csv — every label of an SAE with provenance, streamed. */
import { z } from "zod";
import { SaeParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { exportLabels } from "@/lib/db/labelling";
import { getSaeById } from "@/lib/db/saes";
import { exportStream } from "@/lib/labels/export";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/labels/export",
  operationId: "exportLabels",
  summary: "Export an SAE's labels",
  description:
    "All labels (every status and source) with feature index, hook, author, votes, scores and provenance " +
    "(provider, model, prompt version, examples). JSON Lines (one object per line) or CSV (provenance as a JSON cell).",
  tags: ["Labels"],
  access: "public",
  params: SaeParamsSchema,
  query: z.object({ format: z.enum(["jsonl", "csv"]).default("jsonl") }),
  responseDescription: "application/x-ndjson or text/csv, streamed",
  errors: [404],
  handler: async ({ params, query }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    const name = `${sae.model.name}-${sae.name}-labels.${query.format}`.replace(/[^\w.-]+/g, "_");
    return new Response(exportStream(exportLabels(sae.id), query.format), {
      headers: {
        "content-type": query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  },
});
