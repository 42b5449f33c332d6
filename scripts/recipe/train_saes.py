#!/usr/bin/env python3
"""Train the demo SAEs on activations of the train split and write them in SAELens v6 format.

SAEs (ids = folder names under demo/saes/):
  mlp0-topk        blocks.0.mlp.hook_post     TopK,  8x  (512 -> 4096),  k=32
  resid0-topk      blocks.0.hook_resid_post   TopK, 16x  (128 -> 2048),  k=16
  resid1-topk      blocks.1.hook_resid_post   TopK, 16x  (128 -> 2048),  k=16
  resid0-relu      blocks.0.hook_resid_post   standard ReLU + L1 (decoder-norm weighted), 8x (128 -> 1024)
Activations: random train contexts (BOS + 127 tokens); the BOS position is excluded (its activations
are outliers). Inputs are scaled by one constant s (so that E||x/s||^2 = d_in) during training; s is
folded back into the weights at save time (W_enc/s, W_dec*s, b_dec*s), so cfg.normalize_activations
is "none" and the saved SAE applies to raw activations.
TopK: SAELens/OpenAI recipe -- encoder init = decoder^T, unit-norm decoder rows, b_dec init = data mean,
AuxK loss (k_aux = d_in/2 on latents dead for > 2M... here: not fired in the last 200 steps), coefficient 1/32.
The decoder is evaluated sparsely (gather of the k active rows). Standard: MSE + lambda * sum_i f_i ||W_dec,i||.

Usage: /usr/bin/python3 scripts/recipe/train_saes.py [--only ID ...] [--tokens N]
Writes demo/saes/<id>/{cfg.json, sae_weights.safetensors, sparsity.safetensors, metrics.json}.
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from eval_common import ROOT, CACHE, contexts, heldout_eval_contexts, load_model, ce_loss
from safetensors_io import save_safetensors

torch.set_num_threads(2)
torch.set_flush_denormal(True)

SAES = {
    'mlp0-topk': dict(hook='blocks.0.mlp.hook_post', layer=0, arch='topk', mult=8, k=32, tokens=1_000_000, minutes=6),
    'resid0-topk': dict(hook='blocks.0.hook_resid_post', layer=0, arch='topk', mult=16, k=16, tokens=1_500_000, minutes=2.75),
    'resid1-topk': dict(hook='blocks.1.hook_resid_post', layer=1, arch='topk', mult=16, k=16, tokens=1_500_000, minutes=2.75),
    'resid0-relu': dict(hook='blocks.0.hook_resid_post', layer=0, arch='standard', mult=8, l1=12.0, tokens=1_500_000, minutes=2),
}


@torch.no_grad()
def collect(model, X, hooks, bs=64):
    out = {h: [] for h in hooks}
    last = max(int(h.split('.')[1]) for h in hooks)
    for i in range(0, len(X), bs):
        hk = {}
        model(X[i:i + bs], hooks=hk, stop_at=last)
        for h in hooks:
            out[h].append(hk[h][:, 1:].reshape(-1, hk[h].shape[-1]).clone())
    return {h: torch.cat(v) for h, v in out.items()}


class SAE(torch.nn.Module):
    def __init__(self, d_in, d_sae, arch, k=None, mean=None):
        super().__init__()
        self.arch, self.k = arch, k
        W = torch.randn(d_sae, d_in)
        W = W / W.norm(dim=1, keepdim=True)
        self.W_dec = torch.nn.Parameter(W.clone())
        self.W_enc = torch.nn.Parameter(W.T.clone() * (0.1 if arch == 'standard' else 1.0))
        self.b_enc = torch.nn.Parameter(torch.zeros(d_sae))
        self.b_dec = torch.nn.Parameter(mean.clone() if mean is not None else torch.zeros(d_in))

    def pre(self, x):
        return (x - self.b_dec) @ self.W_enc + self.b_enc

    def encode(self, x):
        pre = self.pre(x)
        if self.arch == 'topk':
            v, i = pre.topk(self.k, dim=-1)
            return torch.zeros_like(pre).scatter(-1, i, v.relu())
        return pre.relu()

    def forward_topk(self, x):
        pre = self.pre(x)
        v, i = pre.topk(self.k, dim=-1)
        v = v.relu()
        xh = torch.einsum('bk,bkd->bd', v, self.W_dec[i]) + self.b_dec
        return xh, pre, v, i


def train_one(sid, spec, acts_tr, log):
    x_all = acts_tr
    d_in = x_all.shape[1]
    d_sae = d_in * spec['mult']
    s = float((x_all.pow(2).sum(1).mean() / d_in).sqrt())
    torch.manual_seed(0)
    sae = SAE(d_in, d_sae, spec['arch'], spec.get('k'), mean=(x_all[:20000].mean(0) / s))
    opt = torch.optim.Adam(sae.parameters(), lr=1e-3 if spec['arch'] == 'topk' else 5e-4, betas=(0.9, 0.999))
    B = 1024
    n_tok = spec['tokens']
    steps = n_tok // B
    last_fired = torch.zeros(d_sae, dtype=torch.long)
    t0 = time.time()
    perm = torch.randperm(len(x_all))
    budget = spec.get('minutes', 1e9) * 60
    step = 0
    while step < steps:
        frac = max(step / steps, (time.time() - t0) / budget)
        if frac >= 1:
            break
        idx = perm[(step * B) % len(x_all):(step * B) % len(x_all) + B]
        if len(idx) < B:
            perm = torch.randperm(len(x_all))
            idx = perm[:B]
        x = x_all[idx] / s
        lr_scale = min(1.0, (step + 1) / 50) * (1.0 if frac < 0.8 else (1 - frac) / 0.2 + 0.01)
        for g in opt.param_groups:
            g['lr'] = (1e-3 if spec['arch'] == 'topk' else 5e-4) * lr_scale
        if spec['arch'] == 'topk':
            xh, pre, v, i = sae.forward_topk(x)
            err = x - xh
            mse = err.pow(2).sum(-1).mean()
            fired = torch.zeros(d_sae, dtype=torch.bool)
            fired[i[v > 0]] = True
            last_fired += 1
            last_fired[fired] = 0
            dead = last_fired > 200
            loss = mse
            aux = torch.tensor(0.0)
            if dead.any() and step > 100:
                k_aux = min(d_in // 2, int(dead.sum()))
                pre_dead = pre.masked_fill(~dead, -1e9)
                va, ia = pre_dead.topk(k_aux, dim=-1)
                va = va.relu()
                e_hat = torch.einsum('bk,bkd->bd', va, sae.W_dec[ia])
                aux = (err.detach() - e_hat).pow(2).sum(-1).mean() / err.detach().pow(2).sum(-1).mean().clamp_min(1e-8) * mse.detach()
                loss = mse + aux / 32
        else:
            f = sae.encode(x)
            xh = f @ sae.W_dec + sae.b_dec
            mse = (x - xh).pow(2).sum(-1).mean()
            l1c = spec['l1'] * min(1.0, frac / 0.1)
            sp = (f * sae.W_dec.norm(dim=1)).sum(-1).mean()
            loss = mse + l1c * sp / d_in * 10
            fired = (f > 0).any(0)
            last_fired += 1
            last_fired[fired] = 0
            dead = last_fired > 200
            aux = sp
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if spec['arch'] == 'topk':  # remove the gradient component parallel to decoder rows (unit-norm constraint)
            with torch.no_grad():
                g = sae.W_dec.grad
                g -= (g * sae.W_dec).sum(1, keepdim=True) * sae.W_dec
        opt.step()
        if spec['arch'] == 'topk':
            with torch.no_grad():
                sae.W_dec /= sae.W_dec.norm(dim=1, keepdim=True)
        if step % 100 == 0 or step == steps - 1:
            fvu = ((x - xh).pow(2).sum() / (x - x.mean(0)).pow(2).sum()).item()
            log(f'{sid} step {step}/{steps} mse {mse.item():.4f} fvu {fvu:.4f} aux {float(aux):.4f} dead(200) {int(dead.sum())} {time.time() - t0:.0f}s')
        step += 1
    spec['tokens_used'] = step * B
    # fold the scale s into the weights
    with torch.no_grad():
        W_enc = (sae.W_enc / s).clone()
        W_dec = (sae.W_dec * s).clone()
        b_dec = (sae.b_dec * s).clone()
        b_enc = sae.b_enc.clone()
    raw = SAE(d_in, d_sae, spec['arch'], spec.get('k'))
    with torch.no_grad():
        raw.W_enc.copy_(W_enc); raw.W_dec.copy_(W_dec); raw.b_enc.copy_(b_enc); raw.b_dec.copy_(b_dec)
    return raw, s


@torch.no_grad()
def metrics(sid, spec, sae, model, acts_ev, X_ce):
    L0s, err2, feats_fired, n = [], 0.0, torch.zeros(sae.W_dec.shape[0]), 0
    x2, xsum = 0.0, torch.zeros(acts_ev.shape[1], dtype=torch.float64)
    for i in range(0, len(acts_ev), 4096):
        x = acts_ev[i:i + 4096]
        f = sae.encode(x)
        xh = f @ sae.W_dec + sae.b_dec
        L0s.append((f > 0).sum(1).float())
        err2 += (x - xh).pow(2).sum().item()
        x2 += x.double().pow(2).sum().item()
        xsum += x.double().sum(0)
        feats_fired += (f > 0).float().sum(0)
        n += len(x)
    Ex = xsum / n
    ev = 1 - (err2 / n) / (x2 / n - float(Ex.pow(2).sum()))
    freq = feats_fired / n
    hook = spec['hook']

    def splice(name, act):
        if name != hook:
            return act
        out = act.clone()
        x = act[:, 1:]
        out[:, 1:] = sae.encode(x) @ sae.W_dec + sae.b_dec
        return out

    def zero(name, act):
        if name != hook:
            return act
        out = act.clone()
        out[:, 1:] = 0
        return out
    ce_clean = ce_loss(model, X_ce)
    ce_sae = ce_loss(model, X_ce, edit=splice)
    ce_zero = ce_loss(model, X_ce, edit=zero)
    return {
        'hook_name': hook, 'architecture': spec['arch'], 'd_in': int(sae.W_dec.shape[1]), 'd_sae': int(sae.W_dec.shape[0]),
        'k': spec.get('k'), 'l0': float(torch.cat(L0s).mean()), 'explained_variance': float(ev),
        'ce_clean': ce_clean, 'ce_with_sae': ce_sae, 'ce_zero_ablation': ce_zero,
        'ce_loss_recovered': (ce_zero - ce_sae) / (ce_zero - ce_clean),
        'dead_fraction': float((freq == 0).float().mean()), 'dense_fraction': float((freq > 0.1).float().mean()),
        'eval_tokens': int(n), 'ce_eval_predictions': int(X_ce[:, 1:].numel()),
        'definitions': 'held-out split; BOS position excluded from all metrics and left unchanged when splicing; '
                       'EV = 1 - mean_tok ||x - x_hat||^2 / (mean_tok ||x||^2 - ||mean_tok x||^2); '
                       'CE recovered = (CE_zero_abl - CE_sae) / (CE_zero_abl - CE_clean), zero ablation of the hook '
                       'at all non-BOS positions; dead = never active on the eval tokens; dense = active on > 10%.',
    }, freq


def save_sae(outdir, sid, spec, sae, s, met, freq, train_tokens):
    d = os.path.join(outdir, sid)
    os.makedirs(d, exist_ok=True)
    cfg = {
        'architecture': spec['arch'], 'd_in': int(sae.W_dec.shape[1]), 'd_sae': int(sae.W_dec.shape[0]),
        'dtype': 'float32', 'device': 'cpu', 'apply_b_dec_to_input': True, 'normalize_activations': 'none',
        'reshape_activations': 'none', 'rescale_acts_by_decoder_norm': False,
        'metadata': {
            'model_name': 'fs-demo-2l', 'hook_name': spec['hook'], 'hook_layer': spec['layer'], 'hook_head_index': None,
            'model_class_name': 'HookedTransformer', 'context_size': 128, 'prepend_bos': True,
            'dataset_path': 'demo/corpus (Featurescope demo corpus, train split)', 'neuronpedia_id': None,
            'sae_lens_training_version': None, 'model_from_pretrained_kwargs': {}, 'seqpos_slice': [None],
            'exclude_special_tokens': [0],
        },
        'featurescope_training': {'train_tokens': train_tokens, 'input_scale_folded': s, 'recipe': 'scripts/recipe/train_saes.py'},
    }
    if spec['arch'] == 'topk':
        cfg['k'] = spec['k']
    else:
        cfg['featurescope_training']['l1_coefficient'] = spec['l1']
    json.dump(cfg, open(os.path.join(d, 'cfg.json'), 'w'), indent=2)
    save_safetensors(os.path.join(d, 'sae_weights.safetensors'), {
        'W_enc': sae.W_enc.detach().numpy().astype(np.float32), 'b_enc': sae.b_enc.detach().numpy().astype(np.float32),
        'W_dec': sae.W_dec.detach().numpy().astype(np.float32), 'b_dec': sae.b_dec.detach().numpy().astype(np.float32)})
    save_safetensors(os.path.join(d, 'sparsity.safetensors'), {'sparsity': np.log10(freq.numpy() + 1e-10).astype(np.float32)})
    json.dump(met, open(os.path.join(d, 'metrics.json'), 'w'), indent=2)


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', nargs='*', default=None)
    ap.add_argument('--ckpt', default=None)
    ap.add_argument('--scale-tokens', type=float, default=1.0)
    ap.add_argument('--scale-minutes', type=float, default=1.0)
    ap.add_argument('--contexts', type=int, default=4000)
    ap.add_argument('--eval-contexts', type=int, default=1000)
    ap.add_argument('--out', default=os.path.join(ROOT, 'demo', 'saes'))
    args = ap.parse_args()
    logf = open(os.path.join(CACHE, 'train_saes.log'), 'a')

    def log(m):
        print(m, flush=True)
        logf.write(m + '\n'); logf.flush()
    model, ck = load_model(args.ckpt)
    ids = args.only or list(SAES)
    hooks = sorted(set(SAES[i]['hook'] for i in ids))
    t0 = time.time()
    X_tr = contexts('train', args.contexts, seed=99)           # contexts x 127 non-BOS tokens
    acts = collect(model, X_tr, hooks)
    X_ev = heldout_eval_contexts(args.eval_contexts)       # 127,000 non-BOS held-out tokens for L0/EV/dead
    acts_ev = collect(model, X_ev, hooks)
    X_ce = heldout_eval_contexts(min(250, args.contexts // 4))  # 31,750 predictions for CE
    log(f'collected activations {[(h, tuple(a.shape)) for h, a in acts.items()]} in {time.time() - t0:.0f}s')
    for sid in ids:
        spec = SAES[sid]
        sp = dict(spec, tokens=int(spec['tokens'] * args.scale_tokens), minutes=spec['minutes'] * args.scale_minutes)
        sae, s = train_one(sid, sp, acts[spec['hook']], log)
        met, freq = metrics(sid, spec, sae, model, acts_ev[spec['hook']], X_ce)
        met['train_tokens'] = sp['tokens_used']
        save_sae(args.out, sid, spec, sae, s, met, freq, sp['tokens_used'])
        log(f'{sid} metrics ' + json.dumps({k: v for k, v in met.items() if k != "definitions"}))
    log('done')
