#!/usr/bin/env python3
"""Check a model package against a PyTorch GPT-2 forward (fs_model.GPT2) in onnxruntime-node.

Usage: /usr/bin/python3 scripts/recipe/verify_package.py --ckpt CKPT --pkg demo/model [--tol 1e-4]
Needs onnxruntime-node in /tmp/ortcheck (see demo/README.md). Exits non-zero if any diff > tol.
"""
import argparse, json, os, subprocess, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from fs_model import GPT2


def verify(model, pkg, workdir, tol=1e-4, T=24, seed=0, ort_path='/tmp/ortcheck/node_modules'):
    torch.manual_seed(seed)
    V = model.cfg['vocab']
    ids = torch.randint(1, V, (2, T))
    ids[:, 0] = 0
    hooks = {}
    with torch.no_grad():
        logits = model(ids, hooks=hooks)
    names = sorted(hooks)
    os.makedirs(workdir, exist_ok=True)
    json.dump({'ids': ids.tolist(), 'hooks': names}, open(os.path.join(workdir, 'check.json'), 'w'))
    with open(os.path.join(workdir, 'check.bin'), 'wb') as f:
        f.write(logits.numpy().astype('<f4').tobytes())
        for n in names:
            f.write(hooks[n].numpy().astype('<f4').tobytes())
    out = subprocess.run(['node', os.path.join(os.path.dirname(__file__), 'verify_package.cjs'), pkg, workdir],
                         env={**os.environ, 'NODE_PATH': ort_path}, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    res = json.loads(out.stdout.strip().split('\n')[-1])
    worst = max(v for part in res.values() for v in part.values())
    return res, worst


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', required=True)
    ap.add_argument('--pkg', required=True)
    ap.add_argument('--tol', type=float, default=1e-4)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.ckpt, map_location='cpu')
    c = ck['cfg']
    m = GPT2(c['vocab'], c['n_ctx'], c['d'], c['n_layers'], c['n_heads'], c['d_mlp'], c['eps'], c.get('untied', False))
    m.load_state_dict(ck['model'])
    m.eval()
    res, worst = verify(m, args.pkg, os.path.join(os.path.dirname(__file__), '..', '..', '.cache', 'recipe', 'verify'), args.tol)
    print(json.dumps(res, indent=1))
    print('max abs diff', worst, 'OK' if worst <= args.tol else 'FAIL')
    sys.exit(0 if worst <= args.tol else 1)
