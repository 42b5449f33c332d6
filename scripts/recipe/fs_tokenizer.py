"""GPT-2 byte-level BPE encoder (the reference a TypeScript port must match exactly).

Pre-tokenizer: GPT-2's regex (python3-regex). Bytes -> printable chars: GPT-2's bytes_to_unicode.
Merges applied by rank with GPT-2's classic `bpe()` loop (repeatedly merge the lowest-ranked
adjacent pair present in the word, all non-overlapping occurrences left to right).
Special token `<|endoftext|>` is never produced from text: encode() treats it as ordinary text;
callers add BOS (id 0) themselves.
"""
import json, os
import regex as re

PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
EOT = '<|endoftext|>'


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}


def get_pairs(word):
    pairs = set()
    prev = word[0]
    for ch in word[1:]:
        pairs.add((prev, ch))
        prev = ch
    return pairs


class Encoder:
    def __init__(self, vocab, merges):
        self.encoder = vocab
        self.decoder = {v: k for k, v in vocab.items()}
        self.bpe_ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.cache = {}

    @classmethod
    def load(cls, d):
        vocab = json.load(open(os.path.join(d, 'vocab.json'), encoding='utf-8'))
        merges = []
        for line in open(os.path.join(d, 'merges.txt'), encoding='utf-8').read().split('\n'):
            if not line or line.startswith('#version'):
                continue
            a, b = line.split(' ')
            merges.append((a, b))
        return cls(vocab, merges)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        if len(word) == 1:
            self.cache[token] = word
            return word
        pairs = get_pairs(word)
        while True:
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float('inf')))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        if len(self.cache) < 2_000_000:
            self.cache[token] = word
        return word

    def encode(self, text):
        ids = []
        for piece in PAT.findall(text):
            t = ''.join(BYTE_ENCODER[b] for b in piece.encode('utf-8'))
            ids.extend(self.encoder[s] for s in self.bpe(t))
        return ids

    def decode_bytes(self, ids):
        return bytes(b for i in ids if self.decoder[i] != EOT for b in (BYTE_DECODER[c] for c in self.decoder[i]))

    def decode(self, ids):
        return self.decode_bytes(ids).decode('utf-8', errors='replace')
