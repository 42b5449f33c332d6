"""PyTorch reference for `npm run bench:steer`: greedy generation with KV cache on the same GPT-2
weights, without and with a clamp intervention (h <- h + (v - f_i(h)) * d_i at the hook, every
position, SAE error kept), timed on this CPU. Prints one JSON object with time to first token and
tokens/s for both. Run with Debian's torch: /usr/bin/python3 scripts/bench/torch_steer.py <job.json>
"""
import json, math, os, sys, time
import torch

# torch_reference.py (bench:model) holds the model code; it runs main() when imported, so load its
# definitions without that last call
_ref = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.py")
_src = open(_ref).read().rsplit("\nmain()", 1)[0]
_ns = {"__name__": "torch_reference"}
exec(compile(_src, _ref, "exec"), _ns)
read_safetensors, Gpt2, gelu_new, sae_encode = _ns["read_safetensors"], _ns["Gpt2"], _ns["gelu_new"], _ns["sae_encode"]


def forward(model, ids, cache, edit_layer, edit):
    """Gpt2.forward with an edit of blocks.{edit_layer}.hook_resid_post (bench:model's forward only reads hooks)."""
    w, c = model.w, model.cfg
    B, T = ids.shape
    H, D = c["nHeads"], c["dModel"]
    hd = D // H
    past = 0 if cache is None else cache[0][0].shape[2]
    x = w["wte.weight"][ids] + w["wpe.weight"][past:past + T][None]
    new_cache = []
    for L in range(c["nLayers"]):
        h = model.ln(x, f"h.{L}.ln_1") @ w[f"h.{L}.attn.c_attn.weight"] + w[f"h.{L}.attn.c_attn.bias"]
        q, k, v = (t.view(B, T, H, hd).transpose(1, 2) for t in h.split(D, dim=2))
        if cache is not None:
            k = torch.cat([cache[L][0], k], 2)
            v = torch.cat([cache[L][1], v], 2)
        new_cache.append((k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        S = k.shape[2]
        mask = torch.arange(S)[None, :] <= (torch.arange(T)[:, None] + past)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + y @ w[f"h.{L}.attn.c_proj.weight"] + w[f"h.{L}.attn.c_proj.bias"]
        post = gelu_new(model.ln(x, f"h.{L}.ln_2") @ w[f"h.{L}.mlp.c_fc.weight"] + w[f"h.{L}.mlp.c_fc.bias"])
        x = x + post @ w[f"h.{L}.mlp.c_proj.weight"] + w[f"h.{L}.mlp.c_proj.bias"]
        if edit is not None and L == edit_layer:
            x = edit(x)
    return model.ln(x, "ln_f") @ w["wte.weight"].T, new_cache


def generate(model, prompt, n_new, edit_layer, edit):
    start = time.perf_counter()
    logits, cache = forward(model, torch.tensor([prompt]), None, edit_layer, edit)
    nxt = int(logits[0, -1].argmax())
    stamps = [time.perf_counter()]
    tokens = [nxt]
    for _ in range(n_new - 1):
        logits, cache = forward(model, torch.tensor([[nxt]]), cache, edit_layer, edit)
        nxt = int(logits[0, -1].argmax())
        tokens.append(nxt)
        stamps.append(time.perf_counter())
    gaps = sorted(b - a for a, b in zip(stamps, stamps[1:]))
    # as the TypeScript side: one over the median gap between tokens
    return {"ttftMs": (stamps[0] - start) * 1000, "tokensPerSecond": 1 / gaps[(len(gaps) - 1) // 2], "tokens": tokens}


def main():
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(job["threads"])
    model = Gpt2(read_safetensors(job["weights"]), job["config"])
    sae = read_safetensors(job["sae"])
    layer = int(job["hook"].split(".")[1])
    i, value, k = job["feature"], job["clampValue"], job["saeK"]
    d = sae["W_dec"][i]

    def clamp(x):
        f = sae_encode(sae, x.reshape(-1, x.shape[-1]), k)[:, i].reshape(x.shape[:-1])
        return x + (value - f)[..., None] * d

    out = {"torch": torch.__version__}
    with torch.inference_mode():
        runs = {"default": [], "steered": []}
        for r in range(job["rounds"] + 1):  # the first round warms up
            for name, edit in (("default", None), ("steered", clamp)):
                result = generate(model, job["prompt"], job["newTokens"], layer, edit)
                if r:
                    runs[name].append(result)
        for name, results in runs.items():
            med = lambda key: sorted(x[key] for x in results)[(len(results) - 1) // 2]
            out[name] = {"ttftMs": med("ttftMs"), "tokensPerSecond": med("tokensPerSecond")}
    print(json.dumps(out))


main()
