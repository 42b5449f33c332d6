"""PyTorch reference forward of a Hugging Face Llama checkpoint folder, written from transformers'
src/transformers/models/llama/modeling_llama.py (no transformers import):
  LlamaRMSNorm.forward      x * rsqrt(mean(x^2) + eps) * weight
  LlamaRotaryEmbedding      inv_freq from modeling_rope_utils.py (_compute_default_rope_parameters,
                            _compute_linear_scaling_rope_parameters, _compute_llama3_parameters);
                            freqs = position_ids x inv_freq, emb = cat(freqs, freqs), cos/sin
  rotate_half, apply_rotary_pos_emb    q*cos + rotate_half(q)*sin
  repeat_kv                 key/value heads repeated num_attention_heads / num_key_value_heads times
  eager_attention_forward   softmax(q k^T * head_dim^-0.5 + causal mask) v
  LlamaDecoderLayer.forward h = h + attn(input_layernorm(h)); h = h + mlp(post_attention_layernorm(h))
  LlamaMLP.forward          down_proj(act_fn(gate_proj(x)) * up_proj(x)), act_fn = silu
  LlamaForCausalLM          logits = lm_head(norm(h))
Hooks named the TransformerLens way. Usage: llama_reference.py <folder> <prompt ids json> -> JSON
"""
import json, math, os, sys
import torch
sys.path.insert(0, os.path.dirname(__file__))
from gpt2_reference import read_safetensors

def inv_freq(cfg):
    dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(torch.float64) / dim))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return inv / rs["factor"]
    if kind == "llama3":  # _compute_llama3_parameters
        factor, low, high, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_llama = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_llama / factor + smooth * inv_llama
        is_medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(is_medium, smoothed, inv_llama)
    return inv

def rms(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))

def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)

def forward(cfg, w, ids):
    T, D = len(ids), cfg["hidden_size"]
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads") or H
    hd = cfg.get("head_dim") or D // H
    eps = cfg["rms_norm_eps"]
    freqs = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq(cfg)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    h = w["model.embed_tokens.weight"][torch.tensor(ids)]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    hooks = {}
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        hooks[f"blocks.{l}.hook_resid_pre"] = h
        x = rms(h, w[p + "input_layernorm.weight"], eps)
        q = (x @ w[p + "self_attn.q_proj.weight"].T).view(T, H, hd).transpose(0, 1)
        k = (x @ w[p + "self_attn.k_proj.weight"].T).view(T, KV, hd).transpose(0, 1)
        v = (x @ w[p + "self_attn.v_proj.weight"].T).view(T, KV, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(H // KV, dim=0), v.repeat_interleave(H // KV, dim=0)  # repeat_kv
        scores = (q @ k.transpose(-1, -2)) * hd ** -0.5
        scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
        z = (scores.softmax(-1) @ v).transpose(0, 1).reshape(T, H * hd)
        h = h + z @ w[p + "self_attn.o_proj.weight"].T
        hooks[f"blocks.{l}.hook_resid_mid"] = h
        x = rms(h, w[p + "post_attention_layernorm.weight"], eps)
        post = torch.nn.functional.silu(x @ w[p + "mlp.gate_proj.weight"].T) * (x @ w[p + "mlp.up_proj.weight"].T)
        hooks[f"blocks.{l}.mlp.hook_post"] = post
        h = h + post @ w[p + "mlp.down_proj.weight"].T
        hooks[f"blocks.{l}.hook_resid_post"] = h
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return rms(h, w["model.norm.weight"], eps) @ head.T, hooks

def main():
    folder, prompt = sys.argv[1], json.loads(sys.argv[2])
    cfg = json.load(open(os.path.join(folder, "config.json")))
    w = {k: v.to(torch.float64) for k, v in read_safetensors(os.path.join(folder, "model.safetensors")).items()}
    logits, hooks = forward(cfg, w, prompt)
    r = lambda t: [[round(float(x), 7) for x in row] for row in t]
    print(json.dumps({"prompt": prompt, "invFreq": [float(x) for x in inv_freq(cfg)], "logits": r(logits), "hooks": {k: r(v) for k, v in hooks.items()}}))

if __name__ == "__main__":
    main()
