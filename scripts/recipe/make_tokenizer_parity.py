#!/usr/bin/env python3
"""Write demo/reference/tokenizer_parity.jsonl.gz: held-out strings with their token ids.

Each line: {"cat": category, "text": str, "ids": [int]} -- ids from fs_tokenizer.Encoder.encode (no BOS).
~12,000 strings: random substrings (random char cut points, so words/graphemes are cut too) of held-out
documents of every category, plus crafted edge cases (emoji ZWJ/flags/skin tones, odd whitespace and
control characters, contractions in odd case, combining marks, RTL marks, digits of many scripts,
the literal text "<|endoftext|>", long runs).
Usage: /usr/bin/python3 scripts/recipe/make_tokenizer_parity.py
"""
import gzip, json, os, random, sys
sys.path.insert(0, os.path.dirname(__file__))
from fs_tokenizer import Encoder

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
rng = random.Random(42)
enc = Encoder.load(os.path.join(CACHE, 'tokenizer'))
docs = [json.loads(l) for l in open(os.path.join(CACHE, 'corpus', 'heldout.jsonl'), encoding='utf-8') if l.strip()]
bycat = {}
for d in docs:
    bycat.setdefault(d['cat'], []).append(d['text'])
quota = {'prose': 3000, 'code': 2500, 'nonlatin': 2500, 'base64': 1000, 'json': 500, 'numbers': 400, 'urls': 300}
out = []
for cat, n in quota.items():
    texts = bycat[cat]
    for _ in range(n):
        t = rng.choice(texts)
        L = rng.choice([1, 2, 3, 5, 8, 13, 20, 40, 80, 160, 300])
        s = rng.randrange(0, max(1, len(t) - 1))
        out.append((cat, t[s:s + L]))

emoji = ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🇯🇵', '🇺🇸🇫🇷', '🏳️‍🌈', '❤️', '☺︎', '🧑🏿‍💻', '🤷‍♀️', '1️⃣', '©', '™', '🫠', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']
ws = [' ', '  ', '\t', '\n', '\r\n', '\n\n\n', '\u00a0', '\u2009', '\u3000', '\u200b', '\u2028', '\u2029', '\x0b', '\x0c',
      '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\u180e', '\ufeff', '\u202f', '\u205f', ' \t ', '    ', '\r']
words = ['hello', "don't", "DON'T", "it's", "IT'S", "we're", "I'm", "they'll", "she'd", "you've", "'s", "'S", 'thee', 'thou',
         'def', 'return', 'λ', 'ñ', 'é', 'e\u0301', 'ﬁ', 'Å', 'ß', 'İ', 'ǅ', 'ﷺ', 'שָׁלוֹם', 'مرحبا', '\u200fעברית\u200e', 'Ελληνικά',
         'Русский', '中文字符', '日本語のテキスト', '한국어', 'हिन्दी', 'ไทย', 'ქართული', 'Հայերեն', '١٢٣', '۴۵۶', '४२', '๓', '½', '²',
         '12345678901234567890', '3.14159', '-0.5e-10', '0x1F', 'aGVsbG8gd29ybGQ=', 'SGVsbG8=', '+/==', '<|endoftext|>',
         'https://example.com/a?b=c&d=e#f', '{"a": [1, 2, {"b": null}]}', 'x = [i**2 for i in range(10)]',
         'const f = (a) => a?.b ?? c;', '\\n', '\\u00e9', '...', '—', '“quoted”', '‘single’', '«»', '¿¡']
for _ in range(2000):
    parts = []
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        parts.append(rng.choice(emoji) if r < 0.25 else rng.choice(ws) if r < 0.55 else rng.choice(words))
    out.append(('edge', ''.join(parts)))
for ch in list(range(0, 0x80)) + list(range(0x80, 0x800, 7)) + list(range(0x800, 0xd800, 97)) + list(range(0xe000, 0x10000, 101)) + list(range(0x10000, 0x110000, 4099)):
    out.append(('edge', chr(ch) + chr(ch) + ' ' + chr(ch)))
for n in [1, 2, 50, 200, 1000]:
    out.append(('edge', 'a' * n))
    out.append(('edge', ' ' * n + 'x'))
    out.append(('edge', '\n' * n))
    out.append(('edge', '😀' * n))
out.append(('edge', ''))

os.makedirs(os.path.join(ROOT, 'demo', 'reference'), exist_ok=True)
path = os.path.join(ROOT, 'demo', 'reference', 'tokenizer_parity.jsonl.gz')
n = 0
with gzip.open(path, 'wt', encoding='utf-8', compresslevel=9) as f:
    for cat, t in out:
        try:
            t.encode('utf-8')
        except UnicodeEncodeError:
            continue
        ids = enc.encode(t)
        assert enc.decode_bytes(ids) == t.encode('utf-8')
        f.write(json.dumps({'cat': cat, 'text': t, 'ids': ids}, ensure_ascii=False) + '\n')
        n += 1
print('wrote', n, 'strings to', path, os.path.getsize(path), 'bytes')
