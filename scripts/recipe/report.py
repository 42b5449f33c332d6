#!/usr/bin/env python3
"""Print the markdown tables for demo/README.md: model vs baselines, SAE metrics, artifact sizes."""
import json, os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
b = json.load(open(os.path.join(CACHE, 'baselines.json')))
print('| model / baseline | held-out CE (nats/token) |\n|---|---|')
print(f"| unigram (add-one, train split) | {b['unigram']:.3f} |")
print(f"| bigram (interpolated absolute discounting, train split) | {b['bigram']:.3f} |")
print(f"| fs-demo-2l (step {b.get('model_step')}, {b.get('model_tokens_seen', 0) / 1e6:.2f}M tokens) | **{b['model']:.3f}** |")
print(f"\n({b['eval_predictions']:,} predictions: 1000 fixed held-out contexts x 127)\n")
sd = os.path.join(ROOT, 'demo', 'saes')
print('| SAE | hook | arch | d_sae | L0 | explained var. | CE recovered | CE clean / SAE / zero-abl. | dead | dense | train tokens |')
print('|---|---|---|---|---|---|---|---|---|---|---|')
for sid in sorted(os.listdir(sd)):
    m = json.load(open(os.path.join(sd, sid, 'metrics.json')))
    arch = m['architecture'] + (f" k={m['k']}" if m.get('k') else '')
    print(f"| {sid} | {m['hook_name']} | {arch} | {m['d_sae']} | {m['l0']:.1f} | {m['explained_variance']:.3f} | "
          f"{m['ce_loss_recovered']:.3f} | {m['ce_clean']:.3f} / {m['ce_with_sae']:.3f} / {m['ce_zero_ablation']:.3f} | "
          f"{m['dead_fraction']:.3f} | {m['dense_fraction']:.3f} | {m.get('train_tokens', 0):,} |")
print('\n| path | size |\n|---|---|')
tot = 0
for d in sorted(os.listdir(os.path.join(ROOT, 'demo'))):
    p = os.path.join(ROOT, 'demo', d)
    s = sum(os.path.getsize(os.path.join(a, f)) for a, _, fs in os.walk(p) for f in fs) if os.path.isdir(p) else os.path.getsize(p)
    tot += s
    print(f'| demo/{d} | {s / 1e6:.2f} MB |')
print(f'| **total** | **{tot / 1e6:.2f} MB** |')
