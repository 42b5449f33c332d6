// ORT's profiler on the composed model graph, per op kind: where a step's time goes.
//   npx tsx scripts/bench/profile-model.ts [package dir = demo/model] [B,T,P = 1,1,64] [threads = cores] [--pieces]
// B rows × T new positions with P cached positions (1,1,64: a generation step; 8,128,0: a forward).
// Prints wall time per run, ORT's model_run time, the sum of kernel times, and the top op kinds.
import os from "node:os";
import path from "node:path";
import { readFile, readdir, rm } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { fusePiece } from "@/lib/model/fused-pieces";
import { composePieces, decodePiece } from "@/lib/model/graph-compose";
import { gpt2Layout } from "@/lib/model/package-layout";
import { planSegments } from "@/lib/model/run-plan";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const dir = args[0] ?? "demo/model";
const [B, T, P] = (args[1] ?? "1,1,64").split(",").map(Number);
const threads = Number(args[2] ?? os.availableParallelism());
const fused = !process.argv.includes("--pieces");
const runs = Number(process.env.RUNS ?? 30);

const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
const layout = gpt2Layout(manifest, { fused });
const pieces = await Promise.all(layout.files.map(async (spec, i) => {
  const piece = decodePiece(spec, await readFile(path.join(dir, spec.file)));
  return fused ? fusePiece(piece, layout.pieces[i], manifest)! : piece;
}));
const full = planSegments(layout.pieces, [], ["logits", ...layout.cache.map((c) => c.present)])[0];
const composed = composePieces("model", pieces, full.produced);
const prefix = path.join(os.tmpdir(), `fs-profile-${process.pid}`);
const session = await ort.InferenceSession.create(composed.bytes, {
  executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: threads,
  enableProfiling: true, profileFilePrefix: prefix, extra: { session: { intra_op: { allow_spinning: "0" } } },
});
const feeds: Record<string, ort.Tensor> = {
  input_ids: new ort.Tensor("int64", BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 7919) % manifest.dVocab)), [B, T]),
  position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: B * T }, (_, i) => BigInt(P + (i % T))), [B, T]),
  attention_mask: new ort.Tensor("float32", new Float32Array(B * (T + P)).fill(1), [B, T + P]),
};
for (const c of layout.cache) {
  const dims = c.dims(B, P);
  feeds[c.past] = new ort.Tensor("float32", new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.1), dims);
}
const fetch = ["logits", ...layout.cache.map((c) => c.present)];
for (let i = 0; i < 5; i++) await session.run(feeds, fetch);
const start = performance.now();
for (let i = 0; i < runs; i++) await session.run(feeds, fetch);
const wall = (performance.now() - start) / runs;
session.endProfiling();
await session.release();
const file = (await readdir(os.tmpdir())).find((f) => f.startsWith(path.basename(prefix)));
const events = JSON.parse(await readFile(path.join(os.tmpdir(), file!), "utf8"));
await rm(path.join(os.tmpdir(), file!));
const byOp: Record<string, number> = {};
let kernels = 0;
let modelRun = 0;
let sessionRuns = 0;
let nodes = 0;
for (const e of events) {
  if (e.cat === "Node" && String(e.name).endsWith("_kernel_time")) {
    byOp[e.args.op_name] = (byOp[e.args.op_name] ?? 0) + e.dur;
    kernels += e.dur;
    nodes += 1;
  }
  if (e.cat === "Session" && e.name === "model_run") {
    modelRun += e.dur;
    sessionRuns += 1;
  }
}
// the warm-up runs are in the profile too
const per = (us: number) => (us / sessionRuns / 1000).toFixed(3);
console.log(`${dir} (${fused ? "fused" : "package pieces"}), B${B} T${T} P${P}, ${threads} threads, load ${os.loadavg()[0].toFixed(2)}: wall ${wall.toFixed(3)} ms/run, ORT model_run ${per(modelRun)} ms, kernels ${per(kernels)} ms, ${Math.round(nodes / sessionRuns)} kernels/run`);
console.log("| op kind | ms/run | share of kernel time |\n|---|---:|---:|");
for (const [op, us] of Object.entries(byOp).sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`| ${op} | ${per(us)} | ${((100 * us) / kernels).toFixed(1)}% |`);
}
