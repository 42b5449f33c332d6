/** GET/POST /api/v1/api-keys — the caller's own API keys. */
import { ApiKeyListSchema, CreateApiKeySchema, CreatedApiKeySchema } from "@/lib/api/contracts/api-keys";
import { forbidden } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { createApiKey, listApiKeys } from "@/lib/db/api-keys";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/api-keys",
  operationId: "listApiKeys",
  summary: "List your API keys",
  description: "Only prefixes are returned; full keys are never stored.",
  tags: ["Account"],
  access: "viewer",
  response: ApiKeyListSchema,
  handler: async ({ principal }) => ({ apiKeys: await listApiKeys(principal.user.id) }),
});

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/api-keys",
  operationId: "createApiKey",
  summary: "Create an API key",
  description: "The full key is in this response only. Keys cannot create keys: call this signed in (or use /account).",
  tags: ["Account"],
  access: "viewer",
  body: CreateApiKeySchema,
  response: CreatedApiKeySchema,
  status: 201,
  errors: [409],
  rateLimit: { limit: 20, windowMs: 60 * 60_000 },
  handler: async ({ principal, body }) => {
    if (principal.via === "api_key") throw forbidden("API keys cannot create API keys; sign in to create one.");
    const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
    return createApiKey(principal.user.id, { name: body.name, scopes: body.scopes, expiresAt });
  },
});
