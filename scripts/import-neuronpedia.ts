/**
 * `npm run import:neuronpedia -- --model <model package> --sae <SAELens folder> --export <Neuronpedia export folder>`
 * Registers the model and SAE (validated as for `npm run import`), then loads the export's
 * features, activations and explanations batches into the same tables, resumably (run it again
 * after an interruption and it continues with the next batch file). Re-importing keeps what people did
 * to the imported labels (docs/IMPORT.md, "Re-importing"); the label counts are printed at the end.
 */
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { disconnectDb } from "../lib/db/client";
import { closeRawSql } from "../lib/db/dashboards";
import { formatDuration, jobWorkerAlive, runsProgress, EtaEstimator } from "../lib/dashboards/follow";
import { enqueueDashboardRun } from "../lib/dashboards/jobs";
import { describeImportError, importModelAndSaes } from "../lib/import";
import { createNeuronpediaRun, labelImportSummary, runNeuronpediaImport } from "../lib/import/neuronpedia";
import { createBoss, ensureQueues } from "../lib/jobs/boss";

const USAGE = `Usage: npm run import:neuronpedia -- --model <model package folder> --sae <SAELens folder>
                                   --export <Neuronpedia export folder> [--name <SAE name>]

The export folder holds features/, activations/ and explanations/ batch files (.jsonl or .jsonl.gz).`;

async function main() {
  const { values } = parseArgs({
    options: { model: { type: "string" }, sae: { type: "string" }, export: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help || !values.model || !values.sae || !values.export) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const imported = await importModelAndSaes({
    modelDir: values.model, saeDirs: [values.sae], saeNames: values.name ? [values.name] : undefined,
    onStep: (line) => console.log(`  ${line}`),
  });
  const run = await createNeuronpediaRun(imported.saes[0].saeId, values.export);
  if (run.status === "done") {
    console.log(`  this export, unchanged since, was already imported (run ${run.id}); nothing to do`);
    return;
  }
  const boss = createBoss();
  await boss.start();
  await ensureQueues(boss);
  await enqueueDashboardRun(boss, run.id);
  await boss.stop({ graceful: false, wait: false }).catch(() => undefined);

  const stop = new AbortController();
  process.on("SIGINT", () => stop.abort());
  const bar = new cliProgress.SingleBar({ format: " neuronpedia |{bar}| {percentage}% | {message} | ETA {etaText}" }, cliProgress.Presets.shades_classic);
  bar.start(1000, 0, { message: "queued", etaText: "…" });
  const eta = new EtaEstimator();
  const refresh = async () => {
    const [progress] = await runsProgress([run.id]);
    if (progress) bar.update(Math.round(progress.progress * 1000), { message: (progress.message ?? progress.phase).slice(0, 48), etaText: formatDuration(eta.secondsLeft(progress)) });
    return progress;
  };
  const poll = setInterval(() => void refresh().catch(() => undefined), 1000);
  try {
    if (!(await jobWorkerAlive())) {
      const outcome = await runNeuronpediaImport(run.id, { owner: `import-cli:${process.pid}`, signal: stop.signal });
      if (outcome.status === "failed") process.exitCode = 1;
    } else {
      for (;;) {
        const progress = await refresh();
        if (!progress || progress.status === "done" || progress.status === "failed" || stop.signal.aborted) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  } finally {
    clearInterval(poll);
    const progress = await refresh().catch(() => undefined);
    bar.stop();
    if (progress) console.log(`  ${progress.status}${progress.error ? `: ${progress.error.message}` : ""}`);
    if (progress?.status === "failed") process.exitCode = 1;
    const labels = progress?.status === "done" ? await labelImportSummary(run.id, run.saeId).catch(() => null) : null;
    if (labels) {
      console.log(`  labels: ${labels.added} added, ${labels.updated} updated, ${labels.keptEditedByPeople} kept as people left them, ` +
        `${labels.unchanged} unchanged, ${labels.skipped} skipped`);
    }
  }
}

main()
  .catch((error) => {
    const described = describeImportError(error);
    console.error(`\n✖ ${described.message}\n  [${described.code}]\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await closeRawSql().catch(() => undefined);
    await disconnectDb().catch(() => undefined);
  });
