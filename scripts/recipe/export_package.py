#!/usr/bin/env python3
"""Export GPT-2-shaped weights to a Featurescope model package (docs/MODEL_PACKAGE.md), opset 17.

Weights: a dict with Hugging Face GPT-2 names *without* the `transformer.` prefix (wte.weight,
wpe.weight, h.N.ln_1.weight, h.N.attn.c_attn.weight [D,3D] (Conv1D layout), ..., ln_f.bias) and
optionally lm_head.weight [V,D] (else tied to wte) / lm_head.bias.

CLI (demo model): /usr/bin/python3 scripts/recipe/export_package.py --ckpt .cache/recipe/ckpt/final.pt --out demo/model
Library: export_package(sd, cfg, tokenizer_dir, out_dir, name, training)
"""
import argparse, json, math, os, shutil, sys
import numpy as np
import torch
import torch.nn as nn
sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save_safetensors

OPSET = 17


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def ln(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (int(w.shape[0]),), w, b, eps)


class Embed(nn.Module):
    def __init__(self, wte, wpe):
        super().__init__()
        self.wte, self.wpe = nn.Parameter(wte), nn.Parameter(wpe)

    def forward(self, input_ids, position_ids):
        return self.wte[input_ids] + self.wpe[position_ids]


class AttnG(nn.Module):
    def __init__(self, sd, L, n_heads, eps):
        super().__init__()
        p = f'h.{L}.'
        self.ln_w, self.ln_b = nn.Parameter(sd[p + 'ln_1.weight']), nn.Parameter(sd[p + 'ln_1.bias'])
        self.w_qkv, self.b_qkv = nn.Parameter(sd[p + 'attn.c_attn.weight']), nn.Parameter(sd[p + 'attn.c_attn.bias'])
        self.w_o, self.b_o = nn.Parameter(sd[p + 'attn.c_proj.weight']), nn.Parameter(sd[p + 'attn.c_proj.bias'])
        self.nh, self.eps, self.D = n_heads, eps, int(self.w_o.shape[0])

    def forward(self, resid_pre, attention_mask, past_key, past_value):
        B, T = resid_pre.shape[0], resid_pre.shape[1]
        H, D = self.nh, self.D
        hd = D // H
        x = ln(resid_pre, self.ln_w, self.ln_b, self.eps)
        qkv = x @ self.w_qkv + self.b_qkv
        q, k, v = qkv.split(D, dim=2)
        q = q.reshape(B, T, H, hd).transpose(1, 2)
        k = k.reshape(B, T, H, hd).transpose(1, 2)
        v = v.reshape(B, T, H, hd).transpose(1, 2)
        k = torch.cat([past_key, k], dim=2)
        v = torch.cat([past_value, v], dim=2)
        P = past_key.shape[2]
        S = k.shape[2]
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        qpos = torch.arange(T, dtype=torch.int64).unsqueeze(1) + P
        kpos = torch.arange(S, dtype=torch.int64).unsqueeze(0)
        allowed = (kpos <= qpos).unsqueeze(0).unsqueeze(0) & (attention_mask > 0.5).unsqueeze(1).unsqueeze(2)
        scores = torch.where(allowed, scores, torch.full_like(scores, -1e9))
        att = torch.softmax(scores, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        return resid_pre + (y @ self.w_o + self.b_o), k, v


class MlpIn(nn.Module):
    def __init__(self, sd, L, eps):
        super().__init__()
        p = f'h.{L}.'
        self.ln_w, self.ln_b = nn.Parameter(sd[p + 'ln_2.weight']), nn.Parameter(sd[p + 'ln_2.bias'])
        self.w, self.b = nn.Parameter(sd[p + 'mlp.c_fc.weight']), nn.Parameter(sd[p + 'mlp.c_fc.bias'])
        self.eps = eps

    def forward(self, resid_mid):
        return gelu_new(ln(resid_mid, self.ln_w, self.ln_b, self.eps) @ self.w + self.b)


class MlpOut(nn.Module):
    def __init__(self, sd, L):
        super().__init__()
        p = f'h.{L}.'
        self.w, self.b = nn.Parameter(sd[p + 'mlp.c_proj.weight']), nn.Parameter(sd[p + 'mlp.c_proj.bias'])

    def forward(self, resid_mid, mlp_post):
        return resid_mid + (mlp_post @ self.w + self.b)


class Unembed(nn.Module):
    def __init__(self, ln_w, ln_b, W_U, b_U, eps):
        super().__init__()
        self.ln_w, self.ln_b, self.W_U = nn.Parameter(ln_w), nn.Parameter(ln_b), nn.Parameter(W_U)
        self.b_U = None if b_U is None else nn.Parameter(b_U)
        self.eps = eps

    def forward(self, resid):
        y = ln(resid, self.ln_w, self.ln_b, self.eps) @ self.W_U
        return y if self.b_U is None else y + self.b_U


def _export(mod, args, names_in, names_out, dyn, path):
    mod.eval()
    with torch.no_grad():
        torch.onnx.export(mod, args, path, input_names=names_in, output_names=names_out, dynamic_axes=dyn,
                          opset_version=OPSET, do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)


def export_package(sd, cfg, tokenizer_dir, out, name, training=None, readout=True, tokenizer_config=None):
    """sd: name -> float32 tensor (HF GPT-2 names without prefix). cfg: n_layers, n_heads, d, d_mlp, n_ctx, vocab, eps."""
    sd = {k: v.detach().float().contiguous().clone() for k, v in sd.items()}
    nL, H, D, M, V = cfg['n_layers'], cfg['n_heads'], cfg['d'], cfg['d_mlp'], cfg['vocab']
    eps, hd = cfg['eps'], cfg['d'] // cfg['n_heads']
    os.makedirs(out, exist_ok=True)
    B, T, P = 2, 5, 3
    ids = torch.zeros(B, T, dtype=torch.int64)
    _export(Embed(sd['wte.weight'], sd['wpe.weight']), (ids, ids), ['input_ids', 'position_ids'], ['resid'],
            {'input_ids': {0: 'B', 1: 'T'}, 'position_ids': {0: 'B', 1: 'T'}, 'resid': {0: 'B', 1: 'T'}},
            os.path.join(out, 'embed.onnx'))
    x = torch.randn(B, T, D)
    for L in range(nL):
        _export(AttnG(sd, L, H, eps), (x, torch.ones(B, P + T), torch.randn(B, H, P, hd), torch.randn(B, H, P, hd)),
                ['resid_pre', 'attention_mask', 'past_key', 'past_value'], ['resid_mid', 'present_key', 'present_value'],
                {'resid_pre': {0: 'B', 1: 'T'}, 'attention_mask': {0: 'B', 1: 'S'}, 'past_key': {0: 'B', 2: 'P'},
                 'past_value': {0: 'B', 2: 'P'}, 'resid_mid': {0: 'B', 1: 'T'}, 'present_key': {0: 'B', 2: 'S'},
                 'present_value': {0: 'B', 2: 'S'}},
                os.path.join(out, f'blocks.{L}.attn.onnx'))
        _export(MlpIn(sd, L, eps), (x,), ['resid_mid'], ['mlp_post'],
                {'resid_mid': {0: 'B', 1: 'T'}, 'mlp_post': {0: 'B', 1: 'T'}}, os.path.join(out, f'blocks.{L}.mlp_in.onnx'))
        _export(MlpOut(sd, L), (x, torch.randn(B, T, M)), ['resid_mid', 'mlp_post'], ['resid_post'],
                {'resid_mid': {0: 'B', 1: 'T'}, 'mlp_post': {0: 'B', 1: 'T'}, 'resid_post': {0: 'B', 1: 'T'}},
                os.path.join(out, f'blocks.{L}.mlp_out.onnx'))
    W_U = sd['lm_head.weight'].T.contiguous() if 'lm_head.weight' in sd else sd['wte.weight'].T.contiguous()
    b_U = sd.get('lm_head.bias')
    _export(Unembed(sd['ln_f.weight'], sd['ln_f.bias'], W_U, b_U, eps), (x,), ['resid'], ['logits'],
            {'resid': {0: 'B', 1: 'T'}, 'logits': {0: 'B', 1: 'T'}}, os.path.join(out, 'unembed.onnx'))
    if readout:
        ro = {'W_U': W_U.numpy()}
        for L in range(nL):
            ro[f'blocks.{L}.W_out'] = sd[f'h.{L}.mlp.c_proj.weight'].numpy()
        save_safetensors(os.path.join(out, 'readout.safetensors'), ro)
    tdir = os.path.join(out, 'tokenizer')
    os.makedirs(tdir, exist_ok=True)
    for f in ['vocab.json', 'merges.txt'] + ([] if tokenizer_config else ['tokenizer_config.json']):
        shutil.copy(os.path.join(tokenizer_dir, f), os.path.join(tdir, f))
    if tokenizer_config:
        json.dump(tokenizer_config, open(os.path.join(tdir, 'tokenizer_config.json'), 'w'), indent=2)
    hooks = {}
    for L in range(nL):
        hooks[f'blocks.{L}.hook_resid_pre'] = D
        hooks[f'blocks.{L}.hook_resid_mid'] = D
        hooks[f'blocks.{L}.mlp.hook_post'] = M
        hooks[f'blocks.{L}.hook_resid_post'] = D
    manifest = {
        'format': 'featurescope-model-package', 'formatVersion': 1, 'name': name, 'architecture': 'gpt2',
        'dModel': D, 'nLayers': nL, 'nHeads': H, 'dHead': hd, 'dMlp': M, 'nCtx': cfg['n_ctx'], 'dVocab': V,
        'layerNormEps': eps, 'actFn': 'gelu_new', 'bosTokenId': cfg.get('bos', 0), 'eosTokenId': cfg.get('eos', 0),
        'prependBos': cfg.get('prepend_bos', True),
        'tokenizer': {'type': 'byte-bpe', 'dir': 'tokenizer', 'pretokenizer': 'gpt2'},
        'hooks': hooks, 'opset': OPSET, 'dtype': 'float32', 'training': training or {},
    }
    json.dump(manifest, open(os.path.join(out, 'manifest.json'), 'w'), indent=2)
    return manifest


def load_ckpt(path):
    ck = torch.load(path, map_location='cpu')
    c = ck['cfg']
    cfg = {'n_layers': c['n_layers'], 'n_heads': c['n_heads'], 'd': c['d'], 'd_mlp': c['d_mlp'], 'n_ctx': c['n_ctx'],
           'vocab': c['vocab'], 'eps': c['eps']}
    return ck['model'], cfg, ck.get('state', {})


if __name__ == '__main__':
    ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', required=True)
    ap.add_argument('--out', default=os.path.join(ROOT, 'demo', 'model'))
    ap.add_argument('--training-json', default=None, help='json file merged into manifest.training')
    args = ap.parse_args()
    sd, cfg, st = load_ckpt(args.ckpt)
    training = {'corpus': 'demo/corpus (see MANIFEST.json), train split', 'steps': st.get('step'),
                'tokensSeen': (st.get('step') or 0) * 16 * 127, 'recipe': 'scripts/recipe/train_model.py'}
    if args.training_json:
        training.update(json.load(open(args.training_json)))
    m = export_package(sd, cfg, os.path.join(ROOT, '.cache', 'recipe', 'tokenizer'), args.out, 'fs-demo-2l', training)
    print(json.dumps({k: v for k, v in m.items() if k != 'hooks'}, indent=1))
