#!/usr/bin/env python3
"""Convert a Hugging Face GPT-2-style checkpoint into a Featurescope model package.

Input folder (as downloaded from the Hub): config.json, pytorch_model.bin or model.safetensors,
vocab.json, merges.txt. Keys may carry the `transformer.` prefix (GPT2LMHeadModel) or not
(GPT2Model); Conv1D weights are [in, out] as in HF. Buffers attn.bias / attn.masked_bias are dropped.
lm_head.weight is used as W_U when present and different from wte (else tied).
Requirements checked: activation_function gelu_new (or gelu_pytorch_tanh / gelu_fast: same curve to
~1e-4 -- warned), no scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn, no cross attention.

Usage: /usr/bin/python3 scripts/recipe/convert_gpt2.py --hf path/to/gpt2 --out path/to/package [--name gpt2]
Test:  /usr/bin/python3 scripts/recipe/test_convert_gpt2.py
"""
import argparse, json, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from export_package import export_package
from safetensors_io import tensor_blobs


def load_safetensors_any(path):
    """Float tensors of a Hugging Face safetensors file as float32 torch tensors (F32, F16, BF16)."""
    out = {}
    for name, dt, shape, b in tensor_blobs(path):
        if dt == 'F32':
            a = np.frombuffer(b, '<f4')
        elif dt == 'F16':
            a = np.frombuffer(b, '<f2').astype(np.float32)
        elif dt == 'BF16':
            a = (np.frombuffer(b, '<u2').astype(np.uint32) << 16).view(np.float32)
        elif dt in ('U8', 'BOOL'):
            continue  # attention-mask buffers
        else:
            raise ValueError(f'{path}: tensor {name} has unsupported dtype {dt}')
        out[name] = torch.from_numpy(a.reshape(shape).copy())
    return out


def load_hf(folder):
    cfg = json.load(open(os.path.join(folder, 'config.json')))
    if os.path.exists(os.path.join(folder, 'model.safetensors')):
        sd = load_safetensors_any(os.path.join(folder, 'model.safetensors'))
    elif os.path.exists(os.path.join(folder, 'pytorch_model.bin')):
        sd = torch.load(os.path.join(folder, 'pytorch_model.bin'), map_location='cpu')
    else:
        raise FileNotFoundError(f'{folder}: neither model.safetensors nor pytorch_model.bin')
    out = {}
    for k, v in sd.items():
        k2 = k[len('transformer.'):] if k.startswith('transformer.') else k
        if k2.endswith('.attn.bias') or k2.endswith('.attn.masked_bias'):
            continue
        out[k2] = v.float()
    if 'lm_head.weight' in out and torch.equal(out['lm_head.weight'], out['wte.weight']):
        del out['lm_head.weight']
    act = cfg.get('activation_function', 'gelu_new')
    if act not in ('gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'):
        raise ValueError(f'activation_function {act!r} is not supported (the package uses gelu_new)')
    for bad in ('scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn', 'add_cross_attention'):
        if cfg.get(bad):
            raise ValueError(f'config option {bad} is not supported')
    d = cfg['n_embd']
    c = {'n_layers': cfg['n_layer'], 'n_heads': cfg['n_head'], 'd': d, 'd_mlp': cfg.get('n_inner') or 4 * d,
         'n_ctx': cfg.get('n_positions', cfg.get('n_ctx', 1024)), 'vocab': cfg['vocab_size'],
         'eps': cfg.get('layer_norm_epsilon', 1e-5)}
    # shape checks
    assert out['wte.weight'].shape == (c['vocab'], d), out['wte.weight'].shape
    for L in range(c['n_layers']):
        assert out[f'h.{L}.attn.c_attn.weight'].shape == (d, 3 * d)
        assert out[f'h.{L}.mlp.c_fc.weight'].shape == (d, c['d_mlp'])
    return out, c, cfg


def convert(hf, out, name=None, bos_token='<|endoftext|>'):
    sd, c, cfg = load_hf(hf)
    vocab = json.load(open(os.path.join(hf, 'vocab.json'), encoding='utf-8'))
    if bos_token not in vocab:
        raise ValueError(f'{bos_token} not in vocab.json')
    bos = vocab[bos_token]
    if cfg.get('bos_token_id') is not None and cfg['bos_token_id'] != bos:
        print(f'warning: config bos_token_id {cfg["bos_token_id"]} != vocab id {bos} of {bos_token}')
    c.update(bos=bos, eos=vocab.get(bos_token, bos), prepend_bos=True)
    tc = {'bosToken': bos_token, 'eosToken': bos_token, 'specialTokens': {bos_token: bos}}
    return export_package(sd, c, hf, out, name or cfg.get('_name_or_path') or os.path.basename(os.path.abspath(hf)),
                          training={'convertedFrom': os.path.abspath(hf), 'converter': 'scripts/recipe/convert_gpt2.py'},
                          tokenizer_config=tc), sd, c


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--hf', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--name', default=None)
    a = ap.parse_args()
    m, _, _ = convert(a.hf, a.out, a.name)
    print(json.dumps({k: v for k, v in m.items() if k != 'hooks'}, indent=1))
