/** DELETE /api/v1/api-keys/{id} — revoke one of your keys. */
import { ApiKeyIdParamsSchema, ApiKeySchema } from "@/lib/api/contracts/api-keys";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { revokeApiKey } from "@/lib/db/api-keys";

export const dynamic = "force-dynamic";

export const DELETE = defineRoute({
  method: "DELETE",
  path: "/api/v1/api-keys/{id}",
  operationId: "revokeApiKey",
  summary: "Revoke an API key",
  description: "Revoking is immediate and cannot be undone; revoking a revoked key is a no-op.",
  tags: ["Account"],
  access: "viewer",
  params: ApiKeyIdParamsSchema,
  response: ApiKeySchema,
  errors: [404],
  handler: async ({ principal, params }) => {
    const revoked = await revokeApiKey(principal.user.id, params.id);
    if (!revoked) throw notFound(`You have no API key ${params.id}.`);
    return revoked;
  },
});
