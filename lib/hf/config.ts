// config.json of a Hugging Face checkpoint, validated per architecture (model_type) with the
// defaults transformers' configuration classes give an absent field (configuration_gpt2.py
// GPT2Config.__init__, configuration_llama.py LlamaConfig.__init__). Options the package cannot
// reproduce are refused by name rather than silently ignored.
import { z } from "zod";
import { HfCheckpointError } from "./errors";

const positive = z.number().int().positive();
const tokenId = z.number().int().nonnegative();

export const gpt2ConfigSchema = z.object({
  model_type: z.literal("gpt2"),
  vocab_size: positive,
  n_positions: positive,
  n_embd: positive,
  n_layer: positive,
  n_head: positive,
  n_inner: positive.nullish(),
  activation_function: z.string().default("gelu_new"),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  bos_token_id: tokenId.default(50256),
  eos_token_id: tokenId.default(50256),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  reorder_and_upcast_attn: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(true),
}).superRefine((c, ctx) => {
  if (c.n_embd % c.n_head !== 0) ctx.addIssue({ code: "custom", path: ["n_head"], message: `n_embd ${c.n_embd} is not divisible by n_head ${c.n_head}` });
  if (c.activation_function !== "gelu_new") ctx.addIssue({ code: "custom", path: ["activation_function"], message: `"${c.activation_function}" is not supported (gelu_new)` });
  if (!c.scale_attn_weights) ctx.addIssue({ code: "custom", path: ["scale_attn_weights"], message: "unscaled attention is not supported" });
  if (c.scale_attn_by_inverse_layer_idx) ctx.addIssue({ code: "custom", path: ["scale_attn_by_inverse_layer_idx"], message: "is not supported" });
  if (!c.tie_word_embeddings) ctx.addIssue({ code: "custom", path: ["tie_word_embeddings"], message: "untied GPT-2 unembedding is not supported" });
});

const ropeScalingSchema = z.union([
  z.null(),
  // modeling_rope_utils.py _compute_llama3_parameters
  z.object({
    rope_type: z.literal("llama3"),
    factor: z.number().positive(),
    low_freq_factor: z.number().positive(),
    high_freq_factor: z.number().positive(),
    original_max_position_embeddings: positive,
  }),
  // modeling_rope_utils.py _compute_linear_scaling_rope_parameters
  z.object({ rope_type: z.literal("linear"), factor: z.number().positive() }),
  z.object({ rope_type: z.literal("default") }),
]);

export const llamaConfigSchema = z.object({
  model_type: z.literal("llama"),
  vocab_size: positive,
  hidden_size: positive,
  intermediate_size: positive,
  num_hidden_layers: positive,
  num_attention_heads: positive,
  num_key_value_heads: positive.nullish(),
  head_dim: positive.nullish(),
  hidden_act: z.literal("silu").default("silu"),
  max_position_embeddings: positive.default(2048),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  // older configs say "type" where newer ones say "rope_type"
  rope_scaling: z.preprocess(
    (v) => (v && typeof v === "object" && !("rope_type" in v) && "type" in v ? { ...v, rope_type: (v as { type: unknown }).type } : v),
    ropeScalingSchema,
  ).default(null),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(false),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId).nonempty()]).nullish(),
}).superRefine((c, ctx) => {
  const kv = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % kv !== 0) {
    ctx.addIssue({ code: "custom", path: ["num_key_value_heads"], message: `num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${kv}` });
  }
  if (c.head_dim == null && c.hidden_size % c.num_attention_heads !== 0) {
    ctx.addIssue({ code: "custom", path: ["num_attention_heads"], message: `hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}` });
  }
});

export type HfGpt2Config = z.infer<typeof gpt2ConfigSchema>;
export type HfLlamaConfig = z.infer<typeof llamaConfigSchema>;
export type HfConfig = HfGpt2Config | HfLlamaConfig;

/** model_type → schema; architectures the issue plans but this reader does not know yet are named apart. */
const SCHEMAS = { gpt2: gpt2ConfigSchema, llama: llamaConfigSchema } as const;
export const SUPPORTED_MODEL_TYPES = Object.keys(SCHEMAS);
const PLANNED_MODEL_TYPES = ["gpt_neox", "mistral", "qwen2", "qwen3", "gemma2"];

/** Validates a parsed config.json; `source` names the file in messages. */
export function parseHfConfig(json: unknown, source = "config.json"): HfConfig {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new HfCheckpointError("HF_CONFIG_INVALID", `${source}: not a JSON object`);
  }
  const modelType = (json as { model_type?: unknown }).model_type;
  if (typeof modelType !== "string") {
    throw new HfCheckpointError("HF_CONFIG_INVALID", `${source}: "model_type" is missing (every transformers config.json has one)`);
  }
  if (!(modelType in SCHEMAS)) {
    const planned = PLANNED_MODEL_TYPES.includes(modelType) ? " yet" : "";
    throw new HfCheckpointError(
      "HF_ARCHITECTURE_UNSUPPORTED",
      `${source}: model_type "${modelType}" is not supported${planned} (supported: ${SUPPORTED_MODEL_TYPES.join(", ")})`,
    );
  }
  const parsed = SCHEMAS[modelType as keyof typeof SCHEMAS].safeParse(json);
  if (!parsed.success) {
    throw new HfCheckpointError("HF_CONFIG_INVALID", `${source} (${modelType}): ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Llama's derived sizes (LlamaAttention.__init__: head_dim defaults to hidden_size / heads). */
export function llamaDims(c: HfLlamaConfig): { headDim: number; kvHeads: number } {
  return { headDim: c.head_dim ?? c.hidden_size / c.num_attention_heads, kvHeads: c.num_key_value_heads ?? c.num_attention_heads };
}
