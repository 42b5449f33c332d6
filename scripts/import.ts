/**
 * `npm run import -- --model <model package> --sae <SAELens folder> [--sae …] [--corpus <file or folder>] [--tokens N]`
 * `npm run import -- --hf <Hugging Face checkpoint folder> [--out <package folder>] [--sae …]`
 * Validates, registers the model and SAEs, enqueues their dashboard jobs and shows a progress bar
 * with an ETA until they finish. With no job worker running it computes them in this process;
 * Ctrl-C stops at the next batch with a checkpoint, and the same command later resumes.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { disconnectDb } from "../lib/db/client";
import { currentDatabaseUrl, parseDatabaseUrl } from "../lib/db/connection";
import { closeRawSql } from "../lib/db/dashboards";
import { explainConnectionError } from "../lib/db/server";
import { describeRun, EtaEstimator, formatDuration, jobWorkerAlive, runsProgress } from "../lib/dashboards/follow";
import { enqueueDashboardRun } from "../lib/dashboards/jobs";
import { DEFAULT_TOKENS, runDashboards } from "../lib/dashboards/run";
import { importHfCheckpoint } from "../lib/hf/import";
import { describeImportError, importModelAndSaes } from "../lib/import";
import { createBoss, ensureQueues } from "../lib/jobs/boss";

const USAGE = `Usage: npm run import -- --model <model package folder> --sae <SAELens folder> [--sae <folder> …]
                       [--name <SAE name> …] [--corpus <file or folder>] [--tokens N]
                       [--context N] [--batch N] [--seed N] [--no-wait]
       npm run import -- --hf <Hugging Face checkpoint folder> [--out <package folder>] [--model-name <name>]
                       [--sae <SAELens folder> …] [same options as above]

--hf converts a checkpoint folder as downloaded (config.json, model.safetensors or a sharded
index, tokenizer files; architectures: gpt2) into a model package at --out (default
models/<folder name>), then imports it with the SAEs like --model. A failure leaves no package.

Validates the model package and every SAE (nothing is written if any check fails), registers them
(re-importing the same files changes nothing), and computes each SAE's dashboards on the corpus
(default ${DEFAULT_TOKENS.toLocaleString("en")} tokens) in the job worker, showing progress.
Without --corpus the SAEs are only registered.`;

function usage(message?: string): never {
  if (message) console.error(`✖ ${message}\n`);
  console.error(USAGE);
  process.exit(2);
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n <= 0) usage(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        model: { type: "string" }, hf: { type: "string" }, out: { type: "string" }, "model-name": { type: "string" }, sae: { type: "string", multiple: true }, name: { type: "string", multiple: true },
        corpus: { type: "string" }, tokens: { type: "string" }, context: { type: "string" }, batch: { type: "string" },
        seed: { type: "string" }, "no-wait": { type: "boolean" }, help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
    }).values;
  } catch (error) {
    usage((error as Error).message);
  }
  if (args.help) usage();
  if (args.hf && args.model) usage("give either --model or --hf, not both");
  if (!args.model && !args.hf) usage("--model or --hf is required");
  if (!args.sae?.length && !args.hf) usage("at least one --sae is required");

  const say = (line: string) => console.log(`  ${line}`);
  const common = {
    saeDirs: args.sae ?? [], saeNames: args.name, corpus: args.corpus,
    tokens: integer(args.tokens, "--tokens"), contextSize: integer(args.context, "--context"),
    batchSize: integer(args.batch, "--batch"), seed: integer(args.seed, "--seed"), onStep: say,
  };
  let result;
  if (args.hf) {
    const name = args["model-name"] ?? path.basename(path.resolve(args.hf));
    const out = args.out ?? path.join("models", name);
    console.log(`Converting ${args.hf} into a model package at ${out}, then validating and registering…`);
    const bar = new cliProgress.SingleBar({ format: " weights |{bar}| {value}/{total} tensors | {tensor}", hideCursor: true }, cliProgress.Presets.shades_classic);
    let started = false;
    try {
      ({ result } = await importHfCheckpoint({
        ...common, hfDir: args.hf, outDir: out, modelName: name,
        onTensor: (done, total, tensor) => {
          if (!started) bar.start(total, 0, { tensor });
          started = true;
          bar.update(done, { tensor: tensor.slice(0, 40) });
          if (done === total) bar.stop();
        },
      }));
    } finally {
      if (started) bar.stop();
    }
    if (!result) {
      say(`no --sae given: the package is written, not registered (npm run import -- --model ${out} --sae <folder>)`);
      return;
    }
  } else {
    console.log("Validating and registering…");
    result = await importModelAndSaes({ ...common, modelDir: args.model! });
  }
  const pending = result.saes.filter((s) => s.run && s.run.status !== "done");
  for (const sae of result.saes) {
    if (sae.run?.status === "done") say(`SAE ${sae.name}: dashboards already computed on this corpus`);
  }
  if (!args.corpus) say("no --corpus given: dashboards not computed");
  if (pending.length === 0) return;

  const boss = createBoss();
  await boss.start();
  await ensureQueues(boss);
  for (const sae of pending) await enqueueDashboardRun(boss, sae.run!.id);
  await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
  say(`enqueued dashboard jobs for ${pending.map((s) => s.name).join(", ")}`);
  if (args["no-wait"]) return;

  const runIds = pending.map((s) => s.run!.id);
  const names = new Map(pending.map((s) => [s.run!.id, s.name]));
  const stop = new AbortController();
  process.on("SIGINT", () => {
    if (stop.signal.aborted) process.exit(130);
    console.log("\nStopping at the next batch (the run resumes when you import again or a worker starts)…");
    stop.abort();
  });

  const inProcess = !(await jobWorkerAlive());
  if (inProcess) say("no job worker is running (npm start runs one): computing here");

  const bars = new cliProgress.MultiBar({
    format: " {name} |{bar}| {percentage}% | {message} | ETA {etaText}",
    hideCursor: true, clearOnComplete: false, stopOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  const bar = new Map(runIds.map((id) => [id, bars.create(1000, 0, { name: names.get(id)!.padEnd(16), message: "queued", etaText: "…" })]));
  const eta = new EtaEstimator();
  let finished = false;
  const refresh = async () => {
    const runs = await runsProgress(runIds);
    for (const run of runs) {
      bar.get(run.id)!.update(Math.round(run.progress * 1000), {
        name: names.get(run.id)!.padEnd(16),
        message: run.status === "running" || run.status === "queued" ? (run.message ?? run.phase).slice(0, 48) : run.status,
        etaText: run.status === "done" ? "0 s" : formatDuration(eta.secondsLeft(run)),
      });
    }
    return runs;
  };
  const poll = setInterval(() => void refresh().catch(() => undefined), 1000);

  let failures = 0;
  try {
    if (inProcess) {
      for (const id of runIds) {
        if (stop.signal.aborted) break;
        const outcome = await runDashboards(id, { owner: `import-cli:${process.pid}`, signal: stop.signal });
        if (outcome.status === "failed") failures += 1;
      }
    } else {
      for (;;) {
        const runs = await refresh();
        if (runs.every((r) => r.status === "done" || r.status === "failed") || stop.signal.aborted) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    finished = true;
  } finally {
    clearInterval(poll);
    const runs = await refresh().catch(() => []);
    bars.stop();
    if (finished) {
      for (const run of runs) {
        console.log(`  ${names.get(run.id)}: ${describeRun(run, null)}`);
        if (run.status === "failed") failures += inProcess ? 0 : 1;
      }
    }
  }
  if (failures > 0) process.exitCode = 1;
}

main()
  .catch((error) => {
    const code = (error as { code?: string }).code;
    if (code && /^(ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|28P01|28000|3D000)/.test(code)) {
      console.error(`\n✖ ${explainConnectionError(error, parseDatabaseUrl(currentDatabaseUrl()))}\n  (npm start runs the embedded database; or set DATABASE_URL)\n`);
    } else {
      const described = describeImportError(error);
      console.error(`\n✖ ${described.message}\n  [${described.code}]\n`);
    }
    process.exitCode = 1;
  })
  .finally(async () => {
    await closeRawSql().catch(() => undefined);
    await disconnectDb().catch(() => undefined);
  });
