// Chain a model package's ONNX graphs in onnxruntime-node and compare with PyTorch reference outputs.
// Usage: NODE_PATH=/tmp/ortcheck/node_modules node scripts/recipe/verify_package.cjs <package dir> <check dir>
// <check dir>/check.json: {ids: [[...]], hooks: [names]}; check.bin: float32 logits [B,T,V] then each hook [B,T,d].
// Runs (1) one full call with P=0 and (2) KV-cached: first token with P=0, then one token at a time.
// Prints JSON {full: {logits: maxAbsDiff, hook...}, cached: {...}}.
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');

async function main() {
  const [pkg, chk] = process.argv.slice(2);
  const man = JSON.parse(fs.readFileSync(path.join(pkg, 'manifest.json'), 'utf8'));
  const check = JSON.parse(fs.readFileSync(path.join(chk, 'check.json'), 'utf8'));
  const buf = fs.readFileSync(path.join(chk, 'check.bin'));
  const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const S = async (f) => ort.InferenceSession.create(path.join(pkg, f));
  const embed = await S('embed.onnx'), unembed = await S('unembed.onnx');
  const blocks = [];
  for (let L = 0; L < man.nLayers; L++) blocks.push({ attn: await S(`blocks.${L}.attn.onnx`), mi: await S(`blocks.${L}.mlp_in.onnx`), mo: await S(`blocks.${L}.mlp_out.onnx`) });
  const B = check.ids.length, T = check.ids[0].length, V = man.dVocab, H = man.nHeads, dh = man.dHead;
  // reference offsets
  const refs = {}; let off = 0;
  refs.logits = ref.subarray(off, off + B * T * V); off += B * T * V;
  for (const h of check.hooks) { const d = man.hooks[h]; refs[h] = ref.subarray(off, off + B * T * d); off += B * T * d; }

  async function run(ids, pos, mask, past) { // ids: BigInt64Array [B,t]
    const t = ids.length / B;
    const acts = {};
    let r = (await embed.run({ input_ids: new ort.Tensor('int64', ids, [B, t]), position_ids: new ort.Tensor('int64', pos, [B, t]) })).resid;
    const present = [];
    for (let L = 0; L < man.nLayers; L++) {
      acts[`blocks.${L}.hook_resid_pre`] = r;
      const o = await blocks[L].attn.run({ resid_pre: r, attention_mask: mask, past_key: past[L][0], past_value: past[L][1] });
      acts[`blocks.${L}.hook_resid_mid`] = o.resid_mid;
      const mp = (await blocks[L].mi.run({ resid_mid: o.resid_mid })).mlp_post;
      acts[`blocks.${L}.mlp.hook_post`] = mp;
      r = (await blocks[L].mo.run({ resid_mid: o.resid_mid, mlp_post: mp })).resid_post;
      acts[`blocks.${L}.hook_resid_post`] = r;
      present.push([o.present_key, o.present_value]);
    }
    acts.logits = (await unembed.run({ resid: r })).logits;
    return { acts, present };
  }
  const emptyPast = () => Array.from({ length: man.nLayers }, () => [new ort.Tensor('float32', new Float32Array(0), [B, H, 0, dh]), new ort.Tensor('float32', new Float32Array(0), [B, H, 0, dh])]);
  const maxdiff = (a, b, t0, tn, d) => { // compare a [B,tn,d] (positions t0..t0+tn) with ref b [B,T,d]
    let m = 0;
    for (let bb = 0; bb < B; bb++) for (let t = 0; t < tn; t++) for (let i = 0; i < d; i++) {
      const x = a[(bb * tn + t) * d + i], y = b[(bb * T + t0 + t) * d + i];
      const e = Math.abs(x - y); if (!(e <= m)) m = e; // NaN -> propagates
    }
    return m;
  };
  const names = ['logits', ...check.hooks];
  const dims = { logits: V }; for (const h of check.hooks) dims[h] = man.hooks[h];
  // (1) full
  const ids = BigInt64Array.from(check.ids.flat().map(BigInt));
  const pos = BigInt64Array.from(Array.from({ length: B * T }, (_, i) => BigInt(i % T)));
  const full = await run(ids, pos, new ort.Tensor('float32', new Float32Array(B * T).fill(1), [B, T]), emptyPast());
  const res = { full: {}, cached: {} };
  for (const n of names) res.full[n] = maxdiff(full.acts[n].data, refs[n], 0, T, dims[n]);
  // (2) cached, one token at a time
  let past = emptyPast();
  for (const n of names) res.cached[n] = 0;
  for (let t = 0; t < T; t++) {
    const id1 = BigInt64Array.from(check.ids.map((row) => BigInt(row[t])));
    const p1 = BigInt64Array.from(Array(B).fill(BigInt(t)));
    const out = await run(id1, p1, new ort.Tensor('float32', new Float32Array(B * (t + 1)).fill(1), [B, t + 1]), past);
    past = out.present;
    for (const n of names) res.cached[n] = Math.max(res.cached[n], maxdiff(out.acts[n].data, refs[n], t, 1, dims[n]));
  }
  console.log(JSON.stringify(res));
}
main().catch((e) => { console.error(e); process.exit(1); });
