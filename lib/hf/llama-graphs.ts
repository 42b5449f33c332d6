// Llama pieces (embed, per layer attn / mlp_in / mlp_out, unembed) as ONNX graphs from a Hugging
// Face LlamaForCausalLM checkpoint, following transformers' models/llama/modeling_llama.py:
//   LlamaRMSNorm.forward        w · x / sqrt(mean(x²) + eps)
//   LlamaRotaryEmbedding        cos, sin of positions × inv_freq, duplicated to head_dim
//   apply_rotary_pos_emb        q·cos + rotate_half(q)·sin (rotate_half: [-x2, x1])
//   repeat_kv                   GQA: each key/value head serves heads/kv_heads query heads
//   eager_attention_forward     softmax(q kᵀ / sqrt(head_dim) + causal mask) v
//   LlamaMLP.forward            down_proj(silu(gate_proj(x)) · up_proj(x))
// and modeling_rope_utils.py for inv_freq (_compute_default_rope_parameters,
// _compute_linear_scaling_rope_parameters, _compute_llama3_parameters).
// The cache holds keys after RoPE, as HF's DynamicCache does. Not yet wired into the runtime's
// layout (the attention piece needs position_ids); see docs/IMPORT.md.
import { OnnxGraphBuilder } from "@/lib/model/onnx-graph";
import { llamaDims, type HfLlamaConfig } from "./config";

export type LlamaWeights = Record<string, Float32Array>;

export function llamaWeightShapes(c: HfLlamaConfig): Record<string, number[]> {
  const D = c.hidden_size;
  const { headDim, kvHeads } = llamaDims(c);
  const H = c.num_attention_heads;
  const shapes: Record<string, number[]> = { "model.embed_tokens.weight": [c.vocab_size, D], "model.norm.weight": [D] };
  if (!c.tie_word_embeddings) shapes["lm_head.weight"] = [c.vocab_size, D];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    Object.assign(shapes, {
      [`${p}input_layernorm.weight`]: [D], [`${p}post_attention_layernorm.weight`]: [D],
      [`${p}self_attn.q_proj.weight`]: [H * headDim, D], [`${p}self_attn.k_proj.weight`]: [kvHeads * headDim, D],
      [`${p}self_attn.v_proj.weight`]: [kvHeads * headDim, D], [`${p}self_attn.o_proj.weight`]: [D, H * headDim],
      [`${p}mlp.gate_proj.weight`]: [c.intermediate_size, D], [`${p}mlp.up_proj.weight`]: [c.intermediate_size, D],
      [`${p}mlp.down_proj.weight`]: [D, c.intermediate_size],
    });
    if (c.attention_bias) {
      Object.assign(shapes, {
        [`${p}self_attn.q_proj.bias`]: [H * headDim], [`${p}self_attn.k_proj.bias`]: [kvHeads * headDim],
        [`${p}self_attn.v_proj.bias`]: [kvHeads * headDim], [`${p}self_attn.o_proj.bias`]: [D],
      });
    }
    if (c.mlp_bias) {
      Object.assign(shapes, { [`${p}mlp.gate_proj.bias`]: [c.intermediate_size], [`${p}mlp.up_proj.bias`]: [c.intermediate_size], [`${p}mlp.down_proj.bias`]: [D] });
    }
  }
  return shapes;
}

/** RoPE inverse frequencies [head_dim / 2] (modeling_rope_utils.py), in float64 as torch computes them before the cast. */
export function ropeInvFreq(c: HfLlamaConfig): Float32Array {
  const { headDim } = llamaDims(c);
  const base = Array.from({ length: headDim / 2 }, (_, i) => 1 / c.rope_theta ** ((2 * i) / headDim));
  const s = c.rope_scaling;
  if (!s || s.rope_type === "default") return Float32Array.from(base);
  if (s.rope_type === "linear") return Float32Array.from(base, (f) => f / s.factor);
  // _compute_llama3_parameters
  const lowWavelen = s.original_max_position_embeddings / s.low_freq_factor;
  const highWavelen = s.original_max_position_embeddings / s.high_freq_factor;
  return Float32Array.from(base, (f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / s.factor;
    const smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    return (1 - smooth) * (f / s.factor) + smooth * f;
  });
}

/** [out, in] (nn.Linear) → [in, out] for MatMul. */
function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = w[r * cols + k];
  return out;
}

function rmsNorm(g: OnnxGraphBuilder, x: string, weight: Float32Array, name: string, eps: number): string {
  // opset 17: ReduceMean takes its axes as an attribute
  const variance = g.op("ReduceMean", [g.op("Mul", [x, x])], { axes: [-1], keepdims: 1 });
  const normed = g.op("Div", [x, g.op("Sqrt", [g.op("Add", [variance, g.constFloat([eps], [])])])]);
  return g.op("Mul", [normed, g.initializer(name, weight, [weight.length])]);
}

function proj(g: OnnxGraphBuilder, x: string, w: LlamaWeights, prefix: string, dIn: number, dOut: number): string {
  const y = g.op("MatMul", [x, g.initializer(`${prefix}.weight`, transposed(w[`${prefix}.weight`], dOut, dIn), [dIn, dOut])]);
  const bias = w[`${prefix}.bias`];
  return bias ? g.op("Add", [y, g.initializer(`${prefix}.bias`, bias, [dOut])]) : y;
}

export function buildLlamaEmbedGraph(c: HfLlamaConfig, w: LlamaWeights): Uint8Array {
  const g = new OnnxGraphBuilder("embed");
  const ids = g.input("input_ids", "int64", ["B", "T"]);
  const table = g.initializer("embed_tokens", w["model.embed_tokens.weight"], [c.vocab_size, c.hidden_size]);
  g.output(g.op("Gather", [table, ids], { axis: 0 }), "resid", "float32", ["B", "T", c.hidden_size]);
  return g.toModelBytes();
}

export function buildLlamaAttnGraph(c: HfLlamaConfig, w: LlamaWeights, layer: number): Uint8Array {
  const D = c.hidden_size;
  const H = c.num_attention_heads;
  const { headDim: hd, kvHeads: KV } = llamaDims(c);
  const R = H / KV;
  const p = `model.layers.${layer}.`;
  const g = new OnnxGraphBuilder(`blocks.${layer}.attn`);
  const residPre = g.input("resid_pre", "float32", ["B", "T", D]);
  const positions = g.input("position_ids", "int64", ["B", "T"]);
  const mask = g.input("attention_mask", "float32", ["B", "S"]);
  const pastKey = g.input("past_key", "float32", ["B", KV, "P", hd]);
  const pastValue = g.input("past_value", "float32", ["B", KV, "P", hd]);
  const x = rmsNorm(g, residPre, w[`${p}input_layernorm.weight`], "input_layernorm", c.rms_norm_eps);
  const heads = (t: string, n: number) => g.op("Transpose", [g.op("Reshape", [t, g.constInt64([0, 0, n, hd])])], { perm: [0, 2, 1, 3] });
  const q = heads(proj(g, x, w, `${p}self_attn.q_proj`, D, H * hd), H);
  const k = heads(proj(g, x, w, `${p}self_attn.k_proj`, D, KV * hd), KV);
  const v = heads(proj(g, x, w, `${p}self_attn.v_proj`, D, KV * hd), KV);
  // cos, sin [B, 1, T, hd]: positions × inv_freq, the half repeated (LlamaRotaryEmbedding.forward)
  const invFreq = g.initializer("inv_freq", ropeInvFreq(c), [hd / 2]);
  const freqs = g.op("Mul", [g.op("Unsqueeze", [g.op("Cast", [positions], { to: 1 }), g.constInt64([-1])]), invFreq]);
  const emb = g.op("Unsqueeze", [g.op("Concat", [freqs, freqs], { axis: -1 }), g.constInt64([1])]);
  const cos = g.op("Cos", [emb]);
  const sin = g.op("Sin", [emb]);
  const rotate = (t: string) => {
    const [x1, x2] = g.ops("Split", [t], 2, { axis: -1 });
    return g.op("Concat", [g.op("Neg", [x2]), x1], { axis: -1 });
  };
  const rope = (t: string) => g.op("Add", [g.op("Mul", [t, cos]), g.op("Mul", [rotate(t), sin])]);
  const keys = g.op("Concat", [pastKey, rope(k)], { axis: 2 });
  const values = g.op("Concat", [pastValue, v], { axis: 2 });
  g.output(keys, "present_key", "float32", ["B", KV, "S", hd]);
  g.output(values, "present_value", "float32", ["B", KV, "S", hd]);
  // repeat_kv by broadcasting: queries [B, KV, R, T, hd] against keys [B, KV, 1, S, hd]
  const qGrouped = g.op("Reshape", [rope(q), g.constInt64([0, KV, R, -1, hd])]);
  const kGrouped = g.op("Unsqueeze", [keys, g.constInt64([2])]);
  const vGrouped = g.op("Unsqueeze", [values, g.constInt64([2])]);
  const scores = g.op("Mul", [g.op("MatMul", [qGrouped, g.op("Transpose", [kGrouped], { perm: [0, 1, 2, 4, 3] })]), g.constFloat([1 / Math.sqrt(hd)], [])]);
  const scalar = (t: string) => g.op("Squeeze", [t, g.constInt64([0])]);
  const past = scalar(g.op("Shape", [pastKey], { start: 2, end: 3 }));
  const total = scalar(g.op("Shape", [keys], { start: 2, end: 3 }));
  const one = g.constInt64([1], []);
  const causal = g.op("LessOrEqual", [
    g.op("Unsqueeze", [g.op("Range", [g.constInt64([0], []), total, one]), g.constInt64([0])]),
    g.op("Unsqueeze", [g.op("Range", [past, total, one]), g.constInt64([1])]),
  ]);
  const keep = g.op("Unsqueeze", [g.op("Greater", [mask, g.constFloat([0.5], [])]), g.constInt64([1, 2, 3])]);
  const probs = g.op("Softmax", [g.op("Where", [g.op("And", [causal, keep]), scores, g.constFloat([-1e9], [])])], { axis: -1 });
  const z = g.op("Reshape", [g.op("MatMul", [probs, vGrouped]), g.constInt64([0, H, -1, hd])]);
  const merged = g.op("Reshape", [g.op("Transpose", [z], { perm: [0, 2, 1, 3] }), g.constInt64([0, 0, H * hd])]);
  g.output(g.op("Add", [residPre, proj(g, merged, w, `${p}self_attn.o_proj`, H * hd, D)]), "resid_mid", "float32", ["B", "T", D]);
  return g.toModelBytes();
}

export function buildLlamaMlpInGraph(c: HfLlamaConfig, w: LlamaWeights, layer: number): Uint8Array {
  const p = `model.layers.${layer}.`;
  const g = new OnnxGraphBuilder(`blocks.${layer}.mlp_in`);
  const residMid = g.input("resid_mid", "float32", ["B", "T", c.hidden_size]);
  const x = rmsNorm(g, residMid, w[`${p}post_attention_layernorm.weight`], "post_attention_layernorm", c.rms_norm_eps);
  const gate = proj(g, x, w, `${p}mlp.gate_proj`, c.hidden_size, c.intermediate_size);
  const up = proj(g, x, w, `${p}mlp.up_proj`, c.hidden_size, c.intermediate_size);
  // TransformerLens' gated MLP: hook_post = act(hook_pre) · hook_pre_linear
  g.output(g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up]), "mlp_post", "float32", ["B", "T", c.intermediate_size]);
  return g.toModelBytes();
}

export function buildLlamaMlpOutGraph(c: HfLlamaConfig, w: LlamaWeights, layer: number): Uint8Array {
  const g = new OnnxGraphBuilder(`blocks.${layer}.mlp_out`);
  const residMid = g.input("resid_mid", "float32", ["B", "T", c.hidden_size]);
  const post = g.input("mlp_post", "float32", ["B", "T", c.intermediate_size]);
  const out = proj(g, post, w, `model.layers.${layer}.mlp.down_proj`, c.intermediate_size, c.hidden_size);
  g.output(g.op("Add", [residMid, out]), "resid_post", "float32", ["B", "T", c.hidden_size]);
  return g.toModelBytes();
}

export function buildLlamaUnembedGraph(c: HfLlamaConfig, w: LlamaWeights): Uint8Array {
  const g = new OnnxGraphBuilder("unembed");
  const resid = g.input("resid", "float32", ["B", "T", c.hidden_size]);
  const x = rmsNorm(g, resid, w["model.norm.weight"], "norm", c.rms_norm_eps);
  const head = c.tie_word_embeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"];
  const wU = g.initializer("W_U", transposed(head, c.vocab_size, c.hidden_size), [c.hidden_size, c.vocab_size]);
  g.output(g.op("MatMul", [x, wU]), "logits", "float32", ["B", "T", c.vocab_size]);
  return g.toModelBytes();
}
