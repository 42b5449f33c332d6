"""PyTorch reference for `npm run bench:model`: the same GPT-2 weights (Hugging Face names, from a
safetensors file the benchmark writes) and the same SAE, timed on this CPU.

Prints one JSON object: forward tokens/s (model + SAE encode), generation tokens/s (KV cache,
greedy), and the logits of the first sequence so the benchmark can check they match ONNX Runtime.
Run with Debian's torch: /usr/bin/python3 scripts/bench/torch_reference.py <job.json>
"""
import json, math, struct, sys, time
import numpy as np
import torch

torch.set_flush_denormal(True)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data, dtype="<f4", count=(b - a) // 4, offset=8 + n + a).copy().reshape(info["shape"]))
    return out


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Gpt2:
    def __init__(self, w, cfg):
        self.w, self.cfg = w, cfg

    def ln(self, x, p):
        return torch.nn.functional.layer_norm(x, (x.shape[-1],), self.w[p + ".weight"], self.w[p + ".bias"], self.cfg["layerNormEps"])

    def forward(self, ids, cache=None, hook=None, edit=None):
        """ids [B,T]; cache: list of (k, v) per layer or None; edit: (layer, fn) replacing
        blocks.{layer}.hook_resid_post with fn(x). Returns logits, new cache, hook activation."""
        w, c = self.w, self.cfg
        B, T = ids.shape
        H, D = c["nHeads"], c["dModel"]
        hd = D // H
        past = 0 if cache is None else cache[0][0].shape[2]
        x = w["wte.weight"][ids] + w["wpe.weight"][past:past + T][None]
        new_cache, captured = [], None
        for L in range(c["nLayers"]):
            h = self.ln(x, f"h.{L}.ln_1") @ w[f"h.{L}.attn.c_attn.weight"] + w[f"h.{L}.attn.c_attn.bias"]
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
            post = gelu_new(self.ln(x, f"h.{L}.ln_2") @ w[f"h.{L}.mlp.c_fc.weight"] + w[f"h.{L}.mlp.c_fc.bias"])
            if hook == f"blocks.{L}.mlp.hook_post":
                captured = post
            x = x + post @ w[f"h.{L}.mlp.c_proj.weight"] + w[f"h.{L}.mlp.c_proj.bias"]
            if edit is not None and L == edit[0]:
                x = edit[1](x)
            if hook == f"blocks.{L}.hook_resid_post":
                captured = x
        logits = self.ln(x, "ln_f") @ w["wte.weight"].T
        return logits, new_cache, captured


def sae_encode(sae, x, k):
    pre = (x - sae["b_dec"]) @ sae["W_enc"] + sae["b_enc"]
    top = pre.topk(k, dim=-1)
    return torch.zeros_like(pre).scatter_(-1, top.indices, top.values.relu())


def main():
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(job["threads"])
    cfg = job["config"]
    model = Gpt2(read_safetensors(job["weights"]), cfg)
    sae = read_safetensors(job["sae"]) if job.get("sae") else None
    ids = torch.tensor(job["forwardIds"], dtype=torch.long)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    with torch.inference_mode():
        logits, _, _ = model.forward(ids[:1])
        out["firstLogits"] = logits[0].flatten().tolist()
        for _ in range(job.get("warmup", 1)):
            model.forward(ids, hook=job.get("hook"))
        runs, start = job["forwardRuns"], time.perf_counter()
        for _ in range(runs):
            _, _, acts = model.forward(ids, hook=job.get("hook"))
            if sae is not None:
                sae_encode(sae, acts.reshape(-1, acts.shape[-1]), job["saeK"])
        elapsed = time.perf_counter() - start
        out["forwardTokensPerSecond"] = runs * ids.numel() / elapsed
        prompt = torch.tensor([job["generatePrompt"]], dtype=torch.long)
        n_new = job["generateTokens"]
        start = time.perf_counter()
        logits, cache, _ = model.forward(prompt)
        tokens = []
        for i in range(n_new):
            nxt = int(logits[0, -1].argmax())
            tokens.append(nxt)
            if i < n_new - 1:  # as the runtime: the prompt pass, then one cached pass per further token
                logits, cache, _ = model.forward(torch.tensor([[nxt]]), cache)
        out["generateTokensPerSecond"] = n_new / (time.perf_counter() - start)
        out["generatedTokens"] = tokens
    print(json.dumps(out))


if __name__ == "__main__":
    main()
