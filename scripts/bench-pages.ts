/**
 * npm run bench:pages — how fast the browse pages answer at the scale of a real SAE.
 *
 * Builds (once, then reuses) a synthetic SAE of 100,000 features × 30 activation examples in a
 * database of its own, then puts each read path under concurrent load with autocannon:
 *   1. data: an in-process HTTP server calls lib/db's page queries (what a page render awaits), and
 *      records the server time of each request;
 *   2. pages (when a production build exists in .next): the production server (scripts/web.ts) on the same database, the
 *      real feature and SAE pages end to end, and the JavaScript each page ships.
 *
 *   npm run bench:pages -- [--features 100000] [--examples 30] [--context 64] [--duration 10]
 *                          [--connections 10] [--rebuild] [--no-pages] [--markdown]
 *
 * The database is BENCH_DATABASE_URL, else "featurescope_bench" on DATABASE_URL's server (or the
 * embedded one that `npm start` runs). It is kept between runs; --rebuild reloads it.
 */
import http from "node:http";
import net from "node:net";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { spawn, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { currentDatabaseUrl, withDatabase } from "../lib/db/connection";
import { ensureDatabase } from "../lib/db/server";
import { migrateDeploy } from "../lib/db/migrate";

const { values: args } = parseArgs({
  options: {
    features: { type: "string", default: "100000" },
    examples: { type: "string", default: "30" },
    context: { type: "string", default: "64" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    rebuild: { type: "boolean", default: false },
    "no-pages": { type: "boolean", default: false },
    markdown: { type: "boolean", default: false },
  },
});
const FEATURES = Number(args.features);
const EXAMPLES = Number(args.examples);
const CONTEXT = Number(args.context);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const MODEL = "synthetic-bench";
const SAE = "synthetic-bench-sae";

const benchUrl = process.env.BENCH_DATABASE_URL ?? withDatabase(currentDatabaseUrl(), "featurescope_bench");
// lib/db reads DATABASE_URL lazily: point it at the bench database before the first query
process.env.DATABASE_URL = benchUrl;
const { db, disconnectDb } = await import("../lib/db/client");
const { loadSyntheticScale } = await import("../lib/fixtures/synthetic");
const { getFeaturePage } = await import("../lib/db/features");
const { countSaeFeatures, encodeCursor, featureTableQuerySchema, getSaeByNames, listSaeFeatures } = await import("../lib/db/saes");

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

async function prepareDatabase(): Promise<{ saeId: number }> {
  try {
    await ensureDatabase(benchUrl);
  } catch (error) {
    log(`Cannot reach the bench database: ${(error as Error).message}`);
    log("Start PostgreSQL first (npm start, or `npx tsx scripts/postgres.ts`), or set BENCH_DATABASE_URL.");
    process.exit(2);
  }
  await migrateDeploy(benchUrl);
  const existing = await getSaeByNames(MODEL, SAE);
  if (existing && !args.rebuild) {
    // cheap checks (a full count would scan gigabytes): the last feature has its examples
    const last = await db().$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "ActivationExample" e JOIN "Feature" f ON f.id = e."featureId"
      WHERE f."saeId" = ${existing.id} AND f."index" = (SELECT max("index") FROM "Feature" WHERE "saeId" = ${existing.id} AND NOT "dead")`;
    if (existing.dSae === FEATURES && existing.dashboardContextSize === CONTEXT && Number(last[0].n) === EXAMPLES) {
      log(`reusing ${FEATURES.toLocaleString("en")} features × ${EXAMPLES} examples (--rebuild to reload)`);
      return { saeId: existing.id };
    }
  }
  log(`loading ${FEATURES.toLocaleString("en")} features × ${EXAMPLES} examples × ${CONTEXT} tokens (takes minutes) …`);
  const started = Date.now();
  const { saeId } = await loadSyntheticScale(db(), {
    modelName: MODEL, saeName: SAE, features: FEATURES, examplesPerFeature: EXAMPLES, contextLength: CONTEXT,
  });
  // the visibility map lets the table counts use index-only scans
  await db().$executeRawUnsafe(`VACUUM ANALYZE "Feature"`);
  log(`loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { saeId };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Row {
  layer: "data" | "page";
  scenario: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Runs one autocannon scenario; `times` collects the per-request time to report. */
async function load(url: string, pathFor: () => string, collect: (times: number[]) => number[]): Promise<Omit<Row, "layer" | "scenario">> {
  const clientTimes: number[] = [];
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    timeout: 30,
    requests: [{ setupRequest: (request) => ({ ...request, path: pathFor() }) }],
  });
  instance.on("response", (_client, _status, _bytes, responseTime) => clientTimes.push(responseTime));
  const result = await instance;
  const times = collect(clientTimes).sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

const random = (n: number) => Math.floor(Math.random() * n);

async function benchData(saeId: number): Promise<Row[]> {
  const sample = await db().$queryRaw<{ index: number; density: number; maxActivation: number }[]>`
    SELECT "index", "density", "maxActivation" FROM "Feature" WHERE "saeId" = ${saeId} ORDER BY random() LIMIT 2000`;
  const pick = () => sample[random(sample.length)];
  const tables: Record<string, () => Record<string, string>> = {
    "SAE table: by index, random page": () => ({ after: encodeCursor(random(FEATURES), random(FEATURES)) }),
    "SAE table: by density, first page": () => ({ sort: "density" }),
    "SAE table: by density, random page": () => {
      const row = pick();
      return { sort: "density", after: encodeCursor(row.density, row.index) };
    },
    "SAE table: by max activation, random page": () => {
      const row = pick();
      return { sort: "maxActivation", after: encodeCursor(row.maxActivation, row.index) };
    },
    "SAE table: by label score, first page": () => ({ sort: "labelScore" }),
    "SAE table: by label status, first page": () => ({ sort: "labelStatus" }),
    "SAE table: machine-drafted, density 1e-4…1e-2": () => ({ label: "drafted", minDensity: "0.0001", maxDensity: "0.01" }),
  };
  let serverTimes: number[] = [];
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://bench");
    const started = performance.now();
    try {
      let body: unknown;
      if (url.pathname === "/feature") {
        body = await getFeaturePage(MODEL, SAE, Number(url.searchParams.get("index")));
      } else {
        const query = featureTableQuerySchema.parse(Object.fromEntries(url.searchParams));
        // what the SAE page awaits: the SAE, the page of rows, the match count
        const sae = await getSaeByNames(MODEL, SAE);
        body = await Promise.all([listSaeFeatures(sae!.id, query), countSaeFeatures(sae!.id, query, sae!.dSae)]);
      }
      const json = JSON.stringify(body);
      serverTimes.push(performance.now() - started);
      response.writeHead(200, { "content-type": "application/json" }).end(json);
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const rows: Row[] = [];
  const scenarios: [string, () => string][] = [
    ["feature page data (random feature)", () => `/feature?index=${random(FEATURES)}`],
    ...Object.entries(tables).map(([name, params]): [string, () => string] => [name, () => `/table?${new URLSearchParams(params())}`]),
  ];
  for (const [scenario, pathFor] of scenarios) {
    serverTimes = [];
    log(`data: ${scenario} …`);
    const result = await load(`http://127.0.0.1:${port}`, pathFor, () => serverTimes);
    rows.push({ layer: "data", scenario, ...result });
  }
  server.close();
  return rows;
}

async function waitForServer(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error("the web server exited");
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("the web server did not answer within 60 s");
}

/** JavaScript a page makes the browser download: its <script src> chunks, raw and gzipped. */
async function javascriptOf(base: string, pagePath: string): Promise<{ files: number; raw: number; gzip: number }> {
  const html = await (await fetch(base + pagePath)).text();
  const sources = [...new Set([...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]))];
  let raw = 0;
  let gzip = 0;
  for (const source of sources) {
    const bytes = Buffer.from(await (await fetch(new URL(source, base))).arrayBuffer());
    raw += bytes.length;
    gzip += zlib.gzipSync(bytes).length;
  }
  return { files: sources.length, raw, gzip };
}

async function benchPages(): Promise<{ rows: Row[]; javascript: { page: string; files: number; raw: number; gzip: number }[] } | null> {
  if (args["no-pages"]) return null;
  if (!fs.existsSync(path.resolve(".next/BUILD_ID"))) {
    log("pages: no production build in .next (run `npm run build` first); measuring data only");
    return null;
  }
  const port = await freePort();
  // scripts/web.ts, as npm start runs it (Next.js behind the client-address server)
  const child = spawn(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "scripts/web.ts", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, DATABASE_URL: benchUrl, NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  const sae = `/models/${MODEL}/saes/${SAE}`;
  try {
    await waitForServer(`${base}${sae}`, child);
    const rows: Row[] = [];
    const scenarios: [string, () => string][] = [
      ["feature page (random feature)", () => `${sae}/features/${random(FEATURES)}`],
      ["SAE page, by density, first page", () => `${sae}?sort=density`],
      ["SAE page, by index, random page", () => `${sae}?after=${encodeCursor(random(FEATURES), random(FEATURES))}`],
    ];
    for (const [scenario, pathFor] of scenarios) {
      log(`page: ${scenario} …`);
      // warm the route once so the first compile-free render is not counted
      await fetch(base + pathFor());
      const result = await load(base, pathFor, (times) => times);
      rows.push({ layer: "page", scenario, ...result });
    }
    const javascript = [];
    for (const [page, pagePath] of [["home", "/"], ["SAE page", sae], ["feature page", `${sae}/features/1`], ["feature embed", `${sae}/features/1?embed=1`]]) {
      javascript.push({ page, ...(await javascriptOf(base, pagePath)) });
    }
    return { rows, javascript };
  } finally {
    if (child.pid) process.kill(-child.pid, "SIGTERM");
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

async function main() {
  const { saeId } = await prepareDatabase();
  const data = await benchData(saeId);
  const pages = await benchPages();
  await disconnectDb();
  const rows = [...data, ...(pages?.rows ?? [])];
  const header = `${FEATURES.toLocaleString("en")} features × ${EXAMPLES} examples × ${CONTEXT} tokens; ${CONNECTIONS} connections × ${DURATION} s per scenario`;
  if (args.markdown) {
    console.log(`${header}\n\n| layer | scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---:|---:|---:|---:|---:|---:|`);
    for (const r of rows) {
      console.log(`| ${r.layer} | ${r.scenario} | ${r.requests} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`);
    }
    if (pages) {
      console.log(`\n| page | script files | JavaScript | gzipped |\n|---|---:|---:|---:|`);
      for (const j of pages.javascript) console.log(`| ${j.page} | ${j.files} | ${kb(j.raw)} | ${kb(j.gzip)} |`);
    }
  } else {
    console.log(header);
    console.table(rows.map((r) => ({
      layer: r.layer, scenario: r.scenario, requests: r.requests, "req/s": Math.round(r.rps),
      "p50 ms": r.p50.toFixed(1), "p95 ms": r.p95.toFixed(1), "p99 ms": r.p99.toFixed(1), errors: r.errors,
    })));
    if (pages) console.table(pages.javascript.map((j) => ({ page: j.page, files: j.files, javascript: kb(j.raw), gzipped: kb(j.gzip) })));
  }
  const worst = Math.max(...data.map((r) => r.p95));
  log(`data p95 worst case ${worst.toFixed(1)} ms (target ≤ 50 ms)`);
}

main().catch(async (error) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await disconnectDb();
  process.exit(1);
});
