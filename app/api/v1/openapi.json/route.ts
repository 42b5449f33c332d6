/** GET /api/v1/openapi.json — the OpenAPI 3.1 document, generated from the routes' zod schemas. */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { generateOpenApiDocument } from "../registry";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/openapi.json",
  operationId: "getOpenApiDocument",
  summary: "This API's OpenAPI 3.1 document",
  tags: ["Meta"],
  access: "public",
  response: z.looseObject({ openapi: z.string() }),
  handler: ({ request }) =>
    Response.json(generateOpenApiDocument({ serverUrl: new URL(request.url).origin }), {
      headers: { "Cache-Control": "no-cache" },
    }),
});
