/**
 * `npm run bench:load`: the whole product under load and under faults, on loopback only.
 *
 * 1. Starts `npm start` (scripts/start.ts: embedded PostgreSQL, migrations, the demo import, web
 *    app, job worker, inference service) in a throwaway data folder on free 127.0.0.1 ports.
 * 2. Load: N clients (default 50) for S seconds (default 60) browse (feature tables, dashboards, a
 *    feature page), search (by label, by the text features fire on) and steer (and test text)
 *    together; p50/p95 per route, status counts, errors.
 * 3. Faults: SIGKILLs the job worker while a demo dashboard run is mid-way and the inference service
 *    while clients steer; checks that the supervisor restarts both, that every answer meanwhile is a
 *    success, a rate limit or a clear 503 (`unavailable`; for a stream already begun, an `error`
 *    event with that code), and that the interrupted run ends with exactly the rows an
 *    uninterrupted rerun stores.
 * Writes the "Load and faults" section of docs/BENCHMARKS.md (`--no-write` skips it).
 *
 *   npm run bench:load -- [--clients 50] [--duration 60] [--tokens 100000] [--no-faults] [--no-write]
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeBenchmarkSection } from "./lib/benchmarks-doc";
import { startProcess, waitForHttp, type ManagedProcess } from "./lib/processes";
import { findFreePort } from "../lib/db/embedded";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
// bounded on purpose: this is a benchmark of one machine, not a load generator
const CLIENTS = Math.min(option("clients", 50), 200);
const DURATION_S = Math.min(option("duration", 60), 600);
const DEMO_TOKENS = Math.min(option("tokens", 100_000), 2_000_000);
const FAULTS = !args.includes("--no-faults");
const WRITE = !args.includes("--no-write");

const log = (line: string) => console.log(`[bench-load] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample { route: string; status: number; ms: number; outcome: "ok" | "rate_limited" | "unavailable" | "error"; detail?: string }

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One request; a steering stream is read to its end and judged by its last event. */
async function timed(route: string, url: string, init: RequestInit = {}): Promise<Sample> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
    const text = await response.text();
    const ms = performance.now() - started;
    const errorCode = (() => {
      if (response.headers.get("content-type")?.includes("text/event-stream")) {
        const error = /event: error\ndata: (.*)\n/.exec(text);
        if (error) return (JSON.parse(error[1]) as { error: { code: string } }).error.code;
        return /event: done\n/.test(text) ? null : "incomplete";
      }
      if (response.ok) return null;
      try {
        return (JSON.parse(text) as { error: { code: string } }).error.code;
      } catch {
        return `not JSON: ${text.slice(0, 80)}`;
      }
    })();
    const outcome: Sample["outcome"] = errorCode === null ? "ok"
      : response.status === 429 ? "rate_limited"
        : errorCode === "unavailable" && (response.status === 503 || response.status === 200) ? "unavailable"
          : "error";
    return { route, status: response.status, ms, outcome, detail: outcome === "error" ? `${response.status} ${errorCode}` : undefined };
  } catch (error) {
    return { route, status: 0, ms: performance.now() - started, outcome: "error", detail: `connection: ${(error as Error).message}` };
  }
}

interface Target { baseUrl: string; modelId: number; modelName: string; saeId: number; saeName: string; dSae: number; words: string[]; keys: string[] }

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

/** One client's next request: browsing half the time, search a quarter, steering and test-your-text the rest. */
function nextRequest(t: Target, key: string): [string, string, RequestInit] {
  const auth = { Authorization: `Bearer ${key}` };
  const json = { ...auth, "Content-Type": "application/json" };
  const index = Math.floor(Math.random() * t.dSae);
  const r = Math.random();
  if (r < 0.2) return ["GET features table", `${t.baseUrl}/api/v1/saes/${t.saeId}/features?limit=50&sort=${pick(["index", "density", "maxActivation"])}`, { headers: auth }];
  if (r < 0.4) return ["GET feature dashboard", `${t.baseUrl}/api/v1/saes/${t.saeId}/features/${index}`, { headers: auth }];
  if (r < 0.5) return ["GET feature page (HTML)", `${t.baseUrl}/models/${encodeURIComponent(t.modelName)}/saes/${encodeURIComponent(t.saeName)}/features/${index}`, { headers: auth }];
  if (r < 0.65) return ["GET search/labels", `${t.baseUrl}/api/v1/search/labels?q=${encodeURIComponent(pick(t.words))}`, { headers: auth }];
  if (r < 0.75) return ["GET search/activations", `${t.baseUrl}/api/v1/search/activations?q=${encodeURIComponent(pick(t.words))}&sae=${t.saeId}`, { headers: auth }];
  if (r < 0.9) {
    const body = { modelId: t.modelId, prompt: `The ${pick(t.words)} of the`, features: [{ saeId: t.saeId, index, method: "add", value: 4 }], maxTokens: 8, temperature: 0, seed: 1 };
    return ["POST steer (8 tokens, SSE)", `${t.baseUrl}/api/v1/steer`, { method: "POST", headers: json, body: JSON.stringify(body) }];
  }
  const body = { modelId: t.modelId, text: `The ${pick(t.words)} and the ${pick(t.words)}.`, saes: [{ saeId: t.saeId }], topK: 5 };
  return ["POST activations", `${t.baseUrl}/api/v1/activations`, { method: "POST", headers: json, body: JSON.stringify(body) }];
}

async function drive(t: Target, clients: number, seconds: number, only?: (route: string) => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    while (Date.now() < deadline) {
      let request = nextRequest(t, t.keys[c % t.keys.length]);
      while (only && !only(request[0])) request = nextRequest(t, t.keys[c % t.keys.length]);
      samples.push(await timed(...request));
    }
  }));
  return samples;
}

function summarise(samples: Sample[]) {
  const routes = [...new Set(samples.map((s) => s.route))].sort();
  return routes.map((route) => {
    const mine = samples.filter((s) => s.route === route);
    const ok = mine.filter((s) => s.outcome === "ok").map((s) => s.ms).sort((a, b) => a - b);
    return {
      route, count: mine.length, ok: ok.length, p50: percentile(ok, 50), p95: percentile(ok, 95),
      rateLimited: mine.filter((s) => s.outcome === "rate_limited").length,
      unavailable: mine.filter((s) => s.outcome === "unavailable").length,
      errors: mine.filter((s) => s.outcome === "error").length,
      details: [...new Set(mine.filter((s) => s.outcome === "error").map((s) => s.detail))].slice(0, 3),
    };
  });
}

async function main() {
  const { db, disconnectDb } = await import("../lib/db/client");
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-bench-load-"));
  fs.chmodSync(workDir, 0o755); // the embedded PostgreSQL runs as its own user
  const [webPort, pgPort, inferencePort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  const baseUrl = `http://127.0.0.1:${webPort}`;
  if (new URL(baseUrl).hostname !== "127.0.0.1") throw new Error("bench:load only targets loopback");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(webPort), HOST: "127.0.0.1",
    FEATURESCOPE_PG_PORT: String(pgPort), FEATURESCOPE_PG_DIR: path.join(workDir, "postgres"),
    INFERENCE_PORT: String(inferencePort), INFERENCE_URL: `http://127.0.0.1:${inferencePort}`,
    INFERENCE_SECRET: "bench-load-inference-secret-0123456789",
    AUTH_SECRET: "bench-load-auth-secret-not-for-production-0123456789",
    AUTH_URL: baseUrl,
    FEATURESCOPE_DEMO_TOKENS: String(DEMO_TOKENS),
    // measure latency, not the per-user steering allowance (docs/STEERING.md)
    FEATURESCOPE_STEER_PER_MINUTE: "100000",
  };
  delete env.DATABASE_URL;
  process.env.DATABASE_URL = `postgresql://postgres:featurescope@127.0.0.1:${pgPort}/featurescope`;

  let app: ManagedProcess | undefined;
  const appLog: string[] = [];
  const report: string[] = [];
  try {
    log(`starting npm start (scripts/start.ts) on ${baseUrl}, data in ${workDir}`);
    app = startProcess("app", process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "scripts/start.ts"], { env, prefix: false });
    for (const stream of [app.child.stdout, app.child.stderr]) {
      stream?.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) appLog.push(line);
        if (appLog.length > 5000) appLog.splice(0, appLog.length - 5000);
      });
    }
    const started = Date.now();
    await waitForHttp(`${baseUrl}/api/health`, 20 * 60_000, () => app!.child.exitCode === null);
    log(`up in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    // the demo's first SAE with finished dashboards is what the clients browse and steer
    const ready = async () => db().dashboardRun.findFirst({ where: { status: "done", kind: "compute" }, orderBy: { id: "asc" }, include: { sae: { include: { model: true } } } });
    let run = await ready();
    for (const deadline = Date.now() + 30 * 60_000; !run && Date.now() < deadline; run = await ready()) await sleep(2000);
    if (!run) throw new Error("no demo dashboard run finished within 30 minutes");
    const { sae } = run;
    log(`dashboards ready for ${sae.model.name}/${sae.name}`);

    const { createApiKey } = await import("../lib/db/api-keys");
    const keys: string[] = [];
    for (let c = 0; c < Math.min(CLIENTS, 50); c++) {
      const user = await db().user.create({ data: { email: `bench-${c}@load.test`, role: "editor", name: `bench client ${c}` } });
      keys.push((await createApiKey(user.id, { name: "bench", scopes: ["read", "write"] })).key);
    }
    const vocabulary = await db().token.findMany({ where: { modelId: sae.modelId }, select: { text: true }, take: 3000 });
    const words = vocabulary.map((v) => v.text.trim()).filter((w) => /^[a-z]{3,}$/i.test(w)).slice(0, 200);
    const target: Target = { baseUrl, modelId: sae.modelId, modelName: sae.model.name, saeId: sae.id, saeName: sae.name, dSae: sae.dSae, words: words.length ? words : ["the", "city", "water"], keys };

    let jobsFault: string[] = [];
    if (FAULTS) jobsFault = await killJobsWorkerMidRun(db);

    log(`load: ${CLIENTS} clients for ${DURATION_S} s`);
    const loadStart = os.loadavg()[0];
    const samples = await drive(target, CLIENTS, DURATION_S);
    const loadEnd = os.loadavg()[0];
    const rows = summarise(samples);
    const total = samples.length;
    report.push(
      `Measured by \`npm run bench:load\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "CPU"}, ${os.cpus().length} cores; 1-minute load average ${loadStart.toFixed(1)} before and ${loadEnd.toFixed(1)} after the load phase (the machine is shared: treat these as an upper bound).`,
      "",
      `- ${CLIENTS} clients (${keys.length} editor API keys), ${DURATION_S} s, loopback, against \`npm start\` (production build, embedded PostgreSQL 17, job worker, inference service on CPU). The demo SAE ${sae.model.name}/${sae.name} (d_sae ${sae.dSae}), dashboards on ${DEMO_TOKENS.toLocaleString("en")} tokens; the other demo SAEs' dashboards were computing in the job worker meanwhile.`,
      `- Mix: 50 % browsing (feature table, feature dashboard JSON, feature page HTML), 25 % search (labels, activation text), 15 % steering (8 tokens, read to the end of the stream), 10 % test-your-text. Each client sends its next request when the last one ends.`,
      `- ${total.toLocaleString("en")} requests, ${(total / DURATION_S).toFixed(1)} per second; latencies of successful requests.`,
      ...(CLIENTS !== 50 || DURATION_S !== 60 ? [`- A shortened run (the default is 50 clients for 60 s): it shows the bench works, not what the product sustains.`] : []),
      "",
      "| route | requests | ok | p50 ms | p95 ms | 429 | 503 | errors |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      ...rows.map((r) => `| ${r.route} | ${r.count} | ${r.ok} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.rateLimited} | ${r.unavailable} | ${r.errors}${r.details.length ? ` (${r.details.join("; ")})` : ""} |`),
      "",
    );
    for (const r of rows) log(`${r.route.padEnd(28)} n=${r.count} ok=${r.ok} p50=${r.p50.toFixed(0)} ms p95=${r.p95.toFixed(0)} ms 429=${r.rateLimited} 503=${r.unavailable} errors=${r.errors} ${r.details.join("; ")}`);

    if (FAULTS) {
      report.push("### Faults", "", ...jobsFault);
      report.push(...(await killInferenceUnderLoad(db, target)));
      report.push(...(await compareWithUninterrupted(db)));
    }
    if (WRITE) await writeBenchmarkSection("Load and faults", `## Load and faults\n\n${report.join("\n")}\n`);
    else console.log(report.join("\n"));
  } catch (error) {
    console.error(appLog.slice(-40).join("\n"));
    throw error;
  } finally {
    await app?.stop(60_000);
    await disconnectDb().catch(() => undefined);
    const { closeRawSql } = await import("../lib/db/dashboards");
    await closeRawSql().catch(() => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
    log(`load average now ${os.loadavg().map((l) => l.toFixed(1)).join(", ")}`);
  }
}

type Db = () => import("../lib/generated/prisma/client").PrismaClient;

async function workerPid(db: Db, kind: string, other?: number): Promise<number | null> {
  const rows = await db().workerHeartbeat.findMany({ where: { kind }, orderBy: { lastSeenAt: "desc" } });
  const fresh = rows.find((w) => Date.now() - w.lastSeenAt.getTime() < 15_000 && w.pid !== other);
  return fresh?.pid ?? null;
}

/** Waits for a heartbeat from a new process of this kind; the time from the kill, in seconds. */
async function awaitRestart(db: Db, kind: string, oldPid: number, killedAt: number, timeoutMs = 5 * 60_000): Promise<{ pid: number; seconds: number }> {
  while (Date.now() - killedAt < timeoutMs) {
    const pid = await workerPid(db, kind, oldPid);
    if (pid) return { pid, seconds: (Date.now() - killedAt) / 1000 };
    await sleep(250);
  }
  throw new Error(`the ${kind} worker was not restarted within ${timeoutMs / 1000} s`);
}

let interruptedRunId: number | null = null;

async function killJobsWorkerMidRun(db: Db): Promise<string[]> {
  // a demo run that has done some of its batches but not all
  let run = null;
  for (const deadline = Date.now() + 20 * 60_000; !run && Date.now() < deadline;) {
    run = await db().dashboardRun.findFirst({ where: { status: "running", batchesDone: { gt: 0 } }, orderBy: { id: "asc" } });
    if (run && run.batchesDone >= run.batchesTotal) run = null;
    if (!run) await sleep(500);
  }
  if (!run) return ["- Job worker: no dashboard run was mid-way to interrupt (all done?); not measured.", ""];
  const pid = await workerPid(db, "jobs");
  if (!pid) throw new Error("no job worker heartbeat");
  const killedAt = Date.now();
  process.kill(pid, "SIGKILL");
  interruptedRunId = run.id;
  log(`SIGKILLed the job worker (pid ${pid}) during run ${run.id} (${run.phase}, batch ${run.batchesDone}/${run.batchesTotal})`);
  const restarted = await awaitRestart(db, "jobs", pid, killedAt);
  log(`job worker back as pid ${restarted.pid} after ${restarted.seconds.toFixed(1)} s`);
  return [
    `- Job worker: SIGKILL (pid ${pid}) during dashboard run ${run.id} (${run.phase}, batch ${run.batchesDone} of ${run.batchesTotal}); the supervisor restarted it (new pid ${restarted.pid}, heartbeat ${restarted.seconds.toFixed(1)} s after the kill). The run resumed from its last checkpoint once its lease lapsed (90 s).`,
  ];
}

async function killInferenceUnderLoad(db: Db, target: Target): Promise<string[]> {
  const clients = 8;
  const pid = await workerPid(db, "inference");
  if (!pid) throw new Error("no inference heartbeat");
  const inferenceRoutes = (route: string) => route.startsWith("POST");
  let killedAt = 0;
  let restarted: { pid: number; seconds: number } | undefined;
  let recoveredAt = 0;
  const phase = (async () => {
    await sleep(3000);
    killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    log(`SIGKILLed the inference service (pid ${pid}) under load`);
    restarted = await awaitRestart(db, "inference", pid, killedAt);
    log(`inference service back as pid ${restarted.pid} after ${restarted.seconds.toFixed(1)} s`);
    // until a steering run goes through again
    for (;;) {
      const probe = await timed("probe", `${target.baseUrl}/api/v1/steer`, {
        method: "POST", headers: { Authorization: `Bearer ${target.keys[0]}`, "Content-Type": "application/json" },
        body: JSON.stringify({ modelId: target.modelId, prompt: "The", features: [{ saeId: target.saeId, index: 0, method: "add", value: 1 }], maxTokens: 2 }),
      });
      if (probe.outcome === "ok") break;
      await sleep(500);
    }
    recoveredAt = Date.now();
  })();
  const samples: Sample[] = [];
  const driver = (async () => {
    while (!recoveredAt || Date.now() < recoveredAt + 3000) samples.push(...(await drive(target, clients, 2, inferenceRoutes)));
  })();
  await Promise.all([phase, driver]);
  const during = samples.filter((s) => s.outcome !== "ok");
  const bad = samples.filter((s) => s.outcome === "error");
  const counts = (outcome: Sample["outcome"]) => samples.filter((s) => s.outcome === outcome).length;
  log(`during the inference fault: ${samples.length} requests, ${counts("ok")} ok, ${counts("unavailable")} clear 503s, ${counts("rate_limited")} 429s, ${bad.length} other`);
  return [
    `- Inference service: SIGKILL (pid ${pid}) while ${clients} clients steered and tested text; the supervisor restarted it (new pid ${restarted!.pid}, heartbeat ${restarted!.seconds.toFixed(1)} s after the kill; steering worked again ${((recoveredAt - killedAt) / 1000).toFixed(1)} s after it, the model and SAE reloading on first use).`,
    `  Of ${samples.length} requests around the outage, ${counts("ok")} succeeded, ${counts("unavailable")} got a clear 503 \`unavailable\` (or, for a stream already under way, an \`error\` event with that code), ${counts("rate_limited")} a 429, and **${bad.length}** anything else${bad.length ? `: ${[...new Set(bad.map((s) => s.detail))].slice(0, 5).join("; ")}` : ""}.`,
    ...(during.length === 0 ? ["  (No request fell into the outage window: it was shorter than one request.)"] : []),
  ];
}

/** Rows the dashboards store for one SAE, as a digest. */
async function saeDigest(saeId: number): Promise<string> {
  const { rawSql } = await import("../lib/db/dashboards");
  const sql = rawSql();
  // everything the dashboards write; row ids and label state are not theirs
  const features = await sql`
    SELECT (to_jsonb(f) - 'id' - 'currentLabelId' - 'labelStatus' - 'labelScore')::text AS row
    FROM "Feature" f WHERE f."saeId" = ${saeId} ORDER BY f."index"`;
  const examples = await sql`
    SELECT f."index", (to_jsonb(e) - 'id' - 'featureId')::text AS row
    FROM "ActivationExample" e JOIN "Feature" f ON f."id" = e."featureId" WHERE f."saeId" = ${saeId}
    ORDER BY f."index", e."kind", e."intervalIndex" NULLS FIRST, e."rank"`;
  const metrics = await sql`
    SELECT "l0", "explainedVariance", "ceLossRecovered", "deadFraction", "denseFraction" FROM "Sae" WHERE "id" = ${saeId}`;
  if (features.length === 0) throw new Error(`SAE ${saeId} has no feature rows to compare`);
  return createHash("sha256").update(JSON.stringify(features)).update(JSON.stringify(examples)).update(JSON.stringify(metrics)).digest("hex");
}

async function waitDone(db: Db, runId: number, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(2000)) {
    const run = await db().dashboardRun.findUnique({ where: { id: runId } });
    if (run?.status === "done") return;
    if (run?.status === "failed") throw new Error(`run ${runId} failed: ${JSON.stringify(run.error)}`);
  }
  throw new Error(`run ${runId} did not finish within ${timeoutMs / 60_000} minutes`);
}

async function compareWithUninterrupted(db: Db): Promise<string[]> {
  if (interruptedRunId === null) return [];
  const runId = interruptedRunId;
  await waitDone(db, runId, 30 * 60_000);
  const run = await db().dashboardRun.findUniqueOrThrow({ where: { id: runId } });
  const interrupted = await saeDigest(run.saeId);
  log(`interrupted run ${runId} finished; recomputing SAE ${run.saeId} uninterrupted for comparison`);
  const { findOrCreateRun } = await import("../lib/db/dashboards");
  const { enqueueDashboardRun } = await import("../lib/dashboards/jobs");
  const { sharedBoss } = await import("../lib/jobs/boss");
  await db().dashboardRun.delete({ where: { id: runId } });
  const again = await findOrCreateRun(run.saeId, "compute", run.params as Record<string, unknown>);
  const boss = await sharedBoss();
  await enqueueDashboardRun(boss, again.id);
  await waitDone(db, again.id, 30 * 60_000);
  await boss.stop({ graceful: false }).catch(() => undefined);
  const uninterrupted = await saeDigest(run.saeId);
  const same = interrupted === uninterrupted;
  log(`interrupted vs uninterrupted rows: ${same ? "identical" : "DIFFERENT"} (${interrupted.slice(0, 12)} / ${uninterrupted.slice(0, 12)})`);
  return [
    `- The interrupted dashboard run ${same ? "stored exactly the rows" : "**did not store the rows**"} an uninterrupted rerun of the same SAE stores (sha256 over every feature and activation-example row: ${interrupted.slice(0, 16)}… ${same ? "=" : "≠"} ${uninterrupted.slice(0, 16)}…).`,
    "",
  ];
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`[bench-load] failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
