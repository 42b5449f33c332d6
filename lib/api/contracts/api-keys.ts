/** API shapes for API keys. */
import { z } from "zod";
import { API_KEY_SCOPES } from "../../auth/api-keys";
import { dateTime, nullableDateTime } from "../schemas";

export const ApiKeyScopeSchema = z.enum(API_KEY_SCOPES).meta({ id: "ApiKeyScope", description: "read: GET routes; write: also changes (implies read)" });

export const ApiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string().meta({ description: "First characters of the key, to tell keys apart" }),
    scopes: z.array(ApiKeyScopeSchema),
    createdAt: dateTime,
    lastUsedAt: nullableDateTime,
    expiresAt: nullableDateTime,
    revokedAt: nullableDateTime,
  })
  .meta({ id: "ApiKey" });

export const ApiKeyListSchema = z.object({ apiKeys: z.array(ApiKeySchema) }).meta({ id: "ApiKeyList" });

export const CreateApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100).meta({ description: "What the key is for, e.g. 'labelling script'" }),
    scopes: z.array(ApiKeyScopeSchema).min(1).max(2).default(["read"]),
    expiresInDays: z.number().int().min(1).max(3650).optional().meta({ description: "Omit for a key that does not expire" }),
  })
  .strict()
  .meta({ id: "CreateApiKey" });

export const CreatedApiKeySchema = z
  .object({
    key: z.string().meta({ description: "The full key. Shown only in this response: store it now." }),
    apiKey: ApiKeySchema,
  })
  .meta({ id: "CreatedApiKey" });

export const ApiKeyIdParamsSchema = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
