/** GET /api/v1/openapi.json — the OpenAPI 3.1 document, generated from the routes' zod schemas. */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { publicOrigin } from "@/lib/auth/origin";
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
  // the configured origin, not the request's Host (lib/auth/origin.ts)
  handler: () =>
    Response.json(generateOpenApiDocument({ serverUrl: publicOrigin() }), {
      headers: { "Cache-Control": "no-cache" },
    }),
});
