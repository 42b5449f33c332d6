#!/usr/bin/env python3
"""Tokenize the corpus splits with the trained tokenizer.

Writes .cache/recipe/tokens/{train,heldout}.bin (uint16 token ids, each document followed by
<|endoftext|> = 0) and {split}.docs.json (per document: src, cat, token offset, length).
Usage: /usr/bin/python3 scripts/recipe/encode_corpus.py
"""
import json, os, sys, time
from multiprocessing import Pool
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from fs_tokenizer import Encoder

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
enc = None


def init():
    global enc
    enc = Encoder.load(os.path.join(CACHE, 'tokenizer'))


def work(texts):
    return [enc.encode(t) for t in texts]


if __name__ == '__main__':
    os.makedirs(os.path.join(CACHE, 'tokens'), exist_ok=True)
    for split in ['heldout', 'train']:
        t0 = time.time()
        docs = [json.loads(l) for l in open(os.path.join(CACHE, 'corpus', f'{split}.jsonl'), encoding='utf-8') if l.strip()]
        batches = [[d['text'] for d in docs[i:i + 200]] for i in range(0, len(docs), 200)]
        with Pool(2, initializer=init) as pool:
            res = [ids for b in pool.imap(work, batches) for ids in b]
        arr, meta, off = [], [], 0
        for d, ids in zip(docs, res):
            meta.append({'src': d['src'], 'cat': d['cat'], 'offset': off, 'length': len(ids)})
            arr.extend(ids)
            arr.append(0)
            off += len(ids) + 1
        np.array(arr, dtype=np.uint16).tofile(os.path.join(CACHE, 'tokens', f'{split}.bin'))
        json.dump(meta, open(os.path.join(CACHE, 'tokens', f'{split}.docs.json'), 'w'))
        nbytes = sum(len(d['text'].encode('utf-8')) for d in docs)
        print(f'{split}: {len(docs)} docs, {off} tokens, {nbytes / off:.2f} bytes/token, {time.time() - t0:.0f}s', flush=True)
