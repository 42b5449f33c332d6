/**
 * `npm run bench:dashboards [-- --quick] [-- --no-write]`: corpus tokens/s through model + SAE +
 * statistics (both dashboard passes, exactly the code a run uses), next to PyTorch doing exactly
 * pass 1's work on the same weights (forward to the hook — no later layers, no logits — SAE encode,
 * and the same per-feature counts, sums, maxima and top-20 contexts), rounds interleaved in one run;
 * and rows/s into PostgreSQL with COPY next to row-by-row INSERT of the same rows. PyTorch must
 * load an optimised BLAS and run the same thread count, else no ratio is printed (needs
 * /usr/bin/python3 with torch: apt-get install python3-torch libopenblas0-pthread). Writes the
 * "Dashboards" section of docs/BENCHMARKS.md.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { closeRawSql, copyInto, copyLine, rawSql } from "../lib/db/dashboards";
import { contextsFromEncoding } from "../lib/dashboards/sparse";
import { FirstPass, SecondPass, type ContextActivations } from "../lib/dashboards/statistics";
import { gpt2WeightShapes } from "../lib/model/gpt2-package";
import { writeFixtureModelPackage } from "../lib/model/fixtures";
import { loadModelPackage, tokenRows, type ModelSession } from "../lib/model";
import { encodeSafetensors } from "../lib/safetensors/safetensors";
import { fixtureSae } from "../lib/sae/fixtures";
import { loadSaeFromFiles, type Sae } from "../lib/sae";
import { writeBenchmarkSection } from "./lib/benchmarks-doc";
import { ratioWithheld, torchAvailable, TorchReference, TORCH_INSTALL_HINT } from "./lib/torch-reference";
import { importModelAndSaes } from "../lib/import";
import { disconnectDb } from "../lib/db/client";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const noWrite = args.has("--no-write");
const CONTEXTS = quick ? 32 : 128;
const BATCH = 16;
const COPY_ROWS = quick ? 2_000 : 20_000;
const INSERT_ROWS = quick ? 300 : 2_000;
const threads = Number(process.env.FEATURESCOPE_ORT_THREADS) || os.availableParallelism();

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const format = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function randomTokens(n: number, vocab: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return i === 0 ? 0 : 1 + (s % (vocab - 1));
  });
}

interface Timings {
  forward: number;
  encode: number;
  statistics: number;
  tokens: number;
}

/** Runs the two passes over `contexts` exactly as lib/dashboards/run.ts does, timing each stage. */
async function dashboardPasses(model: ModelSession, sae: Sae, hook: string, contexts: number[][], options: { firstPassOnly?: boolean } = {}): Promise<{ pass1: Timings; pass2: Timings; rows: number }> {
  const stage = async (batch: number[][], offset: number, timings: Timings): Promise<ContextActivations[]> => {
    let t = process.hrtime.bigint();
    const out = await model.forward(batch, { capture: [hook], logits: "none" });
    const acts = out.activations[hook];
    const x = new Float32Array(batch.reduce((s, b) => s + b.length, 0) * sae.dIn);
    const slices = [];
    let start = 0;
    for (let row = 0; row < batch.length; row++) {
      x.set(tokenRows(out, acts, row), start * sae.dIn);
      const tokenIds = Int32Array.from(batch[row]);
      const excluded = tokenIds.map((id) => (id === 0 ? 1 : 0)) as unknown as Uint8Array;
      slices.push({ contextIndex: offset + row, tokenIds, start, excluded: Uint8Array.from(excluded) });
      start += batch[row].length;
    }
    timings.forward += seconds(t);
    t = process.hrtime.bigint();
    const encoding = await sae.encode(x);
    timings.encode += seconds(t);
    timings.tokens += start;
    return contextsFromEncoding(encoding, slices);
  };
  const pass1: Timings = { forward: 0, encode: 0, statistics: 0, tokens: 0 };
  const first = new FirstPass(sae.dSae);
  for (let b = 0; b < contexts.length; b += BATCH) {
    const acts = await stage(contexts.slice(b, b + BATCH), b, pass1);
    const t = process.hrtime.bigint();
    for (const context of acts) first.add(context);
    pass1.statistics += seconds(t);
  }
  const pass2: Timings = { forward: 0, encode: 0, statistics: 0, tokens: 0 };
  if (options.firstPassOnly) return { pass1, pass2, rows: 0 };
  const second = new SecondPass(first);
  let rows = 0;
  for (let b = 0; b < contexts.length; b += BATCH) {
    const acts = await stage(contexts.slice(b, b + BATCH), b, pass2);
    const t = process.hrtime.bigint();
    for (const context of acts) rows += second.add(context).length;
    pass2.statistics += seconds(t);
  }
  return { pass1, pass2, rows };
}

async function databaseRates(): Promise<{ copy: number; insert: number; rowBytes: number } | { error: string }> {
  const sql = rawSql();
  const table = `"BenchDashboardRows_${process.pid}"`;
  const columns = ["featureIndex", "kind", "rank", "contextIndex", "tokenIds", "values", "maxValue", "maxPosition"];
  const row = (i: number) => {
    const tokenIds = Array.from({ length: 128 }, (_, t) => (i * 31 + t * 7) % 6144);
    const values = Array.from({ length: 128 }, (_, t) => ((i + t) % 17 === 0 ? Math.fround(((i * 13 + t) % 100) / 7) : 0));
    return [i % 4096, "top", i % 20, i % 8000, tokenIds, values, 14.1, 5] as const;
  };
  try {
    await sql.unsafe(`CREATE TABLE ${table} ("id" serial PRIMARY KEY, "featureIndex" int, "kind" "ExampleKind", "rank" int,
      "contextIndex" int, "tokenIds" int[], "values" real[], "maxValue" real, "maxPosition" int)`);
    let start = process.hrtime.bigint();
    await sql.begin(async (tx) => {
      await copyInto(tx, table, columns, (function* () {
        for (let i = 0; i < COPY_ROWS; i++) yield copyLine([...row(i)]);
      })());
    });
    const copy = COPY_ROWS / seconds(start);
    start = process.hrtime.bigint();
    for (let i = 0; i < INSERT_ROWS; i++) {
      const [f, kind, rank, context, tokenIds, values, maxValue, maxPosition] = row(i);
      await sql.unsafe(
        `INSERT INTO ${table} ("featureIndex", "kind", "rank", "contextIndex", "tokenIds", "values", "maxValue", "maxPosition")
         VALUES ($1, $2, $3, $4, $5::int[], $6::real[], $7, $8)`,
        [f, kind, rank, context, `{${tokenIds.join(",")}}`, `{${values.join(",")}}`, maxValue, maxPosition],
      );
    }
    const insert = INSERT_ROWS / seconds(start);
    const [{ bytes }] = await sql.unsafe(`SELECT (pg_total_relation_size('${table.replace(/"/g, "\"")}') / ${COPY_ROWS + INSERT_ROWS})::int AS bytes`);
    return { copy, insert, rowBytes: bytes as number };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await sql.unsafe(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}

/**
 * Scale-out: one whole dashboard run (the job worker's code: import, shards, merge, publish) on the
 * fixture model and SAE over a small corpus, by 1 worker process and by 2 worker processes sharing
 * the database (each with one ORT thread, as two machines would each run their own).
 */
async function workerTimes(modelDir: string, saeDir: string, tmp: string): Promise<{ one: number; two: number; tokens: number } | { error: string }> {
  try {
    const corpus = path.join(tmp, "corpus.jsonl");
    const words = ["the", "river", "ran", "over", "stones", "while", "def", "return", "x", "=", "42", "{", "}", "Paris", "spring"];
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    await writeFile(corpus, Array.from({ length: 600 }, () => JSON.stringify({ text: Array.from({ length: 40 + (next() % 60) }, () => words[next() % words.length]).join(" ") })).join("\n"));
    const tokens = quick ? 16_384 : 65_536;
    const time = async (workers: number) => {
      const imported = await importModelAndSaes({ modelDir, saeDirs: [saeDir], corpus, tokens, batchSize: 16, seed: 1 });
      const runId = imported.saes[0].run!.id;
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: workers }, (_, w) => new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/bench/dashboards-worker.ts"), String(runId), `bench-${workers}-${w}`], {
          env: { ...process.env, FEATURESCOPE_ORT_THREADS: "1", FEATURESCOPE_DASHBOARD_SHARDS: "4", FEATURESCOPE_BUILTIN_LABELS: "off" }, stdio: ["ignore", "ignore", "inherit"],
        });
        child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
      })));
      const elapsed = seconds(started);
      await rawSql()`DELETE FROM "DashboardRun" WHERE "id" = ${runId}`;
      return elapsed;
    };
    const one = await time(1);
    const two = await time(2);
    return { one, two, tokens };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function main() {
  const demoManifestPath = path.join(root, "demo/model/manifest.json");
  const demo = existsSync(demoManifestPath) ? JSON.parse(readFileSync(demoManifestPath, "utf8")) : undefined;
  const dims = demo
    ? { dModel: demo.dModel, nLayers: demo.nLayers, dMlp: demo.dMlp, dVocab: demo.dVocab, nCtx: demo.nCtx, nHeads: demo.nHeads }
    : { dModel: 256, nLayers: 2, dMlp: 1024, dVocab: 6144, nCtx: 128, nHeads: 4 };
  const hook = `blocks.${dims.nLayers - 1}.hook_resid_post`;
  const saeSpec = { architecture: "topk" as const, dIn: dims.dModel, dSae: 16 * dims.dModel, k: 32, seed: 2, hookName: hook };
  const loadAtStart = os.loadavg().map((l) => l.toFixed(2)).join(" / ");
  console.log(`bench:dashboards — ${os.cpus()[0]?.model ?? "cpu"}, ${os.availableParallelism()} cores, ORT threads ${threads}; load average (1/5/15 min) ${loadAtStart}`);
  console.log(`model: d_model ${dims.dModel}, ${dims.nLayers} layers, vocab ${dims.dVocab}, ctx ${dims.nCtx}${demo ? " (demo/model's dimensions)" : ""}, random weights; SAE: topk k=32, d_sae ${saeSpec.dSae} on ${hook}`);

  const tmp = await mkdtemp(path.join(os.tmpdir(), "fs-bench-dash-"));
  try {
    const fixture = await writeFixtureModelPackage(path.join(tmp, "model"), { ...dims, seed: 1 });
    const saeFixture = fixtureSae(saeSpec);
    const model = await loadModelPackage(path.join(tmp, "model"), { intraOpNumThreads: threads });
    const sae = await loadSaeFromFiles({ config: saeFixture.config, weights: saeFixture.weightsBytes }, { hookWidth: dims.dModel, intraOpNumThreads: threads });
    const contexts = Array.from({ length: CONTEXTS }, (_, c) => randomTokens(dims.nCtx, dims.dVocab, 100 + c));
    await dashboardPasses(model, sae, hook, contexts.slice(0, BATCH)); // warm-up
    const measured = await dashboardPasses(model, sae, hook, contexts);
    await model.dispose();
    await sae.dispose();
    const total = (t: Timings) => t.forward + t.encode + t.statistics;
    const pass1Rate = measured.pass1.tokens / total(measured.pass1);
    const pass2Rate = measured.pass2.tokens / total(measured.pass2);
    const dashboardRate = measured.pass1.tokens / (total(measured.pass1) + total(measured.pass2));
    const modelSaeRate = measured.pass1.tokens / (measured.pass1.forward + measured.pass1.encode);
    console.log(`pass 1: ${format(pass1Rate)} tok/s (forward ${format(measured.pass1.forward, 2)} s, SAE ${format(measured.pass1.encode, 2)} s, statistics ${format(measured.pass1.statistics, 2)} s)`);
    console.log(`pass 2: ${format(pass2Rate)} tok/s (statistics ${format(measured.pass2.statistics, 2)} s, ${measured.rows} example rows)`);

    // pass 1 side by side: ONNX Runtime (this code) and PyTorch doing the same work, alternating
    let torch: { rate: number; ortRate: number; version: string; blas: string; withheld?: string } | { skipped: string };
    if (torchAvailable()) {
      const shapes = gpt2WeightShapes(fixture.config);
      const weightsPath = path.join(tmp, "weights.safetensors");
      await writeFile(weightsPath, encodeSafetensors(Object.fromEntries(Object.entries(fixture.weights).map(([name, data]) => [
        name, { dtype: "F32" as const, shape: shapes[name], data },
      ]))));
      const saePath = path.join(tmp, "sae.safetensors");
      await writeFile(saePath, saeFixture.weightsBytes);
      const jobPath = path.join(tmp, "job.json");
      await writeFile(jobPath, JSON.stringify({ threads, config: fixture.config, weights: weightsPath, sae: saePath, saeK: saeSpec.k, hook }));
      const server = await TorchReference.start(root, jobPath, threads);
      const ortModel = await loadModelPackage(path.join(tmp, "model"), { intraOpNumThreads: threads });
      const ortSae = await loadSaeFromFiles({ config: saeFixture.config, weights: saeFixture.weightsBytes }, { hookWidth: dims.dModel, intraOpNumThreads: threads });
      const ortPass1 = async () => {
        const start = process.hrtime.bigint();
        await dashboardPasses(ortModel, ortSae, hook, contexts, { firstPassOnly: true });
        return seconds(start);
      };
      const torchPass1 = async () => (await server.call<{ seconds: number }>({ op: "dashboard_pass", contexts, batch: BATCH, bos: 0 })).seconds;
      await server.call({ op: "dashboard_pass", contexts: contexts.slice(0, BATCH), batch: BATCH, bos: 0 }); // warm-up
      const times = { ort: [] as number[], torch: [] as number[] };
      for (let r = 0; r < (quick ? 2 : 3); r++) {
        times.ort.push(await ortPass1());
        times.torch.push(await torchPass1());
      }
      await server.stop();
      await ortModel.dispose();
      await ortSae.dispose();
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
      const tokens = contexts.length * dims.nCtx;
      torch = {
        rate: tokens / med(times.torch), ortRate: tokens / med(times.ort), version: server.hello.torch,
        blas: `${server.hello.blas} (${server.hello.blasPath})`, withheld: ratioWithheld(server.hello, threads),
      };
      console.log(`pass 1 side by side (load ${os.loadavg()[0].toFixed(2)}): ONNX Runtime ${format(torch.ortRate)} tok/s, PyTorch ${torch.version} on ${torch.blas} ${format(torch.rate)} tok/s`);
      console.log(torch.withheld ? `ratio withheld: ${torch.withheld}` : `pass 1 × PyTorch: ${format(torch.ortRate / torch.rate, 2)}× (target ≥ 2×: ${torch.ortRate / torch.rate >= 2 ? "met" : "NOT met"})`);
    } else {
      torch = { skipped: `\`/usr/bin/python3 -c "import torch"\` failed on this machine (${TORCH_INSTALL_HINT})` };
      console.log(`PyTorch baseline skipped: ${torch.skipped}`);
    }

    const scale = await workerTimes(path.join(tmp, "model"), await (async () => {
      const dir = path.join(tmp, "sae");
      await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
      await writeFile(path.join(dir, "cfg.json"), JSON.stringify({
        architecture: "topk", d_in: dims.dModel, d_sae: saeSpec.dSae, k: saeSpec.k, dtype: "float32", apply_b_dec_to_input: false, normalize_activations: "none",
        metadata: { model_name: "bench", hook_name: hook, context_size: dims.nCtx, prepend_bos: true },
      }));
      await writeFile(path.join(dir, "sae_weights.safetensors"), saeFixture.weightsBytes);
      return dir;
    })(), tmp);
    if ("error" in scale) console.log(`scale-out: skipped (${scale.error})`);
    else console.log(`scale-out: one run of ${scale.tokens} tokens: 1 worker ${scale.one.toFixed(1)} s, 2 workers ${scale.two.toFixed(1)} s`);
    const db = await databaseRates();
    if ("error" in db) console.log(`database: skipped (${db.error})`);
    else console.log(`database: COPY ${format(db.copy)} rows/s, row-by-row INSERT ${format(db.insert)} rows/s (${format(db.copy / db.insert, 1)}×), ~${format(db.rowBytes)} bytes/row`);

    const when = new Date().toISOString().slice(0, 10);
    const lines = [
      "## Dashboards",
      "",
      `Measured by \`npm run bench:dashboards\` on ${when}: ${os.cpus()[0]?.model ?? "cpu"}, ${os.availableParallelism()} cores (load average 1/5/15 min ${loadAtStart} at the start, ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")} at the end), ORT threads ${threads}.`,
      "",
      `- Model: d_model ${dims.dModel}, ${dims.nLayers} layers, vocab ${dims.dVocab}, context ${dims.nCtx} (demo dimensions, random weights); SAE topk k=32, d_sae ${saeSpec.dSae} on \`${hook}\`; ${measured.pass1.tokens.toLocaleString("en")} corpus tokens, batches of ${BATCH} contexts.`,
      "- Dashboard throughput is the code a run uses: forward to the hook (no logits), SAE encode, sparse per-token bookkeeping; pass 1 (density, max, top-k heaps) and pass 2 (histograms, interval shares and samples, example rows).",
      "",
      "| stage | tokens/s |",
      "|---|---:|",
      `| pass 1: model + SAE + statistics | ${format(pass1Rate)} |`,
      `| pass 2: model + SAE + statistics + example rows | ${format(pass2Rate)} |`,
      `| whole dashboard (both passes) | ${format(dashboardRate)} |`,
      `| model + SAE only (ONNX Runtime, no logits) | ${format(modelSaeRate)} |`,
      ...("rate" in torch
        ? [
            `| pass 1 side by side: ONNX Runtime | ${format(torch.ortRate)} |`,
            `| pass 1 side by side: PyTorch ${torch.version} eager on ${torch.blas}, the same work (forward to the hook, SAE encode, counts, sums, maxima, top-20 contexts) | ${format(torch.rate)} |`,
          ]
        : [`| baseline: PyTorch — skipped: ${torch.skipped} | — |`]),
      "",
      "| whole run (import excluded: shards, merge, publish) | 1 worker | 2 workers |",
      "|---|---:|---:|",
      "error" in scale
        ? `| skipped: ${scale.error} | — | — |`
        : `| ${scale.tokens.toLocaleString("en")} corpus tokens, 4 shards, worker processes with 1 ORT thread each | ${format(scale.one, 1)} s | ${format(scale.two, 1)} s |`,
      "",
      "| database load | rows/s |",
      "|---|---:|",
      ...("error" in db
        ? [`| skipped: ${db.error} | — |`]
        : [
            `| COPY (one transaction, ${COPY_ROWS.toLocaleString("en")} example rows of 128 tokens) | ${format(db.copy)} |`,
            `| baseline: row-by-row INSERT (${INSERT_ROWS.toLocaleString("en")} rows, autocommit) | ${format(db.insert)} |`,
          ]),
      "",
      ...("rate" in torch
        ? [torch.withheld ? `Ratio withheld: ${torch.withheld}.` : `Pass 1 ÷ PyTorch doing the same work: ${format(torch.ortRate / torch.rate, 2)}× (target ≥ 2×), rounds alternating in one run (medians); ${threads} threads each.`, ""]
        : []),
      `Statistics are ${format((100 * (measured.pass1.statistics + measured.pass2.statistics)) / (total(measured.pass1) + total(measured.pass2)), 1)}% of the dashboard time; the rest is ONNX Runtime. A 1M-token demo run therefore takes about ${format(1_000_000 / dashboardRate / 60, 1)} min on this machine plus the quality metrics (3 forwards with logits over the held-out split).`,
      "",
    ];
    console.log(`\n${lines.join("\n")}`);
    if (!noWrite && !quick) {
      await writeBenchmarkSection("Dashboards", lines.join("\n"), path.join(root, "docs/BENCHMARKS.md"));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await closeRawSql();
    await disconnectDb();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
