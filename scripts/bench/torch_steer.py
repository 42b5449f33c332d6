"""PyTorch reference for `npm run bench:steer`: greedy generation with KV cache on the same GPT-2
weights, without and with a clamp intervention (h <- h + (v - f_i(h)) * d_i at the hook, every
position, SAE error kept), timed on this CPU. Prints one JSON object with time to first token and
tokens/s for both. Run with Debian's torch: /usr/bin/python3 scripts/bench/torch_steer.py <job.json>
"""
import json, os, sys, time
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import Gpt2, loaded_blas, read_safetensors, sae_encode  # noqa: E402  (bench:model's model code)


def forward(model, ids, cache, edit_layer, edit):
    """Gpt2.forward with an edit of blocks.{edit_layer}.hook_resid_post."""
    logits, new_cache, _ = model.forward(ids, cache, edit=None if edit is None else (edit_layer, edit))
    return logits, new_cache


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

    kind, blas_path = loaded_blas()
    out = {"torch": torch.__version__, "blas": kind, "blasPath": blas_path, "threads": torch.get_num_threads()}
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
