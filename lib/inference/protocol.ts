/**
 * What the web app and the inference service say to each other (JSON over HTTP, authenticated with
 * the shared secret). One zod schema per request, used by both sides.
 */
import { z } from "zod";

export const ActivationsRequestSchema = z.object({
  modelId: z.number().int().positive(),
  text: z.string().min(1, "Type some text.").max(8_000, "The text is longer than 8,000 characters."),
  saes: z
    .array(
      z.object({
        saeId: z.number().int().positive(),
        /** Features whose activation on every token is returned in full. */
        features: z.array(z.number().int().min(0)).max(32).default([]),
      }),
    )
    .min(1)
    .max(8),
  /** Strongest features kept per token and overall. */
  topK: z.number().int().min(1).max(64).default(10),
});
export type ActivationsRequest = z.input<typeof ActivationsRequestSchema>;

export const TokenSchema = z.object({
  id: z.number().int(),
  /** Display text; model tokens are untrusted and must be rendered as text. */
  text: z.string(),
  /** A UTF-8 character split across tokens (its bytes are shown as \xNN). */
  partial: z.boolean(),
  /** The BOS token the model prepends (its activations are huge and meaningless). */
  bos: z.boolean(),
});

export const SaeActivationsSchema = z.object({
  saeId: z.number().int(),
  hookName: z.string(),
  /** Per token, its strongest active features (descending). */
  perToken: z.array(z.object({ indices: z.array(z.number().int()), values: z.array(z.number()) })),
  /** Features with the highest activation anywhere in the text (BOS excluded). */
  top: z.array(z.object({ index: z.number().int(), maxValue: z.number(), position: z.number().int(), activeTokens: z.number().int() })),
  /** The requested features' activation on every token. */
  features: z.array(z.object({ index: z.number().int(), values: z.array(z.number()) })),
});

export const ActivationsResponseSchema = z.object({
  modelId: z.number().int(),
  executionProvider: z.string(),
  tokens: z.array(TokenSchema),
  saes: z.array(SaeActivationsSchema),
  timingsMs: z.object({ total: z.number(), forward: z.number(), encode: z.number() }),
});
export type ActivationsResponse = z.infer<typeof ActivationsResponseSchema>;

export const InferenceStatusSchema = z.object({
  ok: z.boolean(),
  executionProvider: z.string(),
  /** Providers tried in order, why, and why earlier ones failed (e.g. CUDA init errors). */
  providerPlan: z.object({ order: z.array(z.string()), reason: z.string(), failures: z.array(z.string()) }),
  loaded: z.object({ models: z.array(z.number().int()), saes: z.array(z.number().int()) }),
  queue: z.object({ active: z.number(), queued: z.number(), maxConcurrent: z.number(), maxQueued: z.number(), maxWaitMs: z.number(), averageTaskMs: z.number() }),
  uptimeSeconds: z.number(),
});
export type InferenceStatus = z.infer<typeof InferenceStatusSchema>;

/** Errors use the API's one shape. */
export const InferenceErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });
