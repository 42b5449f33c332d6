"""PyTorch reference forward of a Hugging Face GPT-2 checkpoint folder, written from transformers'
src/transformers/models/gpt2/modeling_gpt2.py (no transformers import; CI has none):
  GPT2Model.forward        hidden = wte(input_ids) + wpe(position_ids); blocks; ln_f
  GPT2Block.forward        h = h + attn(ln_1(h)); h = h + mlp(ln_2(h))
  GPT2Attention.forward    c_attn (Conv1D: x @ W + b) split into q, k, v; heads; c_proj
  eager_attention_forward  softmax(q k^T / sqrt(head_dim) + causal mask) v   (scale_attn_weights)
  GPT2MLP.forward          c_proj(act(c_fc(x))), act = ACT2FN["gelu_new"] (activations.py NewGELUActivation)
  GPT2LMHeadModel          lm_head tied to wte: logits = ln_f(h) @ wte^T
Hook names are TransformerLens' (HookedTransformer: blocks.L.hook_resid_pre/mid/post, blocks.L.mlp.hook_post).
The safetensors files are parsed here directly (8-byte header length, JSON header, raw little-endian data).

usage: gpt2_reference.py <checkpoint folder> <prompt ids json> <new tokens>  -> JSON on stdout
"""
import json, math, os, struct, sys
import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "BOOL": torch.bool}

def read_safetensors(file):
    with open(file, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = t
    return out

def load(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    index = os.path.join(folder, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    sd = {}
    for f in files:
        sd.update(read_safetensors(os.path.join(folder, f)))
    # GPT2LMHeadModel stores GPT2Model's tensors under "transformer."
    sd = {k[len("transformer."):] if k.startswith("transformer.") else k: v for k, v in sd.items()}
    return cfg, {k: v.to(torch.float64) if v.is_floating_point() else v for k, v in sd.items()}

def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)

def gelu_new(x):  # activations.py NewGELUActivation
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

def forward(cfg, w, ids):
    T = len(ids)
    H, D = cfg["n_head"], cfg["n_embd"]
    dh = D // H
    eps = cfg["layer_norm_epsilon"]
    ids_t = torch.tensor(ids)
    h = w["wte.weight"][ids_t] + w["wpe.weight"][torch.arange(T)]
    hooks = {}
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(cfg["n_layer"]):
        p = f"h.{l}."
        hooks[f"blocks.{l}.hook_resid_pre"] = h
        x = layer_norm(h, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = x @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(D, dim=-1)
        q, k, v = (t.reshape(T, H, dh).transpose(0, 1) for t in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
        z = (scores.softmax(-1) @ v).transpose(0, 1).reshape(T, D)
        h = h + z @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        hooks[f"blocks.{l}.hook_resid_mid"] = h
        x = layer_norm(h, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        post = gelu_new(x @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        hooks[f"blocks.{l}.mlp.hook_post"] = post
        h = h + post @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        hooks[f"blocks.{l}.hook_resid_post"] = h
    logits = layer_norm(h, w["ln_f.weight"], w["ln_f.bias"], eps) @ w["wte.weight"].T
    return logits, hooks

def main():
    folder, prompt, new_tokens = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    cfg, w = load(folder)
    logits, hooks = forward(cfg, w, prompt)
    # greedy continuation, every step a full forward without cache (the TS side decodes with its KV cache)
    ids, steps = list(prompt), []
    for _ in range(new_tokens):
        last = forward(cfg, w, ids)[0][-1]
        steps.append({"logits": [round(float(x), 7) for x in last], "token": int(last.argmax())})
        ids.append(int(last.argmax()))
    r = lambda t: [[round(float(x), 7) for x in row] for row in t]
    print(json.dumps({"prompt": prompt, "logits": r(logits), "hooks": {k: r(v) for k, v in hooks.items()}, "steps": steps}))

if __name__ == "__main__":
    main()
