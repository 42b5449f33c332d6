/** GET /api/v1/models — the catalogue: models with their SAEs and quality metrics. */
import { ModelListSchema } from "@/lib/api/contracts/catalog";
import { defineRoute } from "@/lib/api/route";
import { listModelsWithSaes } from "@/lib/db/catalog";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/models",
  operationId: "listModels",
  summary: "List models and their SAEs",
  tags: ["Catalogue"],
  access: "public",
  response: ModelListSchema,
  handler: async () => ({ models: await listModelsWithSaes() }),
});
