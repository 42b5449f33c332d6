/**
 * `npm run bench:labels [-- --features 100000] [--no-write]`: bulk label writes at the scale of a
 * real SAE. Loads a synthetic SAE (lib/fixtures/synthetic.ts loadSyntheticScale, the pages
 * benchmark's loader: its labels for half the features and one UPDATE of their current labels,
 * with the search triggers on), then writes a scored machine draft for EVERY feature through the
 * bulk path (lib/db/labels.ts createDraftLabelsBulk, as the built-in explainer does), and times it
 * until a label search finds the drafts; then accepts 10,000 of them in one batch and edits one
 * label, checking it is searchable at once. Writes the "Bulk label writes" section of
 * docs/BENCHMARKS.md. Its own database: "featurescope_bench_labels" on DATABASE_URL's server.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { currentDatabaseUrl, withDatabase } from "../lib/db/connection";
import { ensureDatabase } from "../lib/db/server";
import { migrateDeploy } from "../lib/db/migrate";
import { writeBenchmarkSection } from "./lib/benchmarks-doc";

const { values: args } = parseArgs({ options: { features: { type: "string", default: "100000" }, "no-write": { type: "boolean", default: false } } });
const features = Number(args.features);
const url = withDatabase(currentDatabaseUrl(), "featurescope_bench_labels");
await ensureDatabase(url);
await migrateDeploy(url);
process.env.DATABASE_URL = url;
const { db, disconnectDb } = await import("../lib/db/client");
const { closeRawSql } = await import("../lib/db/dashboards");
const { loadSyntheticScale } = await import("../lib/fixtures/synthetic");
const { createDraftLabelsBulk, reviewLabelsBulk, updateLabel } = await import("../lib/db/labels");
const { searchLabels } = await import("../lib/db/search");
const { labelSearchQuerySchema } = await import("../lib/search/contracts");

const seconds = (t: number) => (Date.now() - t) / 1000;
const load = () => os.loadavg()[0].toFixed(1);
const lines: string[] = [];
const say = (line: string) => {
  console.log(line);
  lines.push(line);
};
try {
  console.log(`bench:labels — ${features.toLocaleString("en")} features, load average ${load()}`);
  let t = Date.now();
  const { saeId } = await loadSyntheticScale(db(), { features, examplesPerFeature: 1, contextLength: 8, modelName: "bench-labels", saeName: "bench-labels-sae" });
  const loadSeconds = seconds(t);
  const ids = (await db().feature.findMany({ where: { saeId }, select: { id: true }, orderBy: { index: "asc" } })).map((f) => f.id);

  t = Date.now();
  const drafts = ids.map((featureId, i) => ({
    featureId, text: `" tok${i % 8192}" (also " tok${(i * 7) % 8192}"), promotes " pangolin${i % 50}"`,
    detectionScore: 0.5 + (i % 50) / 100, simulationScore: (i % 80) / 100,
    provenance: { provider: "builtin", method: "bench-explainer", runId: 0 },
    scoreDetails: { scorer: "bench", detection: { n: 20 }, simulation: { n: 15 } },
  }));
  const written = await createDraftLabelsBulk(drafts, { note: "machine draft (benchmark)", replaceMethod: "bench-explainer", audit: { bench: true } });
  const writeSeconds = seconds(t);
  const found = await searchLabels(labelSearchQuerySchema.parse({ q: "pangolin7", limit: 5 }));
  const searchableSeconds = seconds(t);

  t = Date.now();
  const batch = (await db().label.findMany({ where: { provenance: { path: ["method"], equals: "bench-explainer" } }, select: { id: true }, take: 10_000 })).map((l) => l.id);
  const reviewed = await reviewLabelsBulk(batch, "accept", (await db().user.upsert({ where: { email: "bench@labels" }, create: { email: "bench@labels", role: "admin" }, update: {} })).id);
  const reviewSeconds = seconds(t);

  t = Date.now();
  await updateLabel(batch[0], { text: "single edit wombat" }, null);
  const single = await searchLabels(labelSearchQuerySchema.parse({ q: "wombat" }));
  const singleMs = Date.now() - t;

  const when = new Date().toISOString().slice(0, 10);
  say("## Bulk label writes");
  say("");
  say(`Measured by \`npm run bench:labels\` on ${when}: ${os.cpus()[0]?.model ?? "cpu"}, ${os.availableParallelism()} cores, 1-minute load average ${load()} at the end (the machine was shared with other work: re-measure on a quiet one).`);
  say("");
  say("| step | rows | seconds |");
  say("|---|---:|---:|");
  say(`| pages benchmark loader (loadSyntheticScale: ${features.toLocaleString("en")} features, labels for half, one UPDATE of their current labels, search triggers on) | ${features.toLocaleString("en")} | ${loadSeconds.toFixed(1)} |`);
  say(`| a scored machine draft for every feature (createDraftLabelsBulk: labels, revisions, current labels, postings) | ${written.created.toLocaleString("en")} | ${writeSeconds.toFixed(1)} |`);
  say(`| … until a label search finds them (${found.results.length} results for a draft's word) | — | ${searchableSeconds.toFixed(1)} |`);
  say(`| accept a batch of drafts (reviewLabelsBulk) | ${reviewed.changed.toLocaleString("en")} | ${reviewSeconds.toFixed(1)} |`);
  say(`| one label edit, then searched (${single.results.length} result) | 1 | ${(singleMs / 1000).toFixed(2)} |`);
  say("");
  say(`Target: drafts with scores for every feature of a 100,000-feature SAE written and searchable in ≤ 2 minutes: ${features >= 100_000 ? (searchableSeconds <= 120 ? "met" : "NOT met") : "not measured at 100,000 here"}. Before the statement-level triggers, the loader's one UPDATE of 50,000 features' current labels alone ran for more than 15 minutes.`);
  if (!args["no-write"]) await writeBenchmarkSection("Bulk label writes", lines.join("\n"));
} finally {
  await closeRawSql().catch(() => undefined);
  await disconnectDb().catch(() => undefined);
}
