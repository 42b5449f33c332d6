/** Auto-interp API schemas: runs, starting a run, provider settings. */
import { z } from "zod";
import { dateTime, nullableDateTime } from "../../api/schemas";

export const AutoInterpRunSchema = z
  .object({
    id: z.number().int(),
    saeId: z.number().int(),
    scope: z.string(),
    status: z.enum(["queued", "running", "done", "failed", "capped"]).or(z.string()),
    provider: z.string().nullable().meta({ description: "The provider's base URL: admins only (null for everyone else)" }),
    model: z.string(),
    promptVersion: z.string(),
    spendCapUsd: z.number().nullable(),
    maxTokens: z.number().int().nullable(),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    costUsd: z.number(),
    featuresTotal: z.number().int(),
    featuresDone: z.number().int(),
    featuresFailed: z.number().int(),
    featuresSkipped: z.number().int(),
    errors: z.array(z.unknown()).meta({
      description: "Latest failures: feature index, message and cause. Admins get the provider's own error; everyone else its kind, HTTP status and a plain sentence.",
    }),
    createdAt: dateTime,
    finishedAt: nullableDateTime,
  })
  .meta({ id: "AutoInterpRun" });

export const StartRunSchema = z
  .object({
    indices: z.array(z.number().int().nonnegative()).min(1).max(1000).optional()
      .meta({ description: "Features to draft; omit to draft every live feature without an accepted label (admin only)" }),
    spendCapUsd: z.number().positive().max(10_000).optional(),
  })
  .meta({ id: "StartAutoInterpRun" });

export const ProviderSettingsSchema = z
  .object({
    baseUrl: z.string().nullable(),
    model: z.string().nullable(),
    apiKeySet: z.boolean(),
    apiKeyHint: z.string().nullable(),
    priceInputPerMTok: z.number(),
    priceOutputPerMTok: z.number(),
    spendCapUsd: z.number().nullable(),
    maxTokensPerRun: z.number().int().nullable(),
    concurrency: z.number().int(),
    sources: z.record(z.string(), z.string()),
    keyProblem: z.string().nullable(),
  })
  .meta({ id: "ProviderSettings" });

const optionalUrl = z.string().trim().url().max(500).refine((u) => /^https?:\/\//i.test(u), "must be http(s)").nullable().optional();

export const UpdateProviderSettingsSchema = z
  .object({
    baseUrl: optionalUrl,
    model: z.string().trim().min(1).max(200).nullable().optional(),
    apiKey: z.string().trim().min(1).max(500).nullable().optional().meta({ description: "New key; null removes the stored key; omit to keep it" }),
    priceInputPerMTok: z.number().nonnegative().max(10_000).nullable().optional(),
    priceOutputPerMTok: z.number().nonnegative().max(10_000).nullable().optional(),
    spendCapUsd: z.number().positive().max(100_000).nullable().optional(),
    maxTokensPerRun: z.number().int().positive().max(2_147_483_647).nullable().optional(),
    concurrency: z.number().int().min(1).max(16).nullable().optional(),
  })
  .meta({ id: "UpdateProviderSettings" });

export const ProviderTestSchema = z
  .object({
    ok: z.boolean(),
    model: z.string().nullable(),
    status: z.number().int().nullable().meta({ description: "The provider's HTTP status, when it answered" }),
    message: z.string().meta({ description: "A short sentence of Featurescope's own; the provider's answer is never echoed" }),
  })
  .meta({ id: "ProviderTest" });
