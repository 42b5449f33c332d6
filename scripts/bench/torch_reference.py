"""PyTorch reference for `npm run bench:model` and `npm run bench:dashboards`: the same GPT-2
weights (Hugging Face names, from a safetensors file the benchmark writes) and the same SAE.

Two ways to run it (Debian's torch: /usr/bin/python3 scripts/bench/torch_reference.py ...):
- `serve <job.json>`: prints a hello line (torch version, the BLAS library this process loaded, the
  thread count), then answers one JSON command per stdin line with one JSON line, so the benchmark
  can interleave PyTorch and ONNX Runtime rounds in one run on a noisy machine.
- `<job.json>` (one shot, kept for older callers): forward and greedy generation timings.

Which BLAS is loaded is read from /proc/self/maps after a matmul: Debian's torch reports
BLAS_INFO=generic whatever libblas.so.3 the alternatives system points at.
"""
import json, math, os, re, struct, sys, time
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


def loaded_blas():
    """(kind, path) of the BLAS library mapped into this process: openblas, mkl, blis, reference."""
    a = torch.ones(64, 64)
    _ = a @ a
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and re.search(r"blas|mkl|blis", parts[-1]):
                paths.add(parts[-1])
    for kind, pattern in (("openblas", r"openblas"), ("mkl", r"mkl"), ("blis", r"blis")):
        hits = sorted(p for p in paths if re.search(pattern, p))
        if hits:
            return kind, hits[0]
    hits = sorted(p for p in paths if "libblas" in p)
    return ("reference", hits[0]) if hits else ("none found", "")


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Gpt2:
    def __init__(self, w, cfg):
        self.w, self.cfg = w, cfg
        self.wte_t = w["wte.weight"].T.contiguous()  # W_U, prepared once like any inference server

    def ln(self, x, p):
        return torch.nn.functional.layer_norm(x, (x.shape[-1],), self.w[p + ".weight"], self.w[p + ".bias"], self.cfg["layerNormEps"])

    def forward(self, ids, cache=None, hook=None, edit=None, stop_at_hook=False, logits=True):
        """ids [B,T]; cache: list of (k, v) per layer or None; edit: (layer, fn) replacing
        blocks.{layer}.hook_resid_post with fn(x); stop_at_hook: return as soon as `hook` is read
        (the dashboards' work: no later layers, no logits). Returns logits, new cache, hook value."""
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
                if stop_at_hook:
                    return None, new_cache, captured
            x = x + post @ w[f"h.{L}.mlp.c_proj.weight"] + w[f"h.{L}.mlp.c_proj.bias"]
            if edit is not None and L == edit[0]:
                x = edit[1](x)
            if hook == f"blocks.{L}.hook_resid_post":
                captured = x
                if stop_at_hook:
                    return None, new_cache, captured
        if not logits:
            return None, new_cache, captured
        return self.ln(x, "ln_f") @ self.wte_t, new_cache, captured


def sae_encode(sae, x, k):
    pre = (x - sae["b_dec"]) @ sae["W_enc"] + sae["b_enc"]
    top = pre.topk(k, dim=-1)
    return torch.zeros_like(pre).scatter_(-1, top.indices, top.values.relu())


def sample(logits, temperature, top_p, generator):
    """Temperature and nucleus sampling of one row, the usual PyTorch way (sort, cumsum, multinomial)."""
    if temperature == 0:
        return int(logits.argmax())
    probs = (logits / temperature).softmax(-1)
    sorted_probs, order = probs.sort(descending=True)
    cumulative = sorted_probs.cumsum(-1)
    keep = cumulative - sorted_probs < top_p
    kept = sorted_probs * keep
    choice = torch.multinomial(kept / kept.sum(), 1, generator=generator)
    return int(order[choice])


class FirstPassStats:
    """Dashboard pass 1 in PyTorch, the same bookkeeping as lib/dashboards/statistics.ts FirstPass:
    per feature the active-token count, the activation sum, the max and the smallest non-zero
    value, and the top-k contexts by their max activation with the position of that max."""

    def __init__(self, d_sae, top_k=20):
        self.count = torch.zeros(d_sae, dtype=torch.int64)
        self.sum = torch.zeros(d_sae, dtype=torch.float64)
        self.max = torch.zeros(d_sae)
        self.min_nonzero = torch.full((d_sae,), float("inf"))
        self.top_values = torch.full((top_k, d_sae), -1.0)
        self.top_contexts = torch.full((top_k, d_sae), -1, dtype=torch.int64)
        self.top_positions = torch.full((top_k, d_sae), -1, dtype=torch.int64)
        self.top_k = top_k

    def add(self, acts, first_context, excluded):
        """acts [C, T, d_sae] for contexts first_context..; excluded [C, T] bool (BOS)."""
        acts = acts.masked_fill(excluded[..., None], 0.0)
        active = acts > 0
        self.count += active.sum(dim=(0, 1))
        self.sum += acts.sum(dim=(0, 1), dtype=torch.float64)
        self.min_nonzero = torch.minimum(self.min_nonzero, acts.masked_fill(~active, float("inf")).amin(dim=(0, 1)))
        per_context, positions = acts.max(dim=1)  # [C, d_sae]
        self.max = torch.maximum(self.max, per_context.amax(dim=0))
        contexts = torch.arange(first_context, first_context + acts.shape[0])[:, None].expand_as(per_context)
        values = torch.cat([self.top_values, per_context.masked_fill(per_context <= 0, -1.0)])
        best = values.topk(self.top_k, dim=0)
        self.top_values = best.values
        self.top_contexts = torch.cat([self.top_contexts, contexts]).gather(0, best.indices)
        self.top_positions = torch.cat([self.top_positions, positions]).gather(0, best.indices)


def serve(job):
    threads = job["threads"]
    torch.set_num_threads(threads)
    model = Gpt2(read_safetensors(job["weights"]), job["config"])
    sae = read_safetensors(job["sae"]) if job.get("sae") else None
    kind, path = loaded_blas()
    print(json.dumps({"hello": True, "torch": torch.__version__, "blas": kind, "blasPath": path, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        op = cmd["op"]
        out = {}
        with torch.inference_mode():
            if op == "logits":
                logits, _, _ = model.forward(torch.tensor(cmd["ids"], dtype=torch.long))
                out["logits"] = logits[0].flatten().tolist()
            elif op == "forward":
                ids = torch.tensor(cmd["ids"], dtype=torch.long)
                start = time.perf_counter()
                for _ in range(cmd.get("runs", 1)):
                    model.forward(ids)
                out["seconds"] = (time.perf_counter() - start) / cmd.get("runs", 1)
            elif op == "generate":
                generator = torch.Generator().manual_seed(cmd.get("seed", 0))
                n_new, temperature, top_p = cmd["tokens"], cmd.get("temperature", 0), cmd.get("topP", 1.0)
                start = time.perf_counter()
                logits, cache, _ = model.forward(torch.tensor([cmd["prompt"]], dtype=torch.long))
                tokens = []
                for i in range(n_new):
                    nxt = sample(logits[0, -1], temperature, top_p, generator)
                    tokens.append(nxt)
                    if i < n_new - 1:  # as the runtime: the prompt pass, then one cached pass per further token
                        logits, cache, _ = model.forward(torch.tensor([[nxt]]), cache)
                out["seconds"] = time.perf_counter() - start
                out["tokens"] = tokens
            elif op == "dashboard_pass":
                # forward to the hook (no later layers, no logits) + SAE encode + pass-1 statistics
                contexts = torch.tensor(cmd["contexts"], dtype=torch.long)
                stats = FirstPassStats(sae["W_enc"].shape[1])
                start = time.perf_counter()
                for b in range(0, contexts.shape[0], cmd["batch"]):
                    ids = contexts[b:b + cmd["batch"]]
                    _, _, acts = model.forward(ids, hook=job["hook"], stop_at_hook=True)
                    f = sae_encode(sae, acts.reshape(-1, acts.shape[-1]), job["saeK"]).reshape(ids.shape[0], ids.shape[1], -1)
                    stats.add(f, b, ids == cmd.get("bos", 0))
                out["seconds"] = time.perf_counter() - start
                out["active"] = int(stats.count.sum())
            elif op == "quit":
                break
        print(json.dumps(out), flush=True)


def one_shot(job):
    torch.set_num_threads(job["threads"])
    model = Gpt2(read_safetensors(job["weights"]), job["config"])
    sae = read_safetensors(job["sae"]) if job.get("sae") else None
    ids = torch.tensor(job["forwardIds"], dtype=torch.long)
    kind, path = loaded_blas()
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": kind, "blasPath": path}
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
            if i < n_new - 1:
                logits, cache, _ = model.forward(torch.tensor([[nxt]]), cache)
        out["generateTokensPerSecond"] = n_new / (time.perf_counter() - start)
        out["generatedTokens"] = tokens
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(json.load(open(sys.argv[2])))
    else:
        one_shot(json.load(open(sys.argv[1])))
