#!/usr/bin/env python3
"""Held-out loss of the model next to unigram and bigram baselines on the same predicted tokens.

Eval set: 1000 fixed held-out contexts (BOS + 127 tokens, eval_common.heldout_eval_contexts), loss
on positions predicting tokens 1..127 (127,000 predictions). Baselines are estimated on the whole
train split (documents separated by token 0, which is also BOS, so P(first token | BOS) is learned):
- unigram: add-one smoothed token frequencies;
- bigram: interpolated absolute discounting (d = 0.75) backing off to the unigram.
Writes .cache/recipe/baselines.json.  Usage: /usr/bin/python3 scripts/recipe/baselines.py [--ckpt PATH]
"""
import argparse, json, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from eval_common import CACHE, heldout_eval_contexts, load_model, ce_loss, ngram_baselines

ap = argparse.ArgumentParser()
ap.add_argument('--ckpt', default=None)
ap.add_argument('--no-model', action='store_true')
args = ap.parse_args()
torch.set_num_threads(2)

X = heldout_eval_contexts()
p_uni, bigram_p = ngram_baselines()
prev = X[:, :-1].numpy().reshape(-1)
nxt = X[:, 1:].numpy().reshape(-1)
p_bi = bigram_p(prev, nxt)
res = {'eval_predictions': int(len(nxt)), 'unigram': float(-np.log(p_uni[nxt]).mean()), 'bigram': float(-np.log(p_bi).mean())}
print(json.dumps(res), flush=True)
if args.no_model:
    sys.exit(0)
model, ck = load_model(args.ckpt)
res['model'] = ce_loss(model, X)
res['model_step'] = ck.get('state', {}).get('step')
res['model_tokens_seen'] = ck.get('state', {}).get('step', 0) * 16 * 127
print(json.dumps(res, indent=1))
json.dump(res, open(os.path.join(CACHE, 'baselines.json'), 'w'), indent=1)
# provenance merged into demo/model/manifest.json by export_package.py --training-json
json.dump({'heldoutLoss': round(res['model'], 4), 'bigramBaseline': round(res['bigram'], 4), 'unigramBaseline': round(res['unigram'], 4),
           'heldoutEval': '1000 fixed held-out contexts (BOS + 127 tokens), 127,000 predictions; see demo/README.md',
           'tokensSeen': res['model_tokens_seen'], 'steps': res['model_step'],
           'objective': 'next-token CE, with bigram-teacher distillation during the first 60% of the time budget'},
          open(os.path.join(CACHE, 'baselines_training.json'), 'w'), indent=1)
