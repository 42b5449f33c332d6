"""PyTorch reference for the steering readouts (lib/inference/steering-torch.test.ts).

Reads a job written by make-fixture.ts: GPT-2 weights (Hugging Face names) and a TopK SAE in
safetensors, the prompt, the default and the steered completions' token ids, and one intervention
at blocks.{L}.hook_resid_post. Computes, from the published definitions and independently of the
TypeScript engine (torch, full forward passes, no KV cache):
  - kl[s]: KL(p_default || p_steered) of the next-token distributions at step s, BOTH models on the
    default completion's prefix -- SAELens sae_lens/evals.py get_recons_loss, its kl(): softmax both,
    sum p * (log p - log q), both models run on the same tokens;
  - readings[row][s]: the feature's activation at the position holding generated token s (after
    steering, for the steered row) -- SAELens TopK encode (torch_reference.sae_encode);
  - the intervention as INTERP section 5 (Neuronpedia's steering hook): add h + s * d_i at every
    position, or clamp h + (v - f_i(h)) * d_i.
Prints one JSON object. Run with Debian's torch: /usr/bin/python3 <this file> <job.json>
"""
import json, os, sys
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from torch_reference import Gpt2, read_safetensors, sae_encode  # noqa: E402

torch.set_default_dtype(torch.float64)


def main():
    job = json.load(open(sys.argv[1]))
    weights = {k: v.double() for k, v in read_safetensors(job["weights"]).items()}
    sae = {k: v.double() for k, v in read_safetensors(job["sae"]).items()}
    model = Gpt2(weights, job["config"])
    layer = int(job["hook"].split(".")[1])
    i, k = job["feature"], job["saeK"]
    d = sae["W_dec"][i]

    def steer(x):
        if job["method"] == "add":
            return x + job["value"] * d
        f = sae_encode(sae, x.reshape(-1, x.shape[-1]), k)[:, i].reshape(x.shape[:-1])
        return x + (job["clampTo"] - f)[..., None] * d

    prompt = job["prompt"]
    out = {"torch": torch.__version__}
    with torch.no_grad():
        text = torch.tensor([prompt + job["defaultTokens"]])
        plain_logits, _, _ = model.forward(text)
        steered_logits, _, _ = model.forward(text, edit=(layer, steer))
        kl = []
        for s in range(len(job["defaultTokens"])):
            pos = len(prompt) - 1 + s
            p = torch.softmax(plain_logits[0, pos], -1)
            q = torch.softmax(steered_logits[0, pos], -1)
            kl.append(float((p * (torch.log(p) - torch.log(q))).sum()))
        out["kl"] = kl
        readings = {}
        for row, edit in (("default", None), ("steered", (layer, steer))):
            tokens = job[row + "Tokens"]
            _, _, hook = model.forward(torch.tensor([prompt + tokens]), hook=job["hook"], edit=edit)
            f = sae_encode(sae, hook[0], k)[:, i]
            readings[row] = [float(f[len(prompt) + s]) for s in range(len(tokens))]
        out["readings"] = readings
    print(json.dumps(out))


main()
