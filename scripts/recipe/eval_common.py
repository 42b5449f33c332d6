"""Shared evaluation helpers: fixed held-out contexts, model loading."""
import json, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from fs_model import GPT2

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
N_CTX = 128


def tokens(split):
    return np.fromfile(os.path.join(CACHE, 'tokens', f'{split}.bin'), dtype=np.uint16)


def contexts(split, n, seed):
    """n contexts of BOS + 127 tokens from random offsets (fixed seed) -> int64 tensor [n, 128]."""
    arr = tokens(split)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, len(arr) - N_CTX, size=n)
    x = np.stack([arr[s:s + N_CTX - 1] for s in starts]).astype(np.int64)
    return torch.from_numpy(np.concatenate([np.zeros((n, 1), np.int64), x], 1))


def heldout_eval_contexts(n=1000):
    return contexts('heldout', n, seed=20241)


def load_model(path=None):
    path = path or os.path.join(CACHE, 'ckpt', 'final.pt')
    ck = torch.load(path, map_location='cpu')
    c = ck['cfg']
    m = GPT2(c['vocab'], c['n_ctx'], c['d'], c['n_layers'], c['n_heads'], c['d_mlp'], c['eps'], c.get('untied', False))
    m.load_state_dict(ck['model'])
    m.eval()
    return m, ck


@torch.no_grad()
def ce_loss(model, X, edit=None, bs=50):
    """Mean next-token cross-entropy over positions 0..126 (predicting tokens 1..127)."""
    tot, n = 0.0, 0
    for i in range(0, len(X), bs):
        x = X[i:i + bs]
        lg = model(x, edit=edit)
        l = torch.nn.functional.cross_entropy(lg[:, :-1].reshape(-1, lg.shape[-1]), x[:, 1:].reshape(-1), reduction='sum')
        tot += l.item()
        n += x[:, 1:].numel()
    return tot / n


def ngram_baselines(d=0.75):
    """Unigram and bigram baselines estimated on the whole train split (documents separated by
    token 0, which is also BOS, so P(first token | BOS) is learned):
    - unigram: add-one smoothed token frequencies;
    - bigram: interpolated absolute discounting (discount d) backing off to the unigram.
    Returns (p_uni [V], bigram_p(prev, nxt) -> probabilities, same shape as the inputs)."""
    tr = tokens('train').astype(np.int64)
    V = len(json.load(open(os.path.join(CACHE, 'tokenizer', 'vocab.json'))))
    uni = np.bincount(tr, minlength=V).astype(np.float64)
    p_uni = (uni + 1) / (uni.sum() + V)
    pairs = tr[:-1] * V + tr[1:]
    keys, cnt = np.unique(pairs, return_counts=True)
    ctx_tot = np.bincount(keys // V, weights=cnt, minlength=V)
    ctx_types = np.bincount(keys // V, minlength=V)

    def bigram_p(prev, nxt):
        q = prev * V + nxt
        pos = np.searchsorted(keys, q)
        pos[pos >= len(keys)] = 0
        c_ab = np.where(keys[pos] == q, cnt[pos], 0).astype(np.float64)
        c_a = ctx_tot[prev]
        lam = np.where(c_a > 0, d * ctx_types[prev] / np.maximum(c_a, 1), 1.0)
        return np.where(c_a > 0, np.maximum(c_ab - d, 0) / np.maximum(c_a, 1), 0.0) + lam * p_uni[nxt]

    return p_uni, bigram_p
