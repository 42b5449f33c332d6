"""Regenerates bpe.fixture.json: a tiny byte-level BPE (trained here on a few sentences) and the
ids the recipe's Python encoder (scripts/recipe/fs_tokenizer.py) gives for test strings.
  /usr/bin/python3 lib/model/tokenizer/bpe.fixture.gen.py
"""
import collections, json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../scripts/recipe"))
from fs_tokenizer import BYTE_ENCODER, PAT, Encoder

train = ("the cat sat on the mat. the other cat ate the rat! They're there; it's theirs. "
         "def the_function(x): return x + 1  # the end\n\n1234 + 5678 = 6912. Привет мир, привет. 你好你好")
words = collections.Counter(tuple(BYTE_ENCODER[b] for b in p.encode()) for p in PAT.findall(train))
vocab = {"<|endoftext|>": 0}
for b in range(256):
    vocab[BYTE_ENCODER[b]] = len(vocab)
merges = []
for _ in range(80):
    pairs = collections.Counter()
    for w, n in words.items():
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += n
    if not pairs:
        break
    (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
    merges.append((a, b))
    vocab[a + b] = len(vocab)
    new = collections.Counter()
    for w, n in words.items():
        out, i = [], 0
        while i < len(w):
            if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                out.append(a + b); i += 2
            else:
                out.append(w[i]); i += 1
        new[tuple(out)] += n
    words = new
enc = Encoder(vocab, merges)
tests = ["the cat sat on the mat", "They're the other theirs", "  the  end  \n\n", "def f(x): return x+1",
         "1234567890", "Привет, мир!", "你好世界", "😀 emoji", "tab\tthe\tcat", "<|endoftext|> is text",
         "thethethe", "rat-a-tat", "ÿþ bytes", "", "mat.mat.mat"]
cases = [{"text": t, "ids": enc.encode(t), "decoded": enc.decode(enc.encode(t))} for t in tests]
json.dump({"vocab": vocab, "merges": [" ".join(m) for m in merges], "cases": cases},
          open(os.path.join(os.path.dirname(__file__), "bpe.fixture.json"), "w"), ensure_ascii=True)
print(len(merges), "merges", len(cases), "cases")
