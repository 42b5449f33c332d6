/**
 * What the web app and the inference service say to each other (JSON over HTTP, authenticated with
 * the shared secret). One zod schema per request, used by both sides.
 */
import { z } from "zod";

export const ActivationsRequestSchema = z.object({
  modelId: z.number().int().positive().max(2_147_483_647),
  text: z.string().min(1, "Type some text.").max(8_000, "The text is longer than 8,000 characters."),
  saes: z
    .array(
      z.object({
        saeId: z.number().int().positive().max(2_147_483_647),
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

export const STEER_METHODS = ["add", "clamp", "ablate", "multiply"] as const;

/**
 * Units of an add's coefficient s (docs/STEERING.md): "decoder" — h ← h + s·d_i with the raw decoder
 * row; "hook-norm" — h ← h + s·N·d_i/‖d_i‖ with N the hook's typical ‖h‖ on the dashboard corpus, so
 * s = 1 adds a vector as long as a typical activation at that hook.
 */
export const ADD_UNITS = ["decoder", "hook-norm"] as const;
export type AddUnit = (typeof ADD_UNITS)[number];

/** One feature to steer with. `value`'s unit depends on the method (see docs/STEERING.md). */
export const SteerFeatureSchema = z
  .object({
    saeId: z.number().int().positive().max(2_147_483_647),
    index: z.number().int().min(0).max(2_147_483_647),
    method: z.enum(STEER_METHODS),
    /** add: coefficient s (see `unit`); clamp: multiple of the feature's max activation; multiply: factor α; ablate: ignored. */
    value: z.number().finite().min(-1000).max(1000).default(0),
    /** add only: the unit of s, "decoder" (raw decoder row, the default) or "hook-norm" (unit direction × the hook's typical norm). */
    unit: z.enum(ADD_UNITS).optional(),
  })
  .refine((f) => f.unit === undefined || f.method === "add", { message: 'unit applies to the method "add" only', path: ["unit"] });

export const STEER_LIMITS = { maxPromptChars: 2_000, maxTokens: 128, maxFeatures: 8 };

export const SteerRequestSchema = z.object({
  modelId: z.number().int().positive().max(2_147_483_647),
  prompt: z.string().min(1, "Write a prompt.").max(STEER_LIMITS.maxPromptChars, `Prompts are limited to ${STEER_LIMITS.maxPromptChars} characters.`),
  features: z.array(SteerFeatureSchema).min(1, "Choose at least one feature to steer with.").max(STEER_LIMITS.maxFeatures),
  temperature: z.number().min(0).max(2).default(0.7),
  topP: z.number().gt(0).max(1).default(0.9),
  maxTokens: z.number().int().min(1).max(STEER_LIMITS.maxTokens).default(40),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
});
export type SteerRequest = z.input<typeof SteerRequestSchema>;

/** What the service needs beyond the request: each steered feature's max activation (clamp) and its hook's typical norm (add in hook-norm units). */
export const ServiceSteerRequestSchema = SteerRequestSchema.extend({
  maxActivations: z.array(z.number()).describe("max activation of features[i] on the dashboard corpus"),
  hookNorms: z.array(z.number().nullable()).optional().describe("typical ‖h‖ at the hook of features[i]'s SAE on the dashboard corpus; null when not measured"),
});
export type ServiceSteerRequest = z.input<typeof ServiceSteerRequestSchema>;

const GeneratedTokenSchema = z.object({ id: z.number().int(), text: z.string(), logprob: z.number() });

/** Server-sent events of a steering run, in order: start, token × n, done (or error). */
export const SteerStartEventSchema = z.object({
  promptTokens: z.array(z.object({ id: z.number().int(), text: z.string() })),
  executionProvider: z.string(),
  seed: z.number().int(),
});
/**
 * The KL series of a run is KL(p_default ‖ p_steered) with BOTH distributions conditioned on the
 * default completion's prefix (prompt + default tokens so far): the steered model reads the default
 * text in a third batch row. Comparing each row on its own sampled prefix (klSampled) measures
 * different contexts once the texts differ, not steering.
 */
export const KL_PREFIX = "default" as const;
/** A token's feature reading is the feature's activation at the position holding that token, after steering. */
export const FEATURE_ACTS_AT = "token" as const;

export const SteerTokenEventSchema = z.object({
  step: z.number().int(),
  /** null once that completion has ended (EOS). */
  default: GeneratedTokenSchema.nullable(),
  steered: GeneratedTokenSchema.nullable(),
  /** KL(p_default ‖ p_steered) of the next-token distributions on the default completion's prefix (temperature 1); null once the default completion has ended. */
  kl: z.number().nullable(),
  /** KL between the two rows' next-token distributions, each on its OWN sampled prefix (the sampled texts' divergence); null once either completion has ended. */
  klSampled: z.number().nullable(),
  /**
   * Each steered feature's activation at the position holding this step's token (after steering),
   * per completion; null when that completion produced no token here or its token ended it (EOS,
   * context end: the model never reads that position).
   */
  featureActs: z.object({ default: z.array(z.number()).nullable(), steered: z.array(z.number()).nullable() }),
});
const CompletionSchema = z.object({
  text: z.string(),
  tokens: z.array(GeneratedTokenSchema),
  finishReason: z.enum(["eos", "stop_token", "length", "context"]),
});
export const SteerDoneEventSchema = z.object({
  default: CompletionSchema,
  steered: CompletionSchema,
  /** Per step, as in the token events (null once the default completion has ended). */
  kl: z.array(z.number().nullable()),
  /** Which prefix the KL series is conditioned on: "default" (the default completion's). */
  klPrefix: z.literal(KL_PREFIX),
  /** Mean of `kl` over the steps where it is defined; null when none is. */
  meanKl: z.number().nullable(),
  /** Per step, the divergence of the sampled texts (each row on its own prefix; null once either has ended). */
  klSampled: z.array(z.number().nullable()),
  meanKlSampled: z.number().nullable(),
  /** Where the readings are taken: "token", the position holding each generated token. */
  featureActsAt: z.literal(FEATURE_ACTS_AT),
  featureActs: z.object({ default: z.array(z.array(z.number()).nullable()), steered: z.array(z.array(z.number()).nullable()) }),
  timingsMs: z.object({ firstToken: z.number(), total: z.number() }),
});
export type SteerStartEvent = z.infer<typeof SteerStartEventSchema>;
export type SteerTokenEvent = z.infer<typeof SteerTokenEventSchema>;
export type SteerDoneEvent = z.infer<typeof SteerDoneEventSchema>;
export type SteerEvent =
  | { event: "start"; data: SteerStartEvent }
  | { event: "token"; data: SteerTokenEvent }
  | { event: "done"; data: SteerDoneEvent };
