import * as m from 'cspell-trie-lib';
import fs from 'fs'; import zlib from 'zlib';
const [,, inp, out] = process.argv;
let buf = fs.readFileSync(inp); if (inp.endsWith('.gz')) buf = zlib.gunzipSync(buf);
const t = m.importTrie(buf.toString('utf8').split('\n'));
const root = t.root ?? t;
const ws = []; let n = 0;
const it = (typeof t.words === 'function') ? t.words() : m.iteratorTrieWords(root);
for (const w of it) { ws.push(w); if (++n >= 300000) break; }
fs.writeFileSync(out, ws.join('\n'));
console.log(inp, n);
