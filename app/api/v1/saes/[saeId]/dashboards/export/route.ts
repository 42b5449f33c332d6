/** GET /api/v1/saes/{saeId}/dashboards/export — an SAE's dashboards and labels in SAEDashboard's or Neuronpedia's format, streamed. */
import { z } from "zod";
import { SaeParamsSchema } from "@/lib/browse/contracts";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { getSaeById } from "@/lib/db/saes";
import { dashboardExportText, EXPORT_PARTS } from "@/lib/import/dashboard-export";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/saes/{saeId}/dashboards/export",
  operationId: "exportSaeDashboards",
  summary: "Export an SAE's dashboards and labels",
  description: [
    "The formats `npm run import:neuronpedia` reads back (import → export → import gives identical data; docs/IMPORT.md).",
    "`part=batch`: one SAEDashboard batch file (NeuronpediaDashboardBatch JSON) holding the features with index in [from, to]; dead features with nothing stored are left out, as SAEDashboard lists them in skipped_indexes.json.",
    "`part=features|activations|explanations`: Neuronpedia's export rows as JSON Lines (Neuron, Activation and Explanation columns); explanations are the SAE's labels (rejected ones left out).",
    "Works for browse-only SAEs. Token strings are display text. `npm run export:dashboards` writes the whole folder.",
  ].join("\n\n"),
  tags: ["Browse"],
  access: "public",
  params: SaeParamsSchema,
  query: z.object({
    part: z.enum(EXPORT_PARTS).default("batch"),
    from: z.coerce.number().int().min(0).optional().meta({ description: "first feature index (default 0)" }),
    to: z.coerce.number().int().min(0).optional().meta({ description: "last feature index (default: the last)" }),
  }),
  responseDescription: "application/json (part=batch) or application/x-ndjson, streamed",
  errors: [404],
  handler: async ({ params, query }) => {
    const sae = await getSaeById(params.saeId);
    if (!sae) throw notFound(`There is no SAE ${params.saeId}.`);
    const texts = dashboardExportText(sae.id, query.part, { from: query.from, to: query.to });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await texts.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await texts.return(undefined);
      },
    });
    const name = `${sae.model.name}-${sae.name}-${query.part === "batch" ? "batch.json" : `${query.part}.jsonl`}`.replace(/[^\w.-]+/g, "_");
    return new Response(body, {
      headers: {
        "content-type": query.part === "batch" ? "application/json; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  },
});
