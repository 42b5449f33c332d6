// `npm run bench:steer`: the cost of steering. Time to first token and tokens/s, default vs steered,
// measured (1) with the runtime directly — ModelSession.generate with and without the steering hook
// on the same seed — (2) through the inference service over HTTP, (3) in PyTorch on the same weights
// where /usr/bin/python3 has torch; then a load test: 20 concurrent steering requests must all
// finish or get 429, and the service must still answer afterwards. Writes "## Steering" in
// docs/BENCHMARKS.md (unless --no-write).
//   npm run bench:steer [-- --quick] [--no-write] [--url http://host:3200 --model-id 1 --sae-id 2 --feature 5]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { ApiError } from "@/lib/api/errors";
import { inferenceSecret } from "@/lib/inference/config";
import { inferenceStatus, inferenceSteer } from "@/lib/inference/client";
import type { ServiceSteerRequest } from "@/lib/inference/protocol";
import { runSteering } from "@/lib/inference/steering";
import { writeFixtureModelPackage } from "@/lib/model/fixtures";
import { gpt2WeightShapes } from "@/lib/model/gpt2-package";
import { steer, type FeatureIntervention } from "@/lib/model/interventions";
import { loadModelPackage, type ModelSession } from "@/lib/model/model";
import { encodeSafetensors } from "@/lib/safetensors/safetensors";
import { fixtureSae } from "@/lib/sae/fixtures";
import { loadSae } from "@/lib/sae/load";
import type { Sae } from "@/lib/sae/sae";
import { writeBenchmarkSection } from "./lib/benchmarks-doc";
import { ratioWithheld } from "./lib/torch-reference";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const quick = flag("--quick");
const noWrite = flag("--no-write");
const NEW_TOKENS = quick ? 16 : 48;
const ROUNDS = quick ? 3 : 7;
const LOAD_REQUESTS = 20;
const CLAMP_MULTIPLE = 10;
const PROMPT = "The old bridge across the river was built";

const median = (values: number[]) => { const s = [...values].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (ratio: number) => `${ratio >= 1 ? "+" : ""}${fmt((ratio - 1) * 100, 1)}%`;

interface Timing { ttftMs: number; tokensPerSecond: number; cpuMsPerToken?: number }
interface Row { label: string; ttftMs: number; tokensPerSecond: number; cpuMsPerToken?: number }

/** This process's CPU time (all threads, ms): unlike wall time, barely moved by other work on the machine. */
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Timestamps (wall and CPU) taken as each token comes out. */
class Stamps {
  readonly wall: number[] = [];
  readonly cpu: number[] = [];
  readonly start = performance.now();
  take = () => { this.wall.push(performance.now()); this.cpu.push(cpuMs()); };
}

/**
 * TTFT = prompt pass + first sample. Tokens/s = 1 / the median time between consecutive tokens:
 * on a CPU shared with other work a whole-run average mostly measures who else was running.
 * CPU ms/token = this process's CPU time from the first token to the last over the tokens between
 * (needs the work to run in this process; ORT's idle threads do not spin, see docs/RUNTIME.md).
 */
function fromStamps(stamps: Stamps, inProcess = true): Timing {
  const { wall, cpu } = stamps;
  const gaps = wall.slice(1).map((t, i) => t - wall[i]);
  return {
    ttftMs: wall[0] - stamps.start,
    tokensPerSecond: 1000 / median(gaps),
    cpuMsPerToken: inProcess && cpu.length > 1 ? (cpu[cpu.length - 1] - cpu[0]) / (cpu.length - 1) : undefined,
  };
}

async function timeGenerate(model: ModelSession, prompts: number[][], hooks: Parameters<ModelSession["generate"]>[1]["hooks"], follow?: (number | null)[]): Promise<Timing> {
  const stamps = new Stamps();
  await model.generate(prompts, {
    maxNewTokens: NEW_TOKENS, seed: 1, temperature: 0.7, topP: 0.9, stopAtEos: false, hooks, follow,
    onStep: stamps.take,
  });
  return fromStamps(stamps);
}

/** Runs each configuration ROUNDS times, interleaved so load changes hit all of them alike; medians. */
async function compare(configs: { label: string; run: () => Promise<Timing> }[]): Promise<Row[]> {
  for (const c of configs) await c.run(); // warm-up
  const samples = configs.map(() => [] as Timing[]);
  for (let r = 0; r < ROUNDS; r++) for (const [i, c] of configs.entries()) samples[i].push(await c.run());
  return configs.map((c, i) => {
    const cpu = samples[i].map((s) => s.cpuMsPerToken).filter((v): v is number => v !== undefined);
    return { label: c.label, ttftMs: median(samples[i].map((s) => s.ttftMs)), tokensPerSecond: median(samples[i].map((s) => s.tokensPerSecond)), cpuMsPerToken: cpu.length ? median(cpu) : undefined };
  });
}

function demoSaeDir(): string | undefined {
  const base = path.join(root, "demo/saes");
  if (!existsSync(base)) return undefined;
  const dirs = readdirSync(base).map((d) => path.join(base, d)).filter((d) => existsSync(path.join(d, "cfg.json")) && existsSync(path.join(d, "sae_weights.safetensors")));
  return dirs.find((d) => d.includes("resid1")) ?? dirs.find((d) => readFileSync(path.join(d, "cfg.json"), "utf8").includes("hook_resid_post")) ?? dirs[0];
}

/** The feature most active on the prompt's last tokens, and that activation as its clamp unit. */
async function pickFeature(model: ModelSession, sae: Sae, hookName: string, promptIds: number[]): Promise<{ index: number; maxActivation: number }> {
  const result = await model.forward([promptIds], { capture: [hookName] });
  const encoding = await sae.encode(result.activations[hookName]);
  let best = { index: 0, maxActivation: 0 };
  for (let t = 1; t < promptIds.length; t++) {
    for (let f = 0; f < sae.dSae; f++) {
      const v = encoding.featureActs[t * sae.dSae + f];
      if (v > best.maxActivation) best = { index: f, maxActivation: v };
    }
  }
  return best.maxActivation > 0 ? best : { index: 0, maxActivation: 1 };
}

function table(rows: Row[], baseline: Map<string, Row>): string {
  const withCpu = rows.some((r) => r.cpuMsPerToken !== undefined);
  return [
    `| configuration | time to first token (ms) | tokens/s |${withCpu ? " CPU ms/token |" : ""} vs default |`,
    `|---|---:|---:|${withCpu ? "---:|" : ""}---:|`,
    ...rows.map((r) => {
      const base = baseline.get(r.label);
      const cpu = withCpu ? ` ${r.cpuMsPerToken === undefined ? "—" : fmt(r.cpuMsPerToken, 2)} |` : "";
      const versus = base
        ? [`TTFT ${pct(r.ttftMs / base.ttftMs)}`, `tok/s ${pct(r.tokensPerSecond / base.tokensPerSecond)}`, ...(r.cpuMsPerToken !== undefined && base.cpuMsPerToken ? [`CPU/token ${pct(r.cpuMsPerToken / base.cpuMsPerToken)}`] : [])].join(", ")
        : "—";
      return `| ${r.label} | ${fmt(r.ttftMs)} | ${fmt(r.tokensPerSecond)} |${cpu} ${versus} |`;
    }),
  ].join("\n");
}

async function main() {
  const threads = Number(process.env.FEATURESCOPE_ORT_THREADS) || os.availableParallelism();
  const tmp = await mkdtemp(path.join(os.tmpdir(), "fs-bench-steer-"));
  const lines: string[] = [];
  const say = (line = "") => { console.log(line); lines.push(line); };
  let service: ReturnType<typeof spawn> | undefined;
  try {
    // ---- the model: demo/model with a demo SAE when both exist, else random weights of the demo's size
    const demoManifest = path.join(root, "demo/model/manifest.json");
    const demoSae = existsSync(demoManifest) ? demoSaeDir() : undefined;
    let modelDir: string; let saeDir: string; let source: string;
    const manifest = existsSync(demoManifest) ? JSON.parse(readFileSync(demoManifest, "utf8")) : { dModel: 128, nLayers: 2, nHeads: 4, dMlp: 512, nCtx: 128, dVocab: 6144 };
    const randomDir = path.join(tmp, "model");
    const fixture = await writeFixtureModelPackage(randomDir, { dModel: manifest.dModel, nHeads: manifest.nHeads, dMlp: manifest.dMlp, nLayers: manifest.nLayers, nCtx: manifest.nCtx, seed: 1 });
    const hook = `blocks.${manifest.nLayers - 1}.hook_resid_post`;
    const saeFixture = fixtureSae({ architecture: "topk", dIn: manifest.dModel, dSae: 8 * manifest.dModel, k: 32, seed: 2, hookName: hook });
    const randomSaeDir = path.join(tmp, "sae");
    await mkdir(randomSaeDir);
    await Promise.all([
      writeFile(path.join(randomSaeDir, "cfg.json"), JSON.stringify(saeFixture.config)),
      writeFile(path.join(randomSaeDir, "sae_weights.safetensors"), saeFixture.weightsBytes),
    ]);
    if (demoSae) { modelDir = path.join(root, "demo/model"); saeDir = demoSae; source = `demo/model with ${path.relative(root, demoSae)}`; }
    else { modelDir = randomDir; saeDir = randomSaeDir; source = `random weights of the demo model's size (demo ${existsSync(demoManifest) ? "SAEs" : "model"} absent), TopK SAE d_sae ${8 * manifest.dModel}, k 32`; }

    const model = await loadModelPackage(modelDir);
    const sae = await loadSae(saeDir);
    const hookName = sae.hookName ?? hook;
    const promptIds = model.encode(PROMPT);
    const feature = await pickFeature(model, sae, hookName, promptIds);
    say(`bench:steer — ${os.cpus()[0]?.model ?? "cpu"}, ${os.availableParallelism()} cores, ORT ${ort.env.versions.common}, ${threads} threads, provider ${model.executionProvider}`);
    say(`model: ${source}; hook ${hookName}; feature ${feature.index} clamped to ${CLAMP_MULTIPLE}× its activation on the prompt (${fmt(feature.maxActivation, 3)}); prompt ${promptIds.length} tokens, ${NEW_TOKENS} new tokens, temperature 0.7, seed 1; medians of ${ROUNDS} interleaved rounds`);

    // ---- 1. the runtime directly
    const clamp: FeatureIntervention[] = [{ kind: "clamp", feature: feature.index, multiple: CLAMP_MULTIPLE, maxActivation: feature.maxActivation }];
    const add: FeatureIntervention[] = [{ kind: "add", feature: feature.index, strength: 20 }];
    const saes = { get: (id: number) => (id === 1 ? { sae, hookName: hookName } : undefined) };
    const request: ServiceSteerRequest = {
      modelId: 1, prompt: PROMPT, features: [{ saeId: 1, index: feature.index, method: "clamp", value: CLAMP_MULTIPLE }],
      maxActivations: [feature.maxActivation], maxTokens: NEW_TOKENS, temperature: 0.7, topP: 0.9, seed: 1,
    };
    const runtimeRows = await compare([
      { label: "batch 1, default (no hooks)", run: () => timeGenerate(model, [promptIds], undefined) },
      { label: "batch 1, clamp hook (SAE encode + delta)", run: () => timeGenerate(model, [promptIds], [steer(sae, clamp, { hookName: hookName })]) },
      { label: "batch 1, add hook (no encode)", run: () => timeGenerate(model, [promptIds], [steer(sae, add, { hookName: hookName })]) },
      // the service's batch: default, steered, and the steered model reading the default text (row 2 follows row 0)
      { label: "batch 3, default ×2 + a row following row 0 (no hooks)", run: () => timeGenerate(model, [promptIds, promptIds, promptIds], undefined, [null, null, 0]) },
      {
        label: "batch 3, the service's run (rows 1–2 clamped, activations + both KLs)", run: async () => {
          const stamps = new Stamps();
          await runSteering(model, saes, request, (event) => { if (event.event === "token") stamps.take(); });
          return fromStamps(stamps);
        },
      },
    ]);
    const baseline = new Map<string, Row>([
      [runtimeRows[1].label, runtimeRows[0]], [runtimeRows[2].label, runtimeRows[0]], [runtimeRows[4].label, runtimeRows[3]],
    ]);
    const runtimeTable = table(runtimeRows, baseline);
    say("\nRuntime (lib/model generate, same seed):\n");
    say(runtimeTable);
    const clampOverhead = runtimeRows[0].tokensPerSecond / runtimeRows[1].tokensPerSecond - 1;
    const serviceOverhead = runtimeRows[3].tokensPerSecond / runtimeRows[4].tokensPerSecond - 1;
    const cpuOverhead = (steered: Row, base: Row) => (steered.cpuMsPerToken ?? NaN) / (base.cpuMsPerToken ?? NaN) - 1;
    const clampCpuOverhead = cpuOverhead(runtimeRows[1], runtimeRows[0]);
    const serviceCpuOverhead = cpuOverhead(runtimeRows[4], runtimeRows[3]);
    const loadDuringRuntime = os.loadavg()[0];
    const verdict = (o: number) => `${pct(1 + o)} (${o <= 0.1 ? "met" : "NOT met"})`;
    say(`\nPer-token overhead of clamp steering (batch 1): ${pct(1 + clampOverhead)} in wall time, ${pct(1 + clampCpuOverhead)} in CPU time; of the service's steered run vs the same unhooked batch of 3: ${verdict(serviceOverhead)} in wall time, ${verdict(serviceCpuOverhead)} in CPU time (target ≤ 10%; 1-minute load average ${fmt(loadDuringRuntime)} on ${os.availableParallelism()} cores).`);
    await model.dispose();

    // ---- 2. through the service
    const url = option("--url");
    let baseUrl: string; let secret: string; let modelId = 1; let saeId = 1; let featureIndex = feature.index; let maxActivation = feature.maxActivation;
    if (url) {
      baseUrl = url; secret = inferenceSecret();
      modelId = Number(option("--model-id") ?? 1); saeId = Number(option("--sae-id") ?? 1); featureIndex = Number(option("--feature") ?? 0); maxActivation = 1;
    } else {
      secret = "bench-steer-secret-0123456789abcdef";
      service = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/bench/steer-service.ts"), modelDir, saeDir, hookName, secret], {
        cwd: root, stdio: ["ignore", "pipe", "inherit"], env: process.env,
      });
      baseUrl = await new Promise<string>((resolve, reject) => {
        let out = "";
        service!.stdout!.on("data", (chunk) => { out += chunk; const m = /listening (\d+)/.exec(out); if (m) resolve(`http://127.0.0.1:${m[1]}`); });
        service!.once("exit", (code) => reject(new Error(`the bench service exited ${code}`)));
      });
    }
    const call = { baseUrl, secret };
    const steerRequest = (value: number, maxTokens = NEW_TOKENS): ServiceSteerRequest => ({
      modelId, prompt: PROMPT, features: [{ saeId, index: featureIndex, method: "clamp", value }], maxActivations: [maxActivation], maxTokens, temperature: 0.7, topP: 0.9, seed: 1,
    });
    const timeService = async (value: number): Promise<Timing> => {
      const stamps = new Stamps();
      for await (const event of inferenceSteer(steerRequest(value), call)) if (event.event === "token") stamps.take();
      return fromStamps(stamps, false);
    };
    const serviceRows = await compare([{ label: `service: default + steered (clamp ${CLAMP_MULTIPLE}×) in one request`, run: () => timeService(CLAMP_MULTIPLE) }]);
    const status = await inferenceStatus(call);
    const serviceTable = table(serviceRows, new Map());
    say(`\nThrough the inference service (${url ? url : "spawned, default limits"}; ${status.executionProvider}; client-side timings, both rows of one batch):\n`);
    say(serviceTable);
    say(`\nThe service always generates the default and the steered completion together with the steered model reading the default text (batch 3), so its tokens/s are per completion pair; compare with the batch-3 rows above. HTTP + SSE adds ${fmt(serviceRows[0].ttftMs - runtimeRows[4].ttftMs)} ms to the first token.`);

    // ---- 3. load test
    const loadTokens = 16;
    const started = performance.now();
    const outcomes = await Promise.all(Array.from({ length: LOAD_REQUESTS }, async (_, i) => {
      const t0 = performance.now();
      try {
        for await (const event of inferenceSteer(steerRequest(i % 2 ? CLAMP_MULTIPLE : -CLAMP_MULTIPLE, loadTokens), call)) void event;
        return { kind: "finished" as const, ms: performance.now() - t0 };
      } catch (error) {
        if (error instanceof ApiError && error.code === "rate_limited") return { kind: "429" as const, ms: performance.now() - t0, retryAfter: error.headers?.["Retry-After"] };
        return { kind: "failed" as const, ms: performance.now() - t0, message: (error as Error).message };
      }
    }));
    const wall = performance.now() - started;
    const after = await inferenceStatus(call).then((s) => s.ok).catch(() => false);
    const afterRun = after ? await (async () => { for await (const e of inferenceSteer(steerRequest(CLAMP_MULTIPLE, 4), call)) void e; return true; })().catch(() => false) : false;
    const count = (kind: string) => outcomes.filter((o) => o.kind === kind).length;
    const finishedMs = outcomes.filter((o) => o.kind === "finished").map((o) => o.ms);
    const failures = outcomes.filter((o) => o.kind === "failed").map((o) => ("message" in o ? o.message : ""));
    const loadOk = count("failed") === 0 && after && afterRun;
    const loadLine = `${LOAD_REQUESTS} concurrent steering requests (${loadTokens} tokens each; limits ${status.queue.maxConcurrent} running, ${status.queue.maxQueued} queued): ${count("finished")} finished (median ${fmt(median(finishedMs) / 1000, 2)} s, slowest ${fmt(Math.max(0, ...finishedMs) / 1000, 2)} s), ${count("429")} answered 429 with Retry-After, ${count("failed")} failed${failures.length ? ` (${[...new Set(failures)].join("; ")})` : ""}; all done in ${fmt(wall / 1000, 2)} s; afterwards /status ${after ? "ok" : "NOT ok"} and a new steering run ${afterRun ? "succeeded" : "FAILED"} → ${loadOk ? "PASS" : "FAIL"}.`;
    say(`\nLoad test: ${loadLine}`);

    // ---- 4. PyTorch on the same (random) weights
    let torchTable = "";
    let torchNote = "PyTorch reference skipped: `/usr/bin/python3 -c \"import torch\"` failed on this machine.";
    if (spawnSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" }).status === 0) {
      const weightsPath = path.join(tmp, "weights.safetensors");
      const shapes = gpt2WeightShapes(fixture.config);
      await writeFile(weightsPath, encodeSafetensors(Object.fromEntries(Object.entries(fixture.weights).map(([name, data]) => [name, { dtype: "F32" as const, shape: shapes[name], data }]))));
      const randomModel = await loadModelPackage(randomDir);
      const randomSae = await loadSae(randomSaeDir);
      const ids = randomModel.encode(PROMPT);
      const f = await pickFeature(randomModel, randomSae, hook, ids);
      const ortRows = await compare([
        { label: "ONNX Runtime, default", run: () => timeGenerate(randomModel, [ids], undefined) },
        { label: "ONNX Runtime, clamp", run: () => timeGenerate(randomModel, [ids], [steer(randomSae, [{ kind: "clamp", feature: f.index, multiple: CLAMP_MULTIPLE, maxActivation: f.maxActivation }], { hookName: hook })]) },
      ]);
      await randomModel.dispose();
      const job = path.join(tmp, "job.json");
      await writeFile(job, JSON.stringify({ threads, config: fixture.config, weights: weightsPath, sae: path.join(randomSaeDir, "sae_weights.safetensors"), saeK: 32, hook, prompt: ids, newTokens: NEW_TOKENS, rounds: ROUNDS, feature: f.index, clampValue: CLAMP_MULTIPLE * f.maxActivation }));
      const output = execFileSync("/usr/bin/python3", [path.join(root, "scripts/bench/torch_steer.py"), job], {
        encoding: "utf8", maxBuffer: 1 << 26,
        env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE", OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
      });
      const torch = JSON.parse(output.trim().split("\n").pop()!);
      const withheld = ratioWithheld(torch, threads);
      const rows: Row[] = [...ortRows, { label: `PyTorch ${torch.torch}, default`, ttftMs: torch.default.ttftMs, tokensPerSecond: torch.default.tokensPerSecond }, { label: `PyTorch ${torch.torch}, clamp`, ttftMs: torch.steered.ttftMs, tokensPerSecond: torch.steered.tokensPerSecond }];
      torchTable = table(rows, new Map([[rows[1].label, rows[0]], [rows[3].label, rows[2]]]));
      torchNote = `Same random weights, prompt and feature (batch 1, ${NEW_TOKENS} tokens; PyTorch greedy, ORT sampled); PyTorch on ${torch.blas} (${torch.blasPath}), ${torch.threads} threads. ` + (withheld
        ? `Ratios withheld: ${withheld}.`
        : `ONNX Runtime ÷ PyTorch tokens/s: default ${fmt(rows[0].tokensPerSecond / rows[2].tokensPerSecond, 2)}×, steered ${fmt(rows[1].tokensPerSecond / rows[3].tokensPerSecond, 2)}×.`);
      say("\nNext to PyTorch (random weights of the same size):\n");
      say(torchTable);
      say(`\n${torchNote}`);
    } else {
      say(`\n${torchNote}`);
    }

    const section = [
      "## Steering",
      "",
      `Measured by \`npm run bench:steer${quick ? " -- --quick" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "CPU"}, ${os.availableParallelism()} cores shared with other work (1-minute load average ${fmt(os.loadavg()[0])} at the end), onnxruntime-node ${ort.env.versions.common}, ${threads} threads, execution provider ${status.executionProvider}.`,
      `Model: ${source}; steering at ${hookName}, feature ${feature.index} clamped to ${CLAMP_MULTIPLE}× its activation on the prompt; ${promptIds.length}-token prompt, ${NEW_TOKENS} new tokens, temperature 0.7, top-p 0.9, seed 1; medians of ${ROUNDS} interleaved rounds. Time to first token includes the prompt pass; tokens/s is one over the median time between consecutive tokens; CPU ms/token is the benchmark process's CPU time (all threads) from the first token to the last per token, which other work on a shared CPU moves much less than wall time. Each row is the median over the rounds.`,
      "",
      "### Runtime (ModelSession.generate with and without the steering hook, same seed)",
      "",
      runtimeTable,
      "",
      `- Clamp steering at batch 1 (one SAE encode of the hook's last position per step, then a rank-1 update) costs ${pct(1 + clampOverhead)} per token in wall time and ${pct(1 + clampCpuOverhead)} in CPU time. The service's steered run (default and steered rows in one batch; per step one SAE encode carrying both this step's clamp input and the previous step's after-steering reading, one KL pass over the vocabulary) costs ${pct(1 + serviceOverhead)} in wall time and ${pct(1 + serviceCpuOverhead)} in CPU time over an unhooked batch of two. Target ≤ 10%: ${serviceOverhead <= 0.1 ? "met" : "NOT met"} by wall time, ${serviceCpuOverhead <= 0.1 ? "met" : "NOT met"} by CPU time (1-minute load average ${fmt(loadDuringRuntime)} on ${os.availableParallelism()} cores while measuring).`,
      "",
      "### Through the inference service (HTTP + SSE, client-side timings)",
      "",
      serviceTable,
      "",
      `- Load test: ${loadLine}`,
      "",
      ...(torchTable ? ["### Next to PyTorch (same random weights)", "", torchTable, "", `- ${torchNote}`, ""] : [`- ${torchNote}`, ""]),
      "GPU: not measured here (no CUDA provider on the development machines); the same script reports the CUDA provider when the service runs on one.",
      "",
    ].join("\n");
    if (!noWrite) await writeBenchmarkSection("Steering", section, path.join(root, "docs/BENCHMARKS.md"));
    if (!loadOk) process.exitCode = 1;
  } finally {
    service?.kill("SIGTERM");
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
