#!/usr/bin/env python3
"""Train a GPT-2-style byte-level BPE tokenizer on the train split.

Vocab: id 0 = <|endoftext|> (BOS/EOS), ids 1..256 = the 256 byte symbols (in byte order), then one id
per merge result (in merge order). Words = GPT-2 pre-tokenizer pieces of a ~SAMPLE_MB sample of the
train split (documents sampled uniformly). Each step merges the most frequent adjacent pair (ties:
lexicographically smallest pair). Writes tokenizer/{vocab.json, merges.txt, tokenizer_config.json}.

Usage: /usr/bin/python3 scripts/recipe/train_tokenizer.py [--vocab 6144]
"""
import argparse, collections, heapq, json, os, random, sys, time
sys.path.insert(0, os.path.dirname(__file__))
from fs_tokenizer import PAT, BYTE_ENCODER, EOT

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')

ap = argparse.ArgumentParser()
ap.add_argument('--vocab', type=int, default=6144)
ap.add_argument('--sample-mb', type=float, default=20)
ap.add_argument('--out', default=os.path.join(CACHE, 'tokenizer'))
args = ap.parse_args()

t0 = time.time()
rng = random.Random(0)
lines = open(os.path.join(CACHE, 'corpus', 'train.jsonl'), encoding='utf-8').read().split('\n')
total = sum(len(l) for l in lines)
keep_p = min(1.0, args.sample_mb * 1e6 / total)
wc = collections.Counter()
for l in lines:
    if not l or rng.random() > keep_p:
        continue
    t = json.loads(l)['text']
    wc.update(PAT.findall(t))
del lines
print(f'pieces: {len(wc)} unique, {sum(wc.values())} total, {time.time() - t0:.0f}s', flush=True)

byte_syms = [BYTE_ENCODER[b] for b in range(256)]
vocab = {EOT: 0}
for s in byte_syms:
    vocab[s] = len(vocab)
sym_str = [EOT] + byte_syms          # symbol id -> string (symbol ids here == token ids)
words, counts = [], []
for w, c in wc.items():
    words.append([vocab[BYTE_ENCODER[b]] for b in w.encode('utf-8')])
    counts.append(c)
del wc

pair_count = collections.defaultdict(int)
pair_words = collections.defaultdict(set)
for wi, w in enumerate(words):
    c = counts[wi]
    for a, b in zip(w, w[1:]):
        pair_count[(a, b)] += c
        pair_words[(a, b)].add(wi)


def key(p):
    return (-pair_count[p], sym_str[p[0]], sym_str[p[1]])


heap = [key(p) + (p,) for p in pair_count]
heapq.heapify(heap)
merges = []
while len(vocab) < args.vocab and heap:
    negc, _, _, p = heapq.heappop(heap)
    if pair_count.get(p, 0) != -negc or negc == 0:
        if pair_count.get(p, 0) > 0:
            heapq.heappush(heap, key(p) + (p,))
        continue
    a, b = p
    new_s = sym_str[a] + sym_str[b]
    if new_s in vocab:
        nid = vocab[new_s]
    else:
        nid = len(vocab)
        vocab[new_s] = nid
        sym_str.append(new_s)
    merges.append((sym_str[a], sym_str[b]))
    changed = set()
    for wi in list(pair_words[p]):
        w = words[wi]
        c = counts[wi]
        # remove old pairs
        for x, y in zip(w, w[1:]):
            pair_count[(x, y)] -= c
            changed.add((x, y))
        nw = []
        i = 0
        while i < len(w):
            if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                nw.append(nid)
                i += 2
            else:
                nw.append(w[i])
                i += 1
        for x, y in zip(w, w[1:]):
            pair_words[(x, y)].discard(wi)
        words[wi] = nw
        for x, y in zip(nw, nw[1:]):
            pair_count[(x, y)] += c
            pair_words[(x, y)].add(wi)
            changed.add((x, y))
    for q in changed:
        if pair_count.get(q, 0) > 0:
            heapq.heappush(heap, key(q) + (q,))
        elif q in pair_count:
            del pair_count[q]
    if len(merges) % 500 == 0:
        print(f'merges {len(merges)} vocab {len(vocab)} last {new_s!r} {time.time() - t0:.0f}s', flush=True)

os.makedirs(args.out, exist_ok=True)
json.dump(vocab, open(os.path.join(args.out, 'vocab.json'), 'w', encoding='utf-8'), ensure_ascii=False)
with open(os.path.join(args.out, 'merges.txt'), 'w', encoding='utf-8') as f:
    f.write('#version: 0.2\n')
    for a, b in merges:
        f.write(f'{a} {b}\n')
json.dump({'bosToken': EOT, 'eosToken': EOT, 'specialTokens': {EOT: 0}},
          open(os.path.join(args.out, 'tokenizer_config.json'), 'w'), indent=2)
print(f'done: vocab {len(vocab)}, merges {len(merges)}, {time.time() - t0:.0f}s')
