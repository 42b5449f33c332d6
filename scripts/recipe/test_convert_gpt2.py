#!/usr/bin/env python3
"""Test convert_gpt2.py on randomly initialised Hugging Face GPT-2-shaped checkpoints (no transformers).

Builds a GPT2LMHeadModel-style state dict (transformer.* keys, Conv1D [in,out] weights, attn.bias
buffers, tied lm_head) for a small config, saves it both as pytorch_model.bin and as a BF16-free
F32 model.safetensors (+ config.json, vocab.json/merges.txt of the demo tokenizer with
<|endoftext|> moved to the last id as in GPT-2), converts each, and checks the package's logits
and hook activations in onnxruntime-node against a plain PyTorch GPT-2 forward (fs_model.GPT2),
with and without KV cache. Usage: /usr/bin/python3 scripts/recipe/test_convert_gpt2.py
"""
import json, os, shutil, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from convert_gpt2 import convert
from fs_model import GPT2
from safetensors_io import save_safetensors
from verify_package import verify

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
W = os.path.join(ROOT, '.cache', 'recipe', 'convert_test')
torch.set_num_threads(1)


def make_hf(folder, fmt, n_layer=2, n_embd=64, n_head=4, n_pos=64, seed=0):
    os.makedirs(folder, exist_ok=True)
    vocab = json.load(open(os.path.join(ROOT, '.cache', 'recipe', 'tokenizer', 'vocab.json'), encoding='utf-8'))
    # GPT-2 layout: <|endoftext|> is the last id
    items = sorted(vocab.items(), key=lambda kv: kv[1])[1:] + [('<|endoftext|>', None)]
    vocab2 = {k: i for i, (k, _) in enumerate(items)}
    json.dump(vocab2, open(os.path.join(folder, 'vocab.json'), 'w', encoding='utf-8'), ensure_ascii=False)
    shutil.copy(os.path.join(ROOT, '.cache', 'recipe', 'tokenizer', 'merges.txt'), os.path.join(folder, 'merges.txt'))
    V = len(vocab2)
    g = torch.Generator().manual_seed(seed)
    r = lambda *s, std=0.2: torch.randn(*s, generator=g) * std
    sd = {'transformer.wte.weight': r(V, n_embd), 'transformer.wpe.weight': r(n_pos, n_embd, std=0.1)}
    for L in range(n_layer):
        p = f'transformer.h.{L}.'
        sd.update({p + 'ln_1.weight': 1 + r(n_embd, std=0.1), p + 'ln_1.bias': r(n_embd, std=0.1),
                   p + 'attn.bias': torch.tril(torch.ones(n_pos, n_pos)).view(1, 1, n_pos, n_pos),
                   p + 'attn.masked_bias': torch.tensor(-1e4),
                   p + 'attn.c_attn.weight': r(n_embd, 3 * n_embd), p + 'attn.c_attn.bias': r(3 * n_embd, std=0.1),
                   p + 'attn.c_proj.weight': r(n_embd, n_embd), p + 'attn.c_proj.bias': r(n_embd, std=0.1),
                   p + 'ln_2.weight': 1 + r(n_embd, std=0.1), p + 'ln_2.bias': r(n_embd, std=0.1),
                   p + 'mlp.c_fc.weight': r(n_embd, 4 * n_embd), p + 'mlp.c_fc.bias': r(4 * n_embd, std=0.1),
                   p + 'mlp.c_proj.weight': r(4 * n_embd, n_embd), p + 'mlp.c_proj.bias': r(n_embd, std=0.1)})
    sd['transformer.ln_f.weight'] = 1 + r(n_embd, std=0.1)
    sd['transformer.ln_f.bias'] = r(n_embd, std=0.1)
    sd['lm_head.weight'] = sd['transformer.wte.weight']
    cfg = {'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'activation_function': 'gelu_new',
           'n_layer': n_layer, 'n_embd': n_embd, 'n_head': n_head, 'n_positions': n_pos, 'n_ctx': n_pos,
           'vocab_size': V, 'layer_norm_epsilon': 1e-5, 'n_inner': None, 'bos_token_id': V - 1, 'eos_token_id': V - 1}
    json.dump(cfg, open(os.path.join(folder, 'config.json'), 'w'), indent=1)
    if fmt == 'bin':
        torch.save(sd, os.path.join(folder, 'pytorch_model.bin'))
    else:
        save_safetensors(os.path.join(folder, 'model.safetensors'),
                         {k: v.numpy() for k, v in sd.items() if not k.endswith('.attn.bias') and k != 'lm_head.weight'},
                         metadata={'format': 'pt'})
    return sd, cfg


ok = True
for fmt in ['bin', 'safetensors']:
    hf = os.path.join(W, f'hf_{fmt}')
    sd, cfg = make_hf(hf, fmt, seed=1 if fmt == 'bin' else 2)
    pkg = os.path.join(W, f'pkg_{fmt}')
    man, sd2, c = convert(hf, pkg, 'random-gpt2-test')
    assert man['bosTokenId'] == cfg['vocab_size'] - 1, man['bosTokenId']
    ref = GPT2(c['vocab'], c['n_ctx'], c['d'], c['n_layers'], c['n_heads'], c['d_mlp'], c['eps'])
    ref.load_state_dict({k[len('transformer.'):]: v for k, v in sd.items()
                         if k.startswith('transformer.') and not k.endswith('.attn.bias') and not k.endswith('masked_bias')})
    ref.eval()
    res, worst = verify(ref, pkg, os.path.join(W, f'verify_{fmt}'), T=32)
    print(fmt, 'max |logit diff| full', res['full']['logits'], 'cached', res['cached']['logits'], 'worst over all hooks', worst)
    ok &= worst <= 1e-4
print('PASS' if ok else 'FAIL')
sys.exit(0 if ok else 1)
