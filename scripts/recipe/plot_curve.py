#!/usr/bin/env python3
"""Plot the training curve as a hand-written SVG (no matplotlib on this machine).

Reads .cache/recipe/train_curve.csv and .cache/recipe/baselines.json; writes demo/training/curve.csv
(a copy) and demo/training/curve.svg: train loss (smoothed), held-out loss, unigram / bigram lines.
Usage: /usr/bin/python3 scripts/recipe/plot_curve.py
"""
import csv, json, os, shutil
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
out = os.path.join(ROOT, 'demo', 'training')
os.makedirs(out, exist_ok=True)
shutil.copy(os.path.join(CACHE, 'train_curve.csv'), os.path.join(out, 'curve.csv'))
rows = list(csv.DictReader(open(os.path.join(CACHE, 'train_curve.csv'))))
base = json.load(open(os.path.join(CACHE, 'baselines.json'))) if os.path.exists(os.path.join(CACHE, 'baselines.json')) else {}
tr = [(int(r['tokens']), float(r['train_loss'])) for r in rows]
ho = [(int(r['tokens']), float(r['heldout_loss'])) for r in rows if r['heldout_loss']]
W, H, L, R, T, B = 720, 420, 60, 20, 20, 50
xmax = max(t for t, _ in tr)
ymin, ymax = 3.0, 9.0
X = lambda t: L + (W - L - R) * t / xmax
Y = lambda v: T + (H - T - B) * (ymax - min(max(v, ymin), ymax)) / (ymax - ymin)
el = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
      f'<rect width="{W}" height="{H}" fill="white"/>']
for v in range(int(ymin), int(ymax) + 1):
    el.append(f'<line x1="{L}" x2="{W - R}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#eee"/>')
    el.append(f'<text x="{L - 8}" y="{Y(v) + 4:.1f}" text-anchor="end">{v}</text>')
for i in range(6):
    t = xmax * i / 5
    el.append(f'<text x="{X(t):.1f}" y="{H - B + 18}" text-anchor="middle">{t / 1e6:.2f}M</text>')
el.append(f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">training tokens</text>')
el.append(f'<text x="14" y="{(T + H - B) / 2}" transform="rotate(-90 14 {(T + H - B) / 2})" text-anchor="middle">cross-entropy (nats/token)</text>')
for key, color in [('unigram', '#999'), ('bigram', '#d62728')]:
    if key in base:
        el.append(f'<line x1="{L}" x2="{W - R}" y1="{Y(base[key]):.1f}" y2="{Y(base[key]):.1f}" stroke="{color}" stroke-dasharray="6 4"/>')
        el.append(f'<text x="{W - R - 4}" y="{Y(base[key]) - 4:.1f}" text-anchor="end" fill="{color}">{key} baseline {base[key]:.3f}</text>')
el.append('<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="' + ' '.join(f'{X(t):.1f},{Y(v):.1f}' for t, v in tr) + '"/>')
el.append('<polyline fill="none" stroke="#2ca02c" stroke-width="2" points="' + ' '.join(f'{X(t):.1f},{Y(v):.1f}' for t, v in ho) + '"/>')
for t, v in ho:
    el.append(f'<circle cx="{X(t):.1f}" cy="{Y(v):.1f}" r="3" fill="#2ca02c"/>')
el.append(f'<text x="{L + 10}" y="{T + 14}" fill="#1f77b4">train loss (EMA, plain next-token CE)</text>')
el.append(f'<text x="{L + 10}" y="{T + 30}" fill="#2ca02c">held-out loss (256 fixed contexts)</text>')
el.append('</svg>')
open(os.path.join(out, 'curve.svg'), 'w').write('\n'.join(el))
print('wrote', os.path.join(out, 'curve.svg'))
