#!/usr/bin/env python3
"""Reference outputs for the TypeScript parity tests (demo/reference/, layout in its README.md).

For each fixed prompt: ids = [BOS=0] + tokenizer(text); PyTorch float32 forward of the trained model
(fs_model.GPT2 with the exported weights) -> logits and every hook of demo/model/manifest.json; each
SAE under demo/saes/ encoded exactly as ../shared/INTERP.md §3 from the weights *as stored on disk*.
Usage: /usr/bin/python3 scripts/recipe/make_reference.py [--ckpt .cache/recipe/ckpt/final.pt]
"""
import argparse, json, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from eval_common import ROOT, CACHE, load_model
from fs_tokenizer import Encoder
from safetensors_io import save_safetensors, load_safetensors

PROMPTS = [
    ('prose', 'It was the best of times, it was the worst of times; and the old captain walked slowly down to the harbour.'),
    ('kjv', 'And the LORD said unto Moses, Wherefore criest thou unto me? speak unto thee, and thy children shall hear.'),
    ('python', 'def load(path):\n    with open(path, "rb") as f:\n        return json.loads(f.read())\n'),
    ('javascript', 'const items = data.filter((x) => x.id !== null).map((x) => ({ ...x, ok: true }));'),
    ('arabic', 'بِسۡمِ ٱللَّهِ ٱلرَّحۡمَٰنِ ٱلرَّحِيمِ ٱلۡحَمۡدُ لِلَّهِ رَبِّ ٱلۡعَٰلَمِينَ'),
    ('base64', '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA'),
    ('json_url', '{"name": "featurescope", "homepage": "https://github.com/example/featurescope#readme", "version": "1.2.3"}'),
    ('mixed', 'Привет, мир! 中文 😀 numbers: 3.14159, 2718 and\ttabs\n\n  indented'),
]


def sae_encode(w, cfg, x):
    xin = x - (w['b_dec'] if cfg.get('apply_b_dec_to_input', True) else 0)
    pre = xin @ w['W_enc'] + w['b_enc']
    if cfg['architecture'] == 'topk':
        v, i = pre.topk(cfg['k'], dim=-1)
        f = torch.zeros_like(pre).scatter(-1, i, v.relu())
    elif cfg['architecture'] == 'standard':
        f = pre.relu()
    else:
        raise ValueError(cfg['architecture'])
    return f, f @ w['W_dec'] + w['b_dec']


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=None)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, _ = load_model(args.ckpt)
    enc = Encoder.load(os.path.join(ROOT, 'demo', 'model', 'tokenizer'))
    man = json.load(open(os.path.join(ROOT, 'demo', 'model', 'manifest.json')))
    sdir = os.path.join(ROOT, 'demo', 'saes')
    saes = {}
    for sid in sorted(os.listdir(sdir)) if os.path.isdir(sdir) else []:
        cfg = json.load(open(os.path.join(sdir, sid, 'cfg.json')))
        w = {k: torch.from_numpy(v.astype(np.float32)) for k, v in load_safetensors(os.path.join(sdir, sid, 'sae_weights.safetensors')).items()}
        saes[sid] = (cfg, w)
    out = os.path.join(ROOT, 'demo', 'reference')
    os.makedirs(out, exist_ok=True)
    index = []
    for n, (name, text) in enumerate(PROMPTS):
        ids = [0] + enc.encode(text)
        assert len(ids) <= 128
        hooks = {}
        with torch.no_grad():
            logits = model(torch.tensor([ids]), hooks=hooks)[0]
        t = {'input_ids': np.array(ids, dtype=np.int64), 'logits': logits.numpy()}
        for h in man['hooks']:
            t[h] = hooks[h][0].numpy()
        for sid, (cfg, w) in saes.items():
            x = hooks[cfg['metadata']['hook_name']][0]
            with torch.no_grad():
                f, xh = sae_encode(w, cfg, x)
            nnz = (f > 0).sum(1)
            K = max(1, int(nnz.max()))
            idx = np.full((len(ids), K), -1, np.int32)
            val = np.zeros((len(ids), K), np.float32)
            for p in range(len(ids)):
                nz = torch.nonzero(f[p] > 0).flatten()
                order = nz[torch.argsort(f[p, nz], descending=True)]
                idx[p, :len(order)] = order.numpy()
                val[p, :len(order)] = f[p, order].numpy()
            t[f'sae.{sid}.indices'] = idx
            t[f'sae.{sid}.values'] = val
            t[f'sae.{sid}.reconstruction'] = xh.numpy()
        fn = f'prompt_{n}_{name}.safetensors'
        save_safetensors(os.path.join(out, fn), t)
        index.append({'file': fn, 'name': name, 'text': text, 'ids': ids, 'nTokens': len(ids)})
        print(fn, len(ids), 'tokens')
    json.dump({'model': 'demo/model', 'saes': sorted(saes), 'prompts': index}, open(os.path.join(out, 'prompts.json'), 'w'),
              indent=1, ensure_ascii=False)
