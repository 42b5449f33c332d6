#!/usr/bin/env python3
"""Inspect the demo SAEs: top-activating held-out contexts per feature, with category / script purity.

Writes .cache/recipe/features_report.json and prints, per SAE, the features whose top-20 activations
are most concentrated in one corpus category, one Unicode script or one token, with example contexts
(the max-activating token in [[ ]]). demo/FEATURES.md is written by hand from this report.
Usage: /usr/bin/python3 scripts/recipe/find_features.py [--contexts 1200]
"""
import argparse, bisect, collections, json, os, sys, unicodedata
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from eval_common import ROOT, CACHE, N_CTX, tokens, load_model
from fs_tokenizer import Encoder
from make_reference import sae_encode
from safetensors_io import load_safetensors


def script_of(s):
    c = collections.Counter()
    for ch in s:
        if ch.isalpha():
            try:
                c[unicodedata.name(ch).split(' ')[0]] += 1
            except ValueError:
                pass
    return c.most_common(1)[0][0] if c else ('DIGIT' if any(ch.isdigit() for ch in s) else 'PUNCT/SPACE')


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--contexts', type=int, default=1200)
    ap.add_argument('--top', type=int, default=20)
    ap.add_argument('--show', type=int, default=25)
    ap.add_argument('--ckpt', default=None)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, _ = load_model(args.ckpt)
    enc = Encoder.load(os.path.join(CACHE, 'tokenizer'))
    held = tokens('heldout')
    meta = json.load(open(os.path.join(CACHE, 'tokens', 'heldout.docs.json')))
    doc_starts = [m['offset'] for m in meta]
    rng = np.random.default_rng(777)
    starts = rng.integers(0, len(held) - N_CTX, size=args.contexts)
    X = torch.from_numpy(np.concatenate([np.zeros((len(starts), 1), np.int64),
                                         np.stack([held[s:s + N_CTX - 1] for s in starts]).astype(np.int64)], 1))
    sdir = os.path.join(ROOT, 'demo', 'saes')
    saes = {}
    for sid in sorted(os.listdir(sdir)):
        cfg = json.load(open(os.path.join(sdir, sid, 'cfg.json')))
        w = {k: torch.from_numpy(v.astype(np.float32)) for k, v in load_safetensors(os.path.join(sdir, sid, 'sae_weights.safetensors')).items()}
        saes[sid] = (cfg, w)
    tops = {sid: (torch.full((args.top, w['W_dec'].shape[0]), -1.0), torch.zeros((args.top, w['W_dec'].shape[0]), dtype=torch.long))
            for sid, (cfg, w) in saes.items()}
    counts = {sid: torch.zeros(w['W_dec'].shape[0]) for sid, (cfg, w) in saes.items()}
    bs = 50
    for i in range(0, len(X), bs):
        hk = {}
        with torch.no_grad():
            model(X[i:i + bs], hooks=hk, stop_at=1)
            for sid, (cfg, w) in saes.items():
                x = hk[cfg['metadata']['hook_name']][:, 1:].reshape(-1, w['W_dec'].shape[1])
                f, _ = sae_encode(w, cfg, x)
                counts[sid] += (f > 0).float().sum(0)
                gidx = torch.arange(len(x)) + i * (N_CTX - 1)
                tv, ti = tops[sid]
                allv = torch.cat([tv, f])
                alli = torch.cat([ti, gidx[:, None].expand(-1, f.shape[1])])
                v, j = allv.topk(args.top, dim=0)
                tops[sid] = (v, alli.gather(0, j))
    ntok = len(X) * (N_CTX - 1)

    def ctx(g, before=14, after=3):
        c, p = divmod(int(g), N_CTX - 1)
        row = X[c, 1:].tolist()
        left = enc.decode(row[max(0, p - before):p])
        mid = enc.decode(row[p:p + 1])
        right = enc.decode(row[p + 1:p + 1 + after])
        return (left + '[[' + mid + ']]' + right).replace('\n', '\\n')

    def cat_of(g):
        c, p = divmod(int(g), N_CTX - 1)
        pos = int(starts[c]) + p
        return meta[bisect.bisect_right(doc_starts, pos) - 1]['cat']

    report = {}
    for sid, (tv, ti) in tops.items():
        feats = []
        for fi in range(tv.shape[1]):
            vals = tv[:, fi]
            ok = vals > 0
            if ok.sum() < args.top:
                continue
            gs = ti[:, fi][ok]
            toks = [enc.decode([int(X[divmod(int(g), N_CTX - 1)[0], 1 + divmod(int(g), N_CTX - 1)[1]])]) for g in gs]
            cats = collections.Counter(cat_of(g) for g in gs)
            scripts = collections.Counter(script_of(t) for t in toks)
            tokc = collections.Counter(t.strip().lower() for t in toks)
            feats.append({'feature': fi, 'freq': float(counts[sid][fi] / ntok), 'max_act': float(vals[0]),
                          'top_category': cats.most_common(1)[0], 'top_script': scripts.most_common(1)[0],
                          'top_tokens': tokc.most_common(5), 'examples': [ctx(g) for g in gs[:6]]})
        report[sid] = feats
        print(f'\n======== {sid}: {len(feats)} features with >= {args.top} activations')
        def purity(f):
            return max(f['top_category'][1], f['top_script'][1] if f['top_script'][0] not in ('LATIN', 'PUNCT/SPACE') else 0,
                       f['top_tokens'][0][1]) / args.top
        rng2 = np.random.default_rng(0)
        shown = sorted(feats, key=lambda f: -purity(f))[:args.show]
        for f in shown + [feats[j] for j in rng2.choice(len(feats), size=min(5, len(feats)), replace=False)]:
            print(f"#{f['feature']} freq {f['freq']:.4f} max {f['max_act']:.2f} cat {f['top_category']} script {f['top_script']} tokens {f['top_tokens'][:3]}")
            for e in f['examples'][:3]:
                print('     ', e[:160])
    json.dump(report, open(os.path.join(CACHE, 'features_report.json'), 'w'), ensure_ascii=False, indent=1)
