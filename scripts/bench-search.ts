/**
 * `npm run bench:search`: label search at scale. Builds a throwaway database (a new embedded
 * PostgreSQL, or a new database on DATABASE_URL's server), bulk-loads ≥ 1,000,000 synthetic labels
 * with COPY, then measures
 *   1. each query class alone (serial, warm): p50 / p95 in the database layer;
 *   2. GET /api/v1/search/labels under concurrent load (autocannon against the real route handler,
 *      served by a plain node:http server: auth, validation, rate limiting, response schema).
 * Options: --labels N (default 1,000,000), --connections N (8), --seconds N (20), --keep.
 *
 * Search by inference (`--inference` after the label part, `--inference-only` alone, without the
 * 1M-label database): starts the inference service (workers/inference/main.ts, its own process) on
 * a small throwaway database holding the demo model package (demo/model) and its demo SAEs
 * (demo/saes/*), then times POST /api/v1/activations — the API's search by inference, through its
 * defineRoute handler — for a 64-token text: serially, and with --inference-clients N (4) clients
 * at once; with the demo SAE resid1-topk (--inference-sae NAME) and with every demo SAE (what the
 * search page runs by default). --inference-rounds N (30) requests per series.
 *
 * Prints Markdown sections for docs/BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import postgres from "postgres";
import { provisionTestDatabase } from "../tests/support/test-database";
import { seededRandom } from "../lib/fixtures/synthetic";
import { SHORTLIST_LIMIT } from "../lib/search/ranking";

/** The part of autocannon's summary used here (the package ships no types; it runs in a worker). */
interface LoadResult {
  totalCompletedRequests: number;
  /** seconds */
  duration: number;
  errors: number;
  timeouts: number;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
const LABELS = option("labels", 1_000_000);
const CONNECTIONS = option("connections", 8);
const SECONDS = option("seconds", 20);
const KEEP = process.argv.includes("--keep");
/** A database a --keep run left behind: its labels are reused (the same seed regenerates the queries). */
const REUSE = (() => { const at = process.argv.indexOf("--reuse"); return at >= 0 ? process.argv[at + 1] : undefined; })();
const INFERENCE_ONLY = process.argv.includes("--inference-only");
const INFERENCE = INFERENCE_ONLY || process.argv.includes("--inference");
const INFERENCE_ROUNDS = option("inference-rounds", 30);
const INFERENCE_CLIENTS = option("inference-clients", 4);
const INFERENCE_SAE = (() => { const at = process.argv.indexOf("--inference-sae"); return at >= 0 ? process.argv[at + 1] : "resid1-topk"; })();
const FEATURES_PER_SAE = Math.ceil(LABELS / 2 / 2); // two SAEs, two labels per feature on average

// ---------------------------------------------------------------------------------------------
// Synthetic label text: real interpretability vocabulary plus a long tail of made-up words, drawn
// Zipf-like so that a few words are very common (as "tokens", "references" are in real labels).
// ---------------------------------------------------------------------------------------------

const CONCEPTS = (
  "deception lying honesty base64 encoding bridge river bank money finance legal contract court law python javascript " +
  "code brackets parentheses indentation function variable loop recursion error exception json html markup xml url " +
  "email address phone number date time year month weekday january monday city country france paris london tokyo " +
  "german french spanish chinese japanese translation quote dialogue speaker pronoun plural past tense verb adjective " +
  "negation question answer math equation integral fraction percent currency dollar price recipe cooking ingredient " +
  "sports football score team election politics president vote government medicine disease symptom doctor biology " +
  "cell protein dna chemistry molecule physics energy gravity planet star galaxy astronomy music song lyrics poetry " +
  "rhyme story character villain hero emotion anger fear joy sadness sarcasm humor insult toxicity violence weapon " +
  "safety refusal apology gratitude greeting farewell list bullet heading title citation reference footnote table " +
  "newline whitespace punctuation comma period capital letter acronym abbreviation hashtag emoji username password " +
  "security vulnerability exploit hacking golden gate bridge san francisco fog weather storm rain snow temperature"
).split(" ");
const ADJECTIVES = "repeated formal informal technical ambiguous first last opening closing nested quoted rare common specific".split(" ");
const DOMAINS = "code legal documents news articles chat logs scientific papers forum posts fiction recipes emails wikipedia".split(" ");
const SYLLABLES = "ka lo mi ne ru ta vo shi zen pra tor lin quo bex dru fal gim hov jat kre lum nox pel quin rav sul tyr ulm vex wyn".split(" ");

function buildVocabulary(size: number, random: () => number): string[] {
  const words = new Set(CONCEPTS);
  while (words.size < size) {
    const n = 2 + Math.floor(random() * 3);
    let word = "";
    for (let i = 0; i < n; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(word);
  }
  return [...words];
}

/** Index into a list with probability ∝ 1/(rank+10): a Zipf-like head without one word dominating. */
function zipfPicker(n: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cumulative[i] = sum += 1 / (i + 10);
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function labelText(vocabulary: string[], pick: () => number, random: () => number): string {
  const w = () => vocabulary[pick()];
  const any = <T,>(list: T[]) => list[Math.floor(random() * list.length)];
  switch (Math.floor(random() * 7)) {
    case 0: return `references to ${w()} ${w()}`;
    case 1: return `the word "${w()}" in ${any(DOMAINS)}`;
    case 2: return `${w()} and ${w()} in ${any(DOMAINS)}`;
    case 3: return `tokens after ${w()}`;
    case 4: return `${any(ADJECTIVES)} ${w()} related to ${w()}`;
    case 5: return `mentions of ${w()}, especially ${w()} ${w()}`;
    default: return `This feature fires on ${w()} tokens in ${any(DOMAINS)}, particularly ${w()} and ${w()} near ${any(ADJECTIVES)} ${w()}.`;
  }
}

/**
 * The benchmark's labels, in order, from the seeded generator: `feature` is a uniform draw in [0, 1)
 * that picks the label's feature. One sequence of draws for loading and for --reuse.
 */
function* syntheticLabels(vocabulary: string[], pick: () => number, random: () => number) {
  for (let i = 0; i < LABELS; i++) {
    const feature = random();
    const text = labelText(vocabulary, pick, random);
    const model = random() < 0.6;
    const status = model ? "draft" : random() < 0.9 ? "accepted" : "rejected";
    const votes = random() < 0.8 ? 0 : Math.round((random() - 0.3) * 20);
    const detection = model ? (0.5 + random() * 0.45).toFixed(3) : null;
    const simulation = model ? (random() * 0.7).toFixed(3) : null;
    yield { i, feature, text, source: model ? "model" : "human", status, votes, detection, simulation };
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs autocannon in a worker thread (its own event loop, so the clients do not queue behind the
 * server they measure) against `paths` in rotation, each request from its own address: the route's
 * per-client rate limit models one person, not a crowd. Client-side latency of every response.
 */
async function runLoad(options: { url: string; connections: number; seconds: number; paths: string[] }): Promise<{
  result: LoadResult; statuses: Map<number, number>; latencies: number[];
}> {
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    const autocannon = require(workerData.autocannon);
    let next = 0;
    const latencies = [];
    const statuses = {};
    const instance = autocannon({
      url: workerData.url, connections: workerData.connections, duration: workerData.seconds,
      requests: [{
        method: "GET",
        setupRequest: (request) => {
          const path = workerData.paths[next++ % workerData.paths.length];
          return { ...request, path, headers: { ...request.headers, "x-forwarded-for": "10.0." + ((next >> 8) & 255) + "." + (next & 255) } };
        },
      }],
    }, (error, result) => parentPort.postMessage(error ? { error: String(error) } : { result, latencies, statuses }));
    instance.on("response", (_client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });`;
  const worker = new Worker(source, {
    eval: true,
    workerData: { ...options, autocannon: createRequire(import.meta.url).resolve("autocannon") },
  });
  const message = await new Promise<{ error?: string; result: LoadResult; latencies: number[]; statuses: Record<string, number> }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  if (message.error) throw new Error(message.error);
  return {
    result: message.result,
    latencies: message.latencies,
    statuses: new Map(Object.entries(message.statuses).map(([status, n]) => [Number(status), n])),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function typo(word: string, random: () => number): string {
  if (word.length < 5) return word + "e";
  const at = 1 + Math.floor(random() * (word.length - 2));
  return random() < 0.5 ? word.slice(0, at) + word.slice(at + 1) : word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
}

async function benchLabels() {
  const started = performance.now();
  const random = seededRandom(20261128);
  const database = REUSE ? { url: REUSE, teardown: async () => {} } : await provisionTestDatabase("bench_search");
  process.env.DATABASE_URL = database.url;
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  try {
    // ---- load --------------------------------------------------------------------------------
    const vocabulary = buildVocabulary(20_000, random);
    const pick = zipfPicker(vocabulary.length, random);
    const sampleTexts: string[] = [];
    const saeIds: number[] = [];
    let copySeconds = 0;
    let indexSeconds = 0;
    let postingsSeconds = 0;
    let lexiconSeconds = 0;
    let lexemes = 0;
    let postings = 0;
    const { rebuildSearchLexicon, searchLabels } = await import("../lib/db/search");
    const { rebuildSearchPostings } = await import("../lib/db/search-postings");
    if (REUSE) {
      for (const row of await sql`SELECT "id" FROM "Sae" ORDER BY "id"`) saeIds.push(row.id);
      // the load's own labels, to regenerate its sample texts
      for (const label of syntheticLabels(vocabulary, pick, random)) if (label.i % 5000 === 0) sampleTexts.push(label.text);
      [{ postings, lexemes }] = await sql`SELECT (SELECT count(*) FROM "SearchPosting")::int AS postings, (SELECT count(*) FROM "SearchLexeme")::int AS lexemes`;
      console.log(`[bench] reusing ${REUSE}`);
    } else {
      const [model] = await sql`
        INSERT INTO "Model" ("name", "displayName", "architecture", "dModel", "nLayers", "nCtx", "dVocab", "tokenizer", "packagePath", "manifest", "updatedAt")
        VALUES ('synthetic-bench', 'Synthetic benchmark model (not a real model)', 'synthetic', 512, 4, 128, 8192, 'synthetic', 'synthetic://bench', '{}', now())
        RETURNING "id"`;
      for (const layer of [1, 2]) {
        const [sae] = await sql`
          INSERT INTO "Sae" ("modelId", "name", "hookName", "layer", "architecture", "dIn", "dSae", "path", "contentHash", "cfg", "status", "updatedAt")
          VALUES (${model.id}, ${`synthetic-bench-l${layer}`}, ${`blocks.${layer}.hook_resid_post`}, ${layer}, 'topk', 512, ${FEATURES_PER_SAE},
                  'synthetic://bench', ${`bench-${layer}`}, '{}', 'ready', now())
          RETURNING "id"`;
        saeIds.push(sae.id);
        await sql`
          INSERT INTO "Feature" ("saeId", "index", "maxActivation", "density")
          SELECT ${sae.id}, i, 1 + random() * 20, power(10, -1 - random() * 4) FROM generate_series(0, ${FEATURES_PER_SAE - 1}) AS i`;
      }
      const [{ min: firstFeature, max: lastFeature }] = await sql`SELECT min("id")::int AS min, max("id")::int AS max FROM "Feature"`;

      const loadStart = performance.now();
      // GIN indexes build far faster in one CREATE INDEX than row by row during COPY, and the search
      // postings in one statement than row by row through their triggers (rebuilt below)
      await sql`DROP INDEX "Label_searchVector_idx"`;
      await sql`DROP INDEX "Label_text_trgm_idx"`;
      await sql`ALTER TABLE "Label" DISABLE TRIGGER USER`;
      await sql`ALTER TABLE "Feature" DISABLE TRIGGER USER`;
      const copy = await sql`COPY "Label" ("featureId", "text", "source", "status", "voteScore", "detectionScore", "simulationScore", "updatedAt") FROM STDIN`.writable();
      const escape = (text: string) => text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");
      let chunk = "";
      for (const label of syntheticLabels(vocabulary, pick, random)) {
        const featureId = firstFeature + Math.floor(label.feature * (lastFeature - firstFeature + 1));
        if (label.i % 5000 === 0) sampleTexts.push(label.text);
        chunk += `${featureId}\t${escape(label.text)}\t${label.source}\t${label.status}\t${label.votes}\t${label.detection ?? "\\N"}\t${label.simulation ?? "\\N"}\t2026-11-28 00:00:00\n`;
        if (chunk.length > 1 << 20) {
          if (!copy.write(chunk)) await new Promise((resolve) => copy.once("drain", resolve));
          chunk = "";
        }
      }
      copy.end(chunk);
      await new Promise<void>((resolve, reject) => {
        copy.on("finish", () => resolve());
        copy.on("error", reject);
      });
      copySeconds = (performance.now() - loadStart) / 1000;
      console.log(`[bench] COPY ${LABELS.toLocaleString("en")} labels: ${copySeconds.toFixed(1)} s`);
      const indexStart = performance.now();
      await sql.unsafe(`SET maintenance_work_mem = '256MB'`);
      await sql.unsafe(`CREATE INDEX "Label_searchVector_idx" ON "Label" USING GIN ("searchVector")`);
      await sql.unsafe(`CREATE INDEX "Label_text_trgm_idx" ON "Label" USING GIN ("text" gin_trgm_ops)`);
      // current labels, so the unlabelled filter and the current-label bonus have something to do
      await sql`
        UPDATE "Feature" f SET "currentLabelId" = c."id", "labelStatus" = c."status"
        FROM (SELECT DISTINCT ON ("featureId") "id", "featureId", "status" FROM "Label" WHERE "status" <> 'rejected' ORDER BY "featureId", "voteScore" DESC, "id") c
        WHERE c."featureId" = f."id"`;
      indexSeconds = (performance.now() - indexStart) / 1000;
      console.log(`[bench] indexes and current labels: ${indexSeconds.toFixed(1)} s`);
      await sql`ALTER TABLE "Label" ENABLE TRIGGER USER`;
      await sql`ALTER TABLE "Feature" ENABLE TRIGGER USER`;
      const postingsStart = performance.now();
      postings = await rebuildSearchPostings(database.url);
      postingsSeconds = (performance.now() - postingsStart) / 1000;
      console.log(`[bench] search postings: ${postings.toLocaleString("en")} in ${postingsSeconds.toFixed(1)} s`);

      const lexiconStart = performance.now();
      lexemes = await rebuildSearchLexicon();
      lexiconSeconds = (performance.now() - lexiconStart) / 1000;
      await sql`VACUUM ANALYZE`;
      console.log(`[bench] vocabulary: ${lexemes.toLocaleString("en")} lexemes in ${lexiconSeconds.toFixed(1)} s`);
    }
    const { labelSearchQuerySchema } = await import("../lib/search/contracts");
    // ---- queries -----------------------------------------------------------------------------
    const wordsOf = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g)?.filter((w) => w.length > 3 && !["tokens", "this", "feature", "fires", "particularly", "references", "mentions", "especially", "related", "after", "near", "word"].includes(w)) ?? [];
    type QueryClass = "one word" | "two words" | "typo" | "prefix" | "concept + filter";
    const queries: { cls: QueryClass; params: Record<string, string> }[] = [];
    for (let i = 0; i < 200; i++) {
      const words = wordsOf(sampleTexts[i % sampleTexts.length]);
      if (words.length < 2) continue;
      const cls = (["one word", "two words", "typo", "prefix", "concept + filter"] as const)[i % 5];
      const params: Record<string, string> = {};
      if (cls === "one word") params.q = words[0];
      if (cls === "two words") params.q = `${words[0]} ${words[1]}`;
      if (cls === "typo") params.q = typo(words[0], random);
      if (cls === "prefix") params.q = words[0].slice(0, Math.max(3, words[0].length - 3));
      if (cls === "concept + filter") {
        params.q = CONCEPTS[Math.floor(random() * CONCEPTS.length)];
        params.sae = String(saeIds[i % 2]);
        params.labels = i % 2 ? "human" : "unlabelled";
        params.maxDensity = "0.01";
      }
      queries.push({ cls, params });
    }

    const loadBefore = os.loadavg()[0];
    // 1. serial, warm
    for (const query of queries.slice(0, 20)) await searchLabels(labelSearchQuerySchema.parse(query.params));
    const serial = new Map<QueryClass, number[]>();
    const truncatedCount = { n: 0 };
    const slowest: { ms: number; query: string; results: number }[] = [];
    for (const query of queries) {
      const t0 = performance.now();
      const page = await searchLabels(labelSearchQuerySchema.parse(query.params));
      const ms = performance.now() - t0;
      if (page.truncated) truncatedCount.n++;
      serial.set(query.cls, [...(serial.get(query.cls) ?? []), ms]);
      slowest.push({ ms, query: new URLSearchParams(query.params).toString(), results: page.results.length });
    }
    slowest.sort((a, b) => b.ms - a.ms);
    console.log(`[bench] slowest serial queries:\n${slowest.slice(0, 8).map((s) => `  ${s.ms.toFixed(1)} ms  ${s.query}  (${s.results} results)`).join("\n")}`);
    // sanity: a typo still finds its word
    const check = await searchLabels(labelSearchQuerySchema.parse({ q: "decepton" }));
    console.log(`[bench] sanity: "decepton" → ${check.results.length} results, first: ${JSON.stringify(check.results[0]?.label.text)}`);

    // 2. concurrent, through the real route handler: this process serves (like `next start`), a
    //    worker thread with its own event loop is the crowd of clients
    const { GET } = await import("../app/api/v1/search/labels/route");
    // like scripts/web.ts behind a trusted proxy: each simulated client keeps its own rate-limit bucket
    const { CLIENT_ADDRESS_HEADER, markClientAddressHeaderTrusted } = await import("../lib/net/client-address");
    markClientAddressHeaderTrusted();
    const server = http.createServer(async (req, res) => {
      req.headers[CLIENT_ADDRESS_HEADER] = String(req.headers["x-forwarded-for"] ?? "bench");
      const request = new Request(`http://bench${req.url}`, { headers: req.headers as Record<string, string> });
      const response = await GET(request);
      res.writeHead(response.status, { "content-type": "application/json" });
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const load = await runLoad({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      seconds: SECONDS,
      paths: queries.map((query) => `/api/v1/search/labels?${new URLSearchParams(query.params)}`),
    });
    server.close();
    const { result, statuses, latencies } = load;

    // ---- report ------------------------------------------------------------------------------
    const lines: string[] = [];
    const fmt = (x: number) => x.toFixed(1);
    lines.push(`## Search`, "");
    lines.push(`\`npm run bench:search\` on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()} (shared), PostgreSQL 17, ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} when measuring started, ${os.loadavg()[0].toFixed(1)} at the end (other work on the machine).`);
    lines.push(`${LABELS.toLocaleString("en")} synthetic labels (20,000-word Zipf-like vocabulary, 7 templates, 60% model drafts) on ${(2 * FEATURES_PER_SAE).toLocaleString("en")} features of 2 SAEs, loaded with COPY in ${fmt(copySeconds)} s; GIN indexes and current labels ${fmt(indexSeconds)} s; search postings (${postings.toLocaleString("en")}) ${fmt(postingsSeconds)} s; label vocabulary (${lexemes.toLocaleString("en")} lexemes) ${fmt(lexiconSeconds)} s.`, "");
    lines.push("Serial, warm, database layer (`searchLabels`), 40 queries per class:", "");
    lines.push("| query class | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|");
    const all: number[] = [];
    for (const [cls, times] of serial) {
      const sorted = [...times].sort((a, b) => a - b);
      all.push(...times);
      lines.push(`| ${cls} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 95))} | ${fmt(sorted[sorted.length - 1])} |`);
    }
    const allSorted = all.sort((a, b) => a - b);
    lines.push(`| all | ${fmt(percentile(allSorted, 50))} | ${fmt(percentile(allSorted, 95))} | ${fmt(allSorted[allSorted.length - 1])} |`, "");
    lines.push(`${truncatedCount.n} of ${queries.length} queries matched more labels than the ${SHORTLIST_LIMIT} ranked (the best by prior).`, "");
    lines.push(`Concurrent: autocannon, ${CONNECTIONS} connections, ${SECONDS} s, GET /api/v1/search/labels through its defineRoute handler (auth, validation, rate limit, response schema) on node:http, the same ${queries.length} queries in rotation:`, "");
    lines.push("| requests | req/s | p50 ms | p95 ms | p99 ms | max ms | statuses |", "|---:|---:|---:|---:|---:|---:|---|");
    const statusText = [...statuses].map(([s, n]) => `${s}×${n}`).join(", ");
    const sortedLatencies = latencies.sort((a, b) => a - b);
    lines.push(`| ${sortedLatencies.length} | ${fmt(result.totalCompletedRequests / result.duration)} | ${fmt(percentile(sortedLatencies, 50))} | ${fmt(percentile(sortedLatencies, 95))} | ${fmt(percentile(sortedLatencies, 99))} | ${fmt(sortedLatencies[sortedLatencies.length - 1])} | ${statusText} |`);
    const report = lines.join("\n");
    console.log(`\n${report}\n`);
    console.log(`[bench] done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await sql.end();
    const { disconnectDb } = await import("../lib/db/client");
    await disconnectDb();
    if (KEEP) console.log(`[bench] kept ${database.url}`);
    else await database.teardown();
  }
}

// ---------------------------------------------------------------------------------------------
// Search by inference: the demo model through the real inference service
// ---------------------------------------------------------------------------------------------

/** A plain English passage; the bench takes as many of its words as make exactly 64 tokens. */
const PASSAGE =
  "The old stone bridge across the river was built in the spring of 1887 by workers from the valley, who carried every block " +
  "down from the quarry on carts. When the flood came the next autumn, the water rose over the road and the town feared the " +
  "worst, but the bridge held. Today children fish from its arches, tourists photograph it at sunset, and the council argues " +
  "every year about who should pay to repair the cracks in its western pier before the winter storms arrive again.";

const INFERENCE_TOKENS = 64;

async function benchInference(): Promise<string> {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
  const modelDir = path.join(root, "demo/model");
  const saesDir = path.join(root, "demo/saes");
  if (!existsSync(path.join(modelDir, "manifest.json"))) throw new Error("demo/model is missing: search by inference is measured on the demo model.");
  const saeNames = readdirSync(saesDir).filter((name) => existsSync(path.join(saesDir, name, "cfg.json")) && existsSync(path.join(saesDir, name, "sae_weights.safetensors"))).sort();
  if (!saeNames.includes(INFERENCE_SAE)) throw new Error(`demo/saes/${INFERENCE_SAE} is missing (have: ${saeNames.join(", ")}).`);
  const manifest = JSON.parse(readFileSync(path.join(modelDir, "manifest.json"), "utf8"));

  // the 64-token text, with the demo model's own tokenizer
  const { loadModelPackage } = await import("../lib/model");
  const tokenizerModel = await loadModelPackage(modelDir, { intraOpNumThreads: 1 });
  const words = PASSAGE.split(" ");
  let text = "";
  for (let n = 1; n <= words.length; n++) {
    const candidate = words.slice(0, n).join(" ");
    if (tokenizerModel.encode(candidate, { prependBos: false }).length > INFERENCE_TOKENS) break;
    text = candidate;
  }
  const textTokens = tokenizerModel.encode(text, { prependBos: false }).length;
  await tokenizerModel.dispose();

  console.log(`[bench] inference: provisioning a throwaway database…`);
  const database = await provisionTestDatabase("bench_search_inference");
  process.env.DATABASE_URL = database.url;
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  let service: ChildProcess | undefined;
  try {
    const [model] = await sql`
      INSERT INTO "Model" ("name", "displayName", "architecture", "dModel", "nLayers", "nHeads", "dMlp", "nCtx", "dVocab", "tokenizer", "bosTokenId", "packagePath", "manifest", "updatedAt")
      VALUES (${manifest.name}, 'Demo model', 'gpt2', ${manifest.dModel}, ${manifest.nLayers}, ${manifest.nHeads}, ${manifest.dMlp}, ${manifest.nCtx}, ${manifest.dVocab},
              'byte-bpe', ${manifest.bosTokenId}, ${modelDir}, ${sql.json(manifest)}, now())
      RETURNING "id"`;
    const saes: { id: number; name: string }[] = [];
    for (const name of saeNames) {
      const cfg = JSON.parse(readFileSync(path.join(saesDir, name, "cfg.json"), "utf8"));
      const hookName: string = cfg.metadata?.hook_name ?? cfg.hook_name;
      const [sae] = await sql`
        INSERT INTO "Sae" ("modelId", "name", "hookName", "layer", "architecture", "dIn", "dSae", "k", "path", "contentHash", "cfg", "status", "updatedAt")
        VALUES (${model.id}, ${name}, ${hookName}, ${Number(/blocks\.(\d+)/.exec(hookName)?.[1] ?? 0)}, ${cfg.architecture}, ${cfg.d_in}, ${cfg.d_sae}, ${cfg.k ?? null},
                ${path.join(saesDir, name)}, ${`bench-inference-${name}`}, ${sql.json(cfg)}, 'ready', now())
        RETURNING "id"`;
      saes.push({ id: sae.id, name });
      // every feature labelled, so the route's label lookup does its real work
      await sql`INSERT INTO "Feature" ("saeId", "index", "maxActivation", "density") SELECT ${sae.id}, i, 1, 0.01 FROM generate_series(0, ${cfg.d_sae - 1}) AS i`;
      await sql`
        INSERT INTO "Label" ("featureId", "text", "source", "status", "updatedAt")
        SELECT f."id", 'benchmark label of feature ' || f."index", 'human', 'accepted', now() FROM "Feature" f WHERE f."saeId" = ${sae.id}`;
      await sql`UPDATE "Feature" f SET "currentLabelId" = l."id", "labelStatus" = 'accepted' FROM "Label" l WHERE l."featureId" = f."id" AND f."saeId" = ${sae.id}`;
    }

    // the inference service, as `npm start` runs it
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const secret = "bench-search-inference-secret-0123456789";
    service = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "workers/inference/main.ts")], {
      cwd: root, stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, DATABASE_URL: database.url, INFERENCE_PORT: String(port), INFERENCE_SECRET: secret },
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      service!.stdout!.on("data", (chunk) => { out += chunk; if (out.includes("ready on")) resolve(); });
      service!.once("exit", (code) => reject(new Error(`the inference service exited ${code}: ${out}`)));
    });
    process.env.INFERENCE_URL = `http://127.0.0.1:${port}`;
    process.env.INFERENCE_SECRET = secret;
    const limits = { concurrent: process.env.INFERENCE_MAX_CONCURRENT ?? "2", queued: process.env.INFERENCE_MAX_QUEUED ?? "16" };

    const { POST } = await import("../app/api/v1/activations/route");
    const { CLIENT_ADDRESS_HEADER, markClientAddressHeaderTrusted } = await import("../lib/net/client-address");
    markClientAddressHeaderTrusted();
    let calls = 0;
    const run = async (saeIds: number[]) => {
      calls++;
      const request = new Request("http://bench/api/v1/activations", {
        method: "POST",
        // each request from its own address: the route's per-client rate limit models one person
        headers: { "content-type": "application/json", [CLIENT_ADDRESS_HEADER]: `10.1.${(calls >> 8) & 255}.${calls & 255}` },
        body: JSON.stringify({ modelId: model.id, text, saes: saeIds.map((saeId) => ({ saeId, features: [] })), topK: 10 }),
      });
      const t0 = performance.now();
      const response = await POST(request);
      const body = await response.json();
      const ms = performance.now() - t0;
      if (response.status !== 200) throw new Error(`POST /api/v1/activations answered ${response.status}: ${JSON.stringify(body)}`);
      return { ms, tokens: body.tokens.length as number, service: body.timingsMs as { total: number; forward: number; encode: number } };
    };

    const one = saes.find((s) => s.name === INFERENCE_SAE)!;
    const series = [
      { name: `1 SAE (${one.name})`, saeIds: [one.id] },
      { name: `all ${saes.length} demo SAEs (${saes.map((s) => s.name).join(", ")})`, saeIds: saes.map((s) => s.id) },
    ];
    const loadBefore = os.loadavg();
    const rows: string[] = [];
    let tokenCount = 0;
    for (const { name, saeIds } of series) {
      for (let i = 0; i < 3; i++) tokenCount = (await run(saeIds)).tokens; // loads the model and SAEs, warms up
      const serial: Awaited<ReturnType<typeof run>>[] = [];
      for (let i = 0; i < INFERENCE_ROUNDS; i++) serial.push(await run(saeIds));
      const concurrent: number[] = [];
      const perClient = Math.max(1, Math.ceil(INFERENCE_ROUNDS / INFERENCE_CLIENTS));
      const wallStart = performance.now();
      await Promise.all(Array.from({ length: INFERENCE_CLIENTS }, async () => {
        for (let i = 0; i < perClient; i++) concurrent.push((await run(saeIds)).ms);
      }));
      const wall = (performance.now() - wallStart) / 1000;
      const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
      const s = sorted(serial.map((r) => r.ms));
      const c = sorted(concurrent);
      const forward = sorted(serial.map((r) => r.service.forward));
      const encode = sorted(serial.map((r) => r.service.encode));
      const fmt = (x: number) => x.toFixed(1);
      rows.push(`| ${name} | serial | ${s.length} | ${fmt(percentile(s, 50))} | ${fmt(percentile(s, 95))} | ${fmt(s[s.length - 1])} | forward ${fmt(percentile(forward, 50))}, SAE encode ${fmt(percentile(encode, 50))} |`);
      rows.push(`| ${name} | ${INFERENCE_CLIENTS} clients at once | ${c.length} | ${fmt(percentile(c, 50))} | ${fmt(percentile(c, 95))} | ${fmt(c[c.length - 1])} | ${fmt(c.length / wall)} req/s |`);
      console.log(`[bench] inference: ${name} done`);
    }
    const loadAfter = os.loadavg();
    const lines = [
      `### Search by inference`, "",
      `\`npm run bench:search -- --inference-only\` on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()} (shared), ${new Date().toISOString().slice(0, 10)}; load average (1/5/15 min) ${loadBefore.map((x) => x.toFixed(1)).join(" / ")} before, ${loadAfter.map((x) => x.toFixed(1)).join(" / ")} after.`,
      `POST /api/v1/activations (the API's search by inference: defineRoute handler → SAE check → inference service over HTTP → current labels of the top features) for a ${textTokens}-token English text (${tokenCount} with BOS), demo model ${manifest.name} (${manifest.nLayers} layers, d_model ${manifest.dModel}) in workers/inference (its own process, CPU, at most ${limits.concurrent} requests running and ${limits.queued} queued), top 10 features per token and overall, every feature labelled. Client-side latency, ms, after 3 warm-up requests; the last column gives the service's own medians (ms) or the throughput.`, "",
      "| SAEs | mode | requests | p50 ms | p95 ms | max ms | |", "|---|---|---:|---:|---:|---:|---|",
      ...rows,
    ];
    return lines.join("\n");
  } finally {
    if (service && service.exitCode === null) {
      const exited = new Promise((resolve) => service!.once("exit", resolve));
      service.kill("SIGTERM");
      await exited;
    }
    await sql.end();
    const { disconnectDb } = await import("../lib/db/client");
    await disconnectDb();
    await database.teardown();
  }
}

async function main() {
  if (!INFERENCE_ONLY) await benchLabels();
  if (INFERENCE) {
    const report = await benchInference();
    console.log(`\n${report}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
