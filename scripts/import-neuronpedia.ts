/**
 * `npm run import:neuronpedia -- --export <folder> [--model <model package> --sae <SAELens folder>]`
 * Loads dashboards that exist as files — a Neuronpedia export or SAEDashboard batch-N.json files —
 * into the same tables the dashboard computation fills, resumably (run it again after an
 * interruption and it continues with the next file). With --model/--sae the model and SAE are
 * registered (validated as for `npm run import`); without them the SAE is browse-only (docs/IMPORT.md).
 * Re-importing keeps what people did to the imported labels; the label counts and the import report
 * (what was kept, what the product cannot represent, each problem) are printed at the end.
 */
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { disconnectDb } from "../lib/db/client";
import { closeRawSql } from "../lib/db/dashboards";
import { formatDuration, jobWorkerAlive, runsProgress, EtaEstimator } from "../lib/dashboards/follow";
import { enqueueDashboardRun } from "../lib/dashboards/jobs";
import { describeImportError, importModelAndSaes } from "../lib/import";
import { registerBrowseOnlySae } from "../lib/import/browse-only";
import { attachWeights } from "../lib/import/attach";
import { createNeuronpediaRun, labelImportSummary, runNeuronpediaImport, type ImportReport } from "../lib/import/neuronpedia";
import { ImportError } from "../lib/import/errors";
import { TOKEN_FORMATS, type TokenFormat } from "../lib/import/token-strings";
import { createBoss, ensureQueues } from "../lib/jobs/boss";

const USAGE = `Usage: npm run import:neuronpedia -- --export <folder> [--model <model package> --sae <SAELens folder> [--name <SAE name>]]
                                   [--model-name <name>] [--sae-name <name>] [--hook <hook>] [--layer N]
                                   [--token-format auto|${TOKEN_FORMATS.join("|")}]
       npm run import:neuronpedia -- --attach --model-name <name> --sae-name <name> --model <model package> --sae <SAELens folder>

The folder holds SAEDashboard batch-N.json files (and skipped_indexes.json), or Neuronpedia's
features/, activations/ and explanations/ files (.jsonl or .jsonl.gz).
Without --model and --sae the SAE is browse-only: its model is known by name (--model-name, default
the files' model_id) and its features can be browsed, searched and labelled but not run until
weights are attached (npm run import:neuronpedia -- --attach, docs/IMPORT.md).`;

function printReport(report: ImportReport) {
  console.log(`  read: ${report.formatVersion}`);
  if (report.tokenFormat) console.log(`  token strings: ${report.tokenFormat} (${report.tokenFormatEvidence})`);
  console.log(`  ${report.features} features, ${report.examples.top} top and ${report.examples.interval} interval examples` +
    `${report.deadFromSkippedIndexes ? `, ${report.deadFromSkippedIndexes} dead from skipped_indexes.json` : ""}` +
    `${report.tokensAdded ? `, ${report.tokensAdded} token strings added to the model's vocabulary` : ""}`);
  if (report.unmatchedTokens) console.log(`  ${report.unmatchedTokens} token strings had no id in the model's vocabulary (stored as -1)`);
  const notImported = Object.entries(report.notImported);
  if (notImported.length) {
    console.log("  not imported (Featurescope has no place for these fields):");
    for (const [field, count] of notImported.sort()) console.log(`    ${field}: in ${count} records`);
  }
  if (report.problems.length) {
    console.log(`  ${report.filesWithProblems} files had problems and were not written:`);
    for (const problem of report.problems) console.log(`    ✖ ${problem}`);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: "string" }, sae: { type: "string" }, export: { type: "string" }, name: { type: "string" },
      "model-name": { type: "string" }, "sae-name": { type: "string" }, hook: { type: "string" }, layer: { type: "string" },
      "token-format": { type: "string" }, attach: { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.attach) {
    if (!values.model || !values.sae || !values["model-name"] || !values["sae-name"]) {
      console.error(`${USAGE}\n\n✖ --attach needs --model-name and --sae-name (the browse-only SAE) and --model and --sae (the weights)`);
      process.exit(2);
    }
    const attached = await attachWeights({ modelName: values["model-name"], saeName: values["sae-name"], modelDir: values.model, saeDir: values.sae });
    console.log(`  attached: ${attached.modelName}/${values["sae-name"]} has weights now (test your text, search by inference and steering work)`);
    return;
  }
  if (values.help || !values.export || Boolean(values.model) !== Boolean(values.sae)) {
    console.error(values.help || !values.export ? USAGE : `${USAGE}\n\n✖ give both --model and --sae (weights), or neither (browse-only)`);
    process.exit(values.help ? 0 : 2);
  }
  const tokenFormat = (values["token-format"] ?? "auto") as TokenFormat | "auto";
  if (tokenFormat !== "auto" && !TOKEN_FORMATS.includes(tokenFormat)) throw new ImportError("IMPORT_ARGUMENT_INVALID", `--token-format must be auto, ${TOKEN_FORMATS.join(", ")}`);
  const layer = values.layer === undefined ? undefined : Number(values.layer);
  if (layer !== undefined && !(Number.isInteger(layer) && layer >= 0)) throw new ImportError("IMPORT_ARGUMENT_INVALID", `--layer must be a whole number, got ${values.layer}`);
  let saeId: number;
  if (values.model && values.sae) {
    const imported = await importModelAndSaes({
      modelDir: values.model, saeDirs: [values.sae], saeNames: values.name ? [values.name] : undefined,
      onStep: (line) => console.log(`  ${line}`),
    });
    saeId = imported.saes[0].saeId;
  } else {
    const registered = await registerBrowseOnlySae({
      exportDir: values.export, modelName: values["model-name"], saeName: values["sae-name"] ?? values.name, hookName: values.hook, layer,
    });
    console.log(`  ${registered.created ? "registered" : "found"} ${registered.browseOnly ? "browse-only " : ""}SAE ${registered.modelName}/${registered.saeName}` +
      `${registered.browseOnly ? " (no weights: browsing, search and labels work; running text needs weights)" : ""}`);
    saeId = registered.saeId;
  }
  const run = await createNeuronpediaRun(saeId, values.export, { tokenFormat });
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
      if (labels.report) {
        printReport(labels.report);
        // files with problems were not written: the import is incomplete until they are fixed
        if (labels.report.problems.length) process.exitCode = 1;
      }
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
