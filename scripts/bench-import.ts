/**
 * `npm run bench:import -- [--features N] [--examples N] [--tokens N] [--per-batch N] [--write-doc]`
 * Imports generated SAEDashboard batch files (the field names of neuronpedia_dashboard.py to_dict;
 * 30 records per feature as SAEDashboard writes: 20 top + 10 interval by default) browse-only into a
 * fresh database, streamed a batch file at a time, and reports rows/s, peak memory and the COPY
 * path next to a multi-row INSERT of the same example rows. `--write-doc` writes the "Neuronpedia
 * import" section of docs/BENCHMARKS.md.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { disconnectDb } from "../lib/db/client";
import { closeRawSql, copyInto, copyLine, rawSql } from "../lib/db/dashboards";
import { registerBrowseOnlySae } from "../lib/import/browse-only";
import { createNeuronpediaRun, runNeuronpediaImport } from "../lib/import/neuronpedia";
import { provisionTestDatabase } from "../tests/support/test-database";
import { writeBenchmarkSection } from "./lib/benchmarks-doc";

const { values: args } = parseArgs({
  options: {
    features: { type: "string" }, examples: { type: "string" }, tokens: { type: "string" }, "per-batch": { type: "string" },
    "write-doc": { type: "boolean" },
  },
});
const FEATURES = Number(args.features ?? 10_000);
const EXAMPLES = Number(args.examples ?? 30);
const TOKENS = Number(args.tokens ?? 128);
const PER_BATCH = Number(args["per-batch"] ?? 128);
const VOCAB = 5_000;

function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** One batch-N.json as SAEDashboard writes it (top records bin_min −1, 5 interval bins of (0, max]). */
function batchText(first: number, count: number): string {
  const r = random(first + 1);
  const word = () => ` w${Math.floor(r() * VOCAB)}`;
  const features = [];
  for (let index = first; index < first + count; index++) {
    const max = 1 + r() * 9;
    const activations = [];
    for (let k = 0; k < EXAMPLES; k++) {
      const top = k < Math.round(EXAMPLES * 2 / 3);
      const bin = top ? -1 : (k % 5);
      const peak = top ? max * (1 - k / EXAMPLES) : max * (bin + 0.5) / 5;
      const at = Math.floor(r() * TOKENS);
      activations.push({
        bin_min: top ? -1 : Math.round(max * bin / 5 * 1000) / 1000, bin_max: top ? Math.round(max * 1000) / 1000 : Math.round(max * (bin + 1) / 5 * 1000) / 1000,
        bin_contains: top ? -1 : 0.2, tokens: Array.from({ length: TOKENS }, word),
        values: Array.from({ length: TOKENS }, (_, i) => (i === at ? Math.round(peak * 1000) / 1000 : 0)), qualifying_token_index: at,
      });
    }
    features.push({
      feature_index: index, neuron_alignment_indices: [], neuron_alignment_values: [], neuron_alignment_l1: [],
      correlated_neurons_indices: [], correlated_neurons_l1: [], correlated_neurons_pearson: [],
      correlated_features_indices: [index], correlated_features_l1: [1], correlated_features_pearson: [1],
      neg_str: Array.from({ length: 10 }, word), neg_values: Array.from({ length: 10 }, () => -r()),
      pos_str: Array.from({ length: 10 }, word), pos_values: Array.from({ length: 10 }, () => r()),
      frac_nonzero: r() / 100, freq_hist_data_bar_values: Array.from({ length: 50 }, (_, i) => (i + 0.5) * max / 50),
      freq_hist_data_bar_heights: Array.from({ length: 50 }, () => Math.floor(r() * 100)),
      logits_hist_data_bar_heights: Array.from({ length: 50 }, () => Math.floor(r() * 1000)),
      logits_hist_data_bar_values: Array.from({ length: 50 }, (_, i) => -1 + (i + 0.5) * 2 / 50),
      n_prompts_total: 24576, n_tokens_in_prompt: TOKENS, dataset: "bench", decoder_weights_dist: [], activations, vector: [],
    });
  }
  return JSON.stringify({ model_id: "bench-model", layer: 0, sae_set: "bench", features });
}

async function main() {
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(" / ");
  const loadBefore = load();
  const database = await provisionTestDatabase("bench-import");
  process.env.DATABASE_URL = database.url;
  const dir = await mkdtemp(path.join(os.tmpdir(), "fs-bench-import-"));
  try {
    // the files, generated a batch at a time (the generator is not measured)
    let bytes = 0;
    for (let first = 0, n = 0; first < FEATURES; first += PER_BATCH, n++) {
      const text = batchText(first, Math.min(PER_BATCH, FEATURES - first));
      bytes += text.length;
      await writeFile(path.join(dir, `batch-${n}.json`), text);
    }
    const { saeId } = await registerBrowseOnlySae({ exportDir: dir });
    const run = await createNeuronpediaRun(saeId, dir);
    let peakRss = process.memoryUsage().rss;
    const sample = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 200);
    const started = performance.now();
    let lastLog = started;
    const outcome = await runNeuronpediaImport(run.id, {
      owner: "bench",
      afterFile: (done) => {
        const now = performance.now();
        if (now - lastLog > 10_000) {
          console.log(`  ${done} files, ${((now - started) / 1000).toFixed(0)} s`);
          lastLog = now;
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sample);
    if (outcome.status !== "done") throw new Error(`import ${outcome.status}: ${JSON.stringify(outcome)}`);
    const examples = outcome.examples;

    // COPY next to multi-row INSERT of the same example rows (inside one transaction each, then rolled back)
    const sql = rawSql();
    const rows = await sql<Array<{ featureId: number; tokenIds: number[]; values: number[]; maxValue: number; maxPosition: number }>>`
      SELECT "featureId", "tokenIds", "values", "maxValue", "maxPosition" FROM "ActivationExample" LIMIT 20000`;
    const timeIt = async (fn: (tx: typeof sql) => Promise<void>) => {
      const t0 = performance.now();
      await sql.begin(async (tx) => {
        await fn(tx as unknown as typeof sql);
        throw new Error("rollback");
      }).catch((error: Error) => { if (error.message !== "rollback") throw error; });
      return (performance.now() - t0) / 1000;
    };
    const copySeconds = await timeIt(async (tx) => {
      await copyInto(tx, `"ActivationExample"`, ["featureId", "kind", "rank", "tokenIds", "values", "maxValue", "maxPosition"],
        rows.map((r) => copyLine([r.featureId, "top", 1000, r.tokenIds, r.values, r.maxValue, r.maxPosition])));
    });
    const insertRows = rows.slice(0, 5000);
    const insertSeconds = await timeIt(async (tx) => {
      for (let i = 0; i < insertRows.length; i += 500) {
        const chunk = insertRows.slice(i, i + 500).map((r) => ({ ...r, kind: "top", rank: 1000 }));
        await tx`INSERT INTO "ActivationExample" ${tx(chunk, "featureId", "kind", "rank", "tokenIds", "values", "maxValue", "maxPosition")}`;
      }
    });
    const loadAfter = load();
    const result = {
      features: FEATURES, examples, seconds, featuresPerSecond: FEATURES / seconds, examplesPerSecond: examples / seconds,
      megabytes: bytes / 1e6, peakRssMb: peakRss / 1e6, copyRowsPerSecond: rows.length / copySeconds, insertRowsPerSecond: insertRows.length / insertSeconds,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`load average (1/5/15 min) before: ${loadBefore}, after: ${loadAfter}`);
    if (args["write-doc"]) {
      const lines = [
        "## Neuronpedia import",
        "",
        `Measured by \`npm run bench:import -- --features ${FEATURES}\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "CPU"}, ${os.cpus().length} cores, ` +
          `load average (1/5/15 min) ${loadBefore} before and ${loadAfter} after — a busy machine (other helpers' builds and tests ran at the same time), so these are lower bounds.`,
        "",
        `- Input: ${FEATURES.toLocaleString("en")} features × ${EXAMPLES} records of ${TOKENS} tokens (2/3 top, 1/3 in 5 interval bins, SAEDashboard's field names), ${PER_BATCH} features per \`batch-N.json\`, ${(bytes / 1e6).toFixed(0)} MB of JSON; imported browse-only (the model's vocabulary built from the strings).`,
        "- Streamed: one batch file in memory at a time, each written in one transaction with its checkpoint (resumable after a kill at the next file).",
        "",
        "| import | value |",
        "|---|---:|",
        `| features/s | ${result.featuresPerSecond.toFixed(0)} |`,
        `| example rows/s (parse, validate, decode tokens, COPY, upsert) | ${result.examplesPerSecond.toFixed(0)} |`,
        `| wall time | ${seconds.toFixed(0)} s |`,
        `| peak resident memory of the importer | ${result.peakRssMb.toFixed(0)} MB |`,
        "",
        "| database load of the same example rows | rows/s |",
        "|---|---:|",
        `| COPY (one transaction, ${rows.length.toLocaleString("en")} rows of ${TOKENS} tokens) | ${result.copyRowsPerSecond.toFixed(0)} |`,
        `| multi-row INSERT (500 rows per statement, ${insertRows.length.toLocaleString("en")} rows) | ${result.insertRowsPerSecond.toFixed(0)} |`,
        "",
        `At this rate 100,000 features × ${EXAMPLES} records take about ${((100_000 * EXAMPLES) / result.examplesPerSecond / 60).toFixed(0)} minutes. The importer holds one batch file at a time, so its memory is set by the batch size, not the number of files.`,
      ];
      await writeBenchmarkSection("Neuronpedia import", lines.join("\n"));
    }
  } finally {
    await closeRawSql().catch(() => undefined);
    await disconnectDb().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await database.teardown().catch(() => undefined);
  }
}

await main();
