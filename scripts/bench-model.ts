// `npm run bench:model [-- --quick] [--no-gpt2] [--no-write]`: forward and generation throughput of
// the ONNX Runtime model runtime next to PyTorch eager on the same random weights, measured side by
// side in one run (rounds interleaved, medians), next to the FLOP ideal at a MatMul rate measured
// in the same run. Two shapes: the demo model's dimensions and GPT-2 small's (12 layers, d_model
// 768, vocab 50,257). PyTorch must load an optimised BLAS (checked in /proc/self/maps) and run the
// same thread count, else no "× PyTorch" ratio is printed. Writes "## Model runtime" in
// docs/BENCHMARKS.md. Needs /usr/bin/python3 with torch for the ratios (TORCH_INSTALL_HINT).
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { createSession } from "@/lib/model/execution-provider";
import { writeFixtureModelPackage } from "@/lib/model/fixtures";
import { gpt2WeightShapes } from "@/lib/model/gpt2-package";
import { loadModelPackage, type ModelSession } from "@/lib/model/model";
import { OnnxGraphBuilder } from "@/lib/model/onnx-graph";
import { encodeSafetensors } from "@/lib/safetensors/safetensors";
import { writeBenchmarkSection } from "./lib/benchmarks-doc";
import { ratioWithheld, torchAvailable, TorchReference, TORCH_INSTALL_HINT, type TorchHello } from "./lib/torch-reference";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const noWrite = args.has("--no-write") || quick;
const withGpt2 = !args.has("--no-gpt2");
const BATCH = quick ? 2 : 8;
const GENERATE_TOKENS = quick ? 16 : 64;
const ROUNDS = quick ? 2 : 5;
const SAMPLING = { temperature: 0.7, topP: 0.9 };
const threads = Number(process.env.FEATURESCOPE_ORT_THREADS) || os.availableParallelism();
const spinning = process.env.FEATURESCOPE_ORT_SPINNING === "1";

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const format = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" / ");

async function matmulRate(): Promise<number> {
  const n = 512;
  const g = new OnnxGraphBuilder("matmul");
  g.output(g.op("MatMul", [g.input("a", "float32", [n, n]), g.input("b", "float32", [n, n])]), "c", "float32", [n, n]);
  const { session } = await createSession(g.toModelBytes(), { intraOpNumThreads: threads });
  const a = new ort.Tensor("float32", Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), [n, n]);
  for (let i = 0; i < 5; i++) await session.run({ a, b: a });
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const runs = 10;
    const start = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) await session.run({ a, b: a });
    best = Math.max(best, (runs * 2 * n ** 3) / seconds(start));
  }
  await session.release();
  return best;
}

interface Dims { dModel: number; nLayers: number; dMlp: number; dVocab: number; nCtx: number; nHeads: number }

/** FLOPs (2 × multiply-adds) per position at context length `context`: projections, attention, logits. */
function flopsPerToken(d: Dims, context: number): number {
  const perLayer = 2 * (3 * d.dModel ** 2 + d.dModel ** 2 + 2 * d.dModel * d.dMlp) + 2 * 2 * context * d.dModel;
  return d.nLayers * perLayer + 2 * d.dModel * d.dVocab;
}

function randomTokens(count: number, vocab: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, (_, i) => {
    state = (state * 1103515245 + 12345) >>> 0;
    return i === 0 ? 0 : 1 + (state % (vocab - 1));
  });
}

interface ShapeResult {
  name: string;
  dims: Dims;
  seqLen: number;
  ort: { forward: number; generate?: number };
  torch?: { forward: number; generate?: number; maxLogitDiff: number; sameGreedy?: boolean };
  hello?: TorchHello;
  idealForward: number;
  idealGenerate: number;
}

/** One shape: a random-weight package for ORT, the same weights for PyTorch, interleaved rounds. */
async function measureShape(name: string, dims: Dims, rate: number, tmp: string, options: { generation: boolean; rounds: number }): Promise<ShapeResult> {
  const seqLen = quick ? 32 : Math.min(128, dims.nCtx);
  const dir = path.join(tmp, name.replace(/\W+/g, "-"));
  console.log(`\n[${name}] d_model ${dims.dModel}, ${dims.nLayers} layers, d_mlp ${dims.dMlp}, vocab ${dims.dVocab}: writing random weights…`);
  const fixture = await writeFixtureModelPackage(dir, { ...dims, seed: 1 });
  const model = await loadModelPackage(dir, { intraOpNumThreads: threads });
  console.log(`[${name}] ONNX Runtime graph: ${model.layout.fused ? "fused kernels" : "package pieces"}, provider ${model.executionProvider}`);
  const ids = Array.from({ length: BATCH }, (_, b) => randomTokens(seqLen, dims.dVocab, 17 + b));
  const prompt = randomTokens(16, dims.dVocab, 5);
  const result: ShapeResult = {
    name, dims, seqLen, ort: { forward: 0 },
    idealForward: rate / flopsPerToken(dims, (seqLen + 1) / 2),
    idealGenerate: rate / flopsPerToken(dims, 16 + GENERATE_TOKENS / 2),
  };
  let torch: TorchReference | undefined;
  if (torchAvailable()) {
    const shapes = gpt2WeightShapes(fixture.config);
    const weightsPath = path.join(tmp, `${path.basename(dir)}.safetensors`);
    await writeFile(weightsPath, encodeSafetensors(Object.fromEntries(Object.entries(fixture.weights).map(([n, data]) => [n, { dtype: "F32" as const, shape: shapes[n], data }]))));
    const jobPath = path.join(tmp, `${path.basename(dir)}.json`);
    await writeFile(jobPath, JSON.stringify({ threads, config: fixture.config, weights: weightsPath }));
    torch = await TorchReference.start(root, jobPath, threads);
    result.hello = torch.hello;
    console.log(`[${name}] PyTorch ${torch.hello.torch}, BLAS ${torch.hello.blas} (${torch.hello.blasPath}), ${torch.hello.threads} threads`);
    const { logits } = await torch.call<{ logits: number[] }>({ op: "logits", ids: [ids[0]] });
    const mine = (await model.forward([ids[0]])).logits!;
    let maxLogitDiff = 0;
    logits.forEach((v, i) => { maxLogitDiff = Math.max(maxLogitDiff, Math.abs(v - mine[i])); });
    result.torch = { forward: 0, maxLogitDiff };
  }

  const ortForward = async () => {
    const start = process.hrtime.bigint();
    await model.forward(ids, { logits: "all" });
    return seconds(start);
  };
  const torchForward = async () => (await torch!.call<{ seconds: number }>({ op: "forward", ids })).seconds;
  await ortForward();
  if (torch) await torchForward();
  const times = { ort: [] as number[], torch: [] as number[] };
  for (let r = 0; r < options.rounds; r++) {
    times.ort.push(await ortForward());
    if (torch) times.torch.push(await torchForward());
  }
  const tokens = BATCH * seqLen;
  result.ort.forward = tokens / median(times.ort);
  if (torch) result.torch!.forward = tokens / median(times.torch);
  console.log(`[${name}] forward ${BATCH}×${seqLen}, all logits: ORT ${format(result.ort.forward)} tok/s${torch ? `, PyTorch ${format(result.torch!.forward)} tok/s` : ""} (load ${load()})`);

  if (options.generation) {
    const ortGenerate = async (sampling: typeof SAMPLING | { temperature: 0 }) => {
      const start = process.hrtime.bigint();
      const [out] = await model.generate([prompt], { maxNewTokens: GENERATE_TOKENS, ...sampling, seed: 3, stopAtEos: false });
      return { seconds: seconds(start), tokens: out.tokens };
    };
    const torchGenerate = (sampling: typeof SAMPLING | { temperature: 0 }) =>
      torch!.call<{ seconds: number; tokens: number[] }>({ op: "generate", prompt, tokens: GENERATE_TOKENS, seed: 3, ...sampling });
    if (torch) {
      const [a, b] = [await ortGenerate({ temperature: 0 }), await torchGenerate({ temperature: 0 })];
      result.torch!.sameGreedy = a.tokens.join() === b.tokens.join();
    }
    await ortGenerate(SAMPLING);
    const gen = { ort: [] as number[], torch: [] as number[] };
    for (let r = 0; r < options.rounds; r++) {
      gen.ort.push((await ortGenerate(SAMPLING)).seconds);
      if (torch) gen.torch.push((await torchGenerate(SAMPLING)).seconds);
    }
    result.ort.generate = GENERATE_TOKENS / median(gen.ort);
    if (torch) result.torch!.generate = GENERATE_TOKENS / median(gen.torch);
    console.log(`[${name}] generation batch 1, ${GENERATE_TOKENS} tokens sampled: ORT ${format(result.ort.generate, 1)} tok/s${torch ? `, PyTorch ${format(result.torch!.generate!, 1)} tok/s` : ""} (load ${load()})`);
  }
  await torch?.stop();
  await model.dispose();
  return result;
}

/** The trained demo/model itself (ORT only): forward and generation at the same settings. */
async function measureDemoModel(): Promise<{ forward: number; generate: number } | undefined> {
  if (!existsSync(path.join(root, "demo/model/manifest.json"))) return undefined;
  const model: ModelSession = await loadModelPackage(path.join(root, "demo/model"), { intraOpNumThreads: threads });
  const seqLen = quick ? 32 : Math.min(128, model.manifest.nCtx);
  const ids = Array.from({ length: BATCH }, (_, b) => randomTokens(seqLen, model.manifest.dVocab, 17 + b));
  const prompt = model.encode("The old bridge across the river was built");
  await model.forward(ids);
  const f: number[] = [];
  const g: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let start = process.hrtime.bigint();
    await model.forward(ids);
    f.push(seconds(start));
    start = process.hrtime.bigint();
    await model.generate([prompt], { maxNewTokens: GENERATE_TOKENS, ...SAMPLING, seed: r, stopAtEos: false });
    g.push(seconds(start));
  }
  await model.dispose();
  return { forward: (BATCH * seqLen) / median(f), generate: GENERATE_TOKENS / median(g) };
}

interface Target { what: string; value: number; goal: number; unit: string }

async function main() {
  const demoManifestPath = path.join(root, "demo/model/manifest.json");
  const demo = existsSync(demoManifestPath) ? JSON.parse(readFileSync(demoManifestPath, "utf8")) : undefined;
  const demoDims: Dims = demo
    ? { dModel: demo.dModel, nLayers: demo.nLayers, dMlp: demo.dMlp, dVocab: demo.dVocab, nCtx: demo.nCtx, nHeads: demo.nHeads }
    : { dModel: 128, nLayers: 2, dMlp: 512, dVocab: 6144, nCtx: 128, nHeads: 4 };
  const gpt2Dims: Dims = { dModel: 768, nLayers: 12, dMlp: 3072, dVocab: 50257, nCtx: 1024, nHeads: 12 };
  const loadAtStart = load();
  console.log(`bench:model — ${os.cpus()[0]?.model ?? "cpu"}, ${os.availableParallelism()} cores, ORT threads ${threads}, spinning ${spinning ? "on" : "off"}; load average (1/5/15 min) ${loadAtStart}`);
  if (!torchAvailable()) console.log(`PyTorch not found at /usr/bin/python3: no ratios. Install: ${TORCH_INSTALL_HINT}`);
  const rate = await matmulRate();
  console.log(`ORT 512³ MatMul: ${format(rate / 1e9, 1)} GFLOP/s`);

  const tmp = await mkdtemp(path.join(os.tmpdir(), "fs-bench-"));
  const shapes: ShapeResult[] = [];
  let demoModel: { forward: number; generate: number } | undefined;
  try {
    shapes.push(await measureShape("demo dimensions", demoDims, rate, tmp, { generation: true, rounds: ROUNDS }));
    if (withGpt2 && !quick) shapes.push(await measureShape("GPT-2 small shape", gpt2Dims, rate, tmp, { generation: false, rounds: 3 }));
    demoModel = await measureDemoModel();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const loadAtEnd = load();

  const rows: string[] = [];
  const targets: Target[] = [];
  const withheld = new Set<string>();
  for (const s of shapes) {
    const reason = s.hello ? ratioWithheld(s.hello, threads) : `PyTorch not installed (${TORCH_INSTALL_HINT})`;
    if (reason) withheld.add(reason);
    const ratio = (a?: number, b?: number) => (reason || !a || !b ? "—" : `${format(a / b, 2)}×`);
    rows.push(`| ${s.name}: ONNX Runtime | ${format(s.ort.forward)} | ${format(s.ort.forward / s.idealForward, 2)} | ${ratio(s.ort.forward, s.torch?.forward)} | ${s.ort.generate ? format(s.ort.generate, 1) : "—"} | ${s.ort.generate ? format(s.ort.generate / s.idealGenerate, 3) : "—"} | ${ratio(s.ort.generate, s.torch?.generate)} |`);
    if (s.torch) {
      rows.push(`| ${s.name}: PyTorch ${s.hello!.torch} eager (${s.hello!.blas}) | ${format(s.torch.forward)} | ${format(s.torch.forward / s.idealForward, 2)} | 1× | ${s.torch.generate ? format(s.torch.generate, 1) : "—"} | ${s.torch.generate ? format(s.torch.generate / s.idealGenerate, 3) : "—"} | ${s.torch.generate ? "1×" : "—"} |`);
    }
    rows.push(`| ${s.name}: ideal (counted FLOPs ÷ MatMul rate) | ${format(s.idealForward)} | 1.00 | | ${s.ort.generate ? format(s.idealGenerate, 1) : "—"} | ${s.ort.generate ? "1.000" : "—"} | |`);
    const isGpt2 = s.dims.nLayers === 12;
    targets.push({ what: `${s.name}: forward of ideal`, value: s.ort.forward / s.idealForward, goal: isGpt2 ? 0.6 : 0.7, unit: "" });
    if (s.torch && !reason) {
      targets.push({ what: `${s.name}: forward × PyTorch`, value: s.ort.forward / s.torch.forward, goal: isGpt2 ? 1.0 : 1.5, unit: "×" });
      if (s.ort.generate && s.torch.generate) targets.push({ what: `${s.name}: generation × PyTorch`, value: s.ort.generate / s.torch.generate, goal: 3, unit: "×" });
    }
  }
  if (demoModel) rows.push(`| trained demo/model: ONNX Runtime | ${format(demoModel.forward)} | | | ${format(demoModel.generate, 1)} | | |`);
  const table = [
    "| runtime | forward tok/s | of ideal | × PyTorch | generation tok/s | of ideal | × PyTorch |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
  console.log(`\n${table}\n`);
  const targetLines = targets.map((t) => `${t.value >= t.goal ? "met" : "NOT met"}: ${t.what} ${format(t.value, 2)}${t.unit} (target ≥ ${t.goal}${t.unit})`);
  for (const line of targetLines) console.log(line);
  for (const reason of withheld) console.log(`ratios withheld: ${reason}`);
  const checks = shapes.filter((s) => s.torch).map((s) => `${s.name}: max |logit difference| ORT vs PyTorch ${s.torch!.maxLogitDiff.toExponential(2)}${s.torch!.sameGreedy === undefined ? "" : `; greedy generations ${s.torch!.sameGreedy ? "identical" : "differ"}`}`);
  for (const line of checks) console.log(line);
  console.log(`load average (1/5/15 min): ${loadAtStart} at the start, ${loadAtEnd} at the end`);

  const hello = shapes.find((s) => s.hello)?.hello;
  const section = [
    "## Model runtime",
    "",
    `Measured by \`npm run bench:model\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "CPU"}, ${os.availableParallelism()} cores; load average (1/5/15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end; onnxruntime-node ${ort.env.versions.common}, ${threads} threads for both runtimes, spin-waiting ${spinning ? "on" : "off"}; ${hello ? `PyTorch ${hello.torch} with ${hello.blas} (${hello.blasPath}), ${hello.threads} threads` : "no PyTorch"}. ORT 512³ MatMul: ${format(rate / 1e9, 1)} GFLOP/s.`,
    "",
    `- Forward: batch ${BATCH} × ${shapes[0]?.seqLen ?? 128} tokens, all logits returned. Generation: batch 1, 16-token prompt, ${GENERATE_TOKENS} new tokens with the KV cache, sampled (temperature ${SAMPLING.temperature}, top-p ${SAMPLING.topP}) in both runtimes.`,
    "- Both runtimes run the same random weights, alternating rounds in one run (medians of the rounds); ideal = counted matmul FLOPs (projections, causal attention at mean context, logits) ÷ the MatMul rate.",
    "",
    table,
    "",
    ...targetLines.map((l) => `- ${l}`),
    ...[...withheld].map((r) => `- Ratios withheld: ${r}`),
    ...checks.map((l) => `- ${l}`),
    "",
  ].join("\n");
  if (!noWrite) await writeBenchmarkSection("Model runtime", section, path.join(root, "docs/BENCHMARKS.md"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
