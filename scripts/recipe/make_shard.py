#!/usr/bin/env python3
"""Write demo/corpus/heldout_shard.jsonl.gz: held-out documents for dashboards (>= 1M tokens).

One JSON object per line: {"id": "<src>#<n>", "src", "cat", "text", "nTokens"} where nTokens is the
token count of text with the demo tokenizer (no BOS). All held-out documents are written in corpus
order until MAX_TOKENS.  Usage: /usr/bin/python3 scripts/recipe/make_shard.py
"""
import gzip, json, os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
MAX_TOKENS = 2_500_000
docs = [json.loads(l) for l in open(os.path.join(CACHE, 'corpus', 'heldout.jsonl'), encoding='utf-8') if l.strip()]
meta = json.load(open(os.path.join(CACHE, 'tokens', 'heldout.docs.json')))
assert len(docs) == len(meta)
out = os.path.join(ROOT, 'demo', 'corpus', 'heldout_shard.jsonl.gz')
n_tok, n_doc, per = 0, 0, {}
with gzip.open(out, 'wt', encoding='utf-8', compresslevel=9) as f:
    for d, m in zip(docs, meta):
        if n_tok >= MAX_TOKENS:
            break
        k = per.get(d['src'], 0)
        per[d['src']] = k + 1
        f.write(json.dumps({'id': f"{d['src']}#{k}", 'src': d['src'], 'cat': d['cat'], 'text': d['text'], 'nTokens': m['length']},
                           ensure_ascii=False) + '\n')
        n_tok += m['length']
        n_doc += 1
print(f'{out}: {n_doc} documents, {n_tok} tokens, {os.path.getsize(out) / 1e6:.2f} MB')
