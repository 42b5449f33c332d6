/**
 * `npm test`: runs every suite — static checks (types, lint), unit, integration (real PostgreSQL)
 * and e2e (Playwright against a production build) — and ends with one line "N passed, N failed"
 * summing them all. `npm test -- unit integration` runs a subset.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureNextBuild } from "./lib/next-build";
import { runToCompletion, startProcess, waitForHttp, type ManagedProcess } from "./lib/processes";
import { findFreePort } from "../lib/db/embedded";
import { provisionTestDatabase, type TestDatabase } from "../tests/support/test-database";
import { seedE2E } from "../tests/support/e2e-seed";

type Suite = "typecheck" | "lint" | "unit" | "integration" | "e2e";
const ALL: Suite[] = ["typecheck", "lint", "unit", "integration", "e2e"];
const RESULTS_DIR = path.resolve("test-results");

interface Tally { suite: Suite; passed: number; failed: number; skipped: number; note?: string }

const log = (line: string) => console.log(`\n[test] ${line}`);
const node = process.execPath;
const bin = (pkgPath: string) => path.resolve("node_modules", pkgPath);

function readJson<T>(file: string): T | undefined {
  try { return JSON.parse(fs.readFileSync(file, "utf8")) as T; } catch { return undefined; }
}

async function checkSuite(suite: Suite, command: string, args: string[]): Promise<Tally> {
  log(`${suite}: ${path.basename(args[0] ?? command)} ${args.slice(1).join(" ")}`);
  const code = await runToCompletion(command, args);
  return { suite, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 };
}

async function vitestSuite(suite: "unit" | "integration"): Promise<Tally> {
  const report = path.join(RESULTS_DIR, `${suite}.json`);
  fs.rmSync(report, { force: true });
  log(`${suite} tests (vitest)`);
  const code = await runToCompletion(node, [bin("vitest/vitest.mjs"), "run", "--project", suite,
    "--reporter=default", "--reporter=json", `--outputFile=${report}`]);
  const json = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number }>(report);
  if (!json) return { suite, passed: 0, failed: 1, skipped: 0, note: `vitest exited ${code} without a report` };
  // a file that fails to load counts as a failure even when it declared no tests
  const failed = json.numFailedTests + (json.numFailedTests === 0 && code !== 0 ? Math.max(1, json.numFailedTestSuites) : 0);
  return { suite, passed: json.numPassedTests, failed, skipped: json.numPendingTests + json.numTodoTests };
}

interface PlaywrightStats { expected: number; unexpected: number; flaky: number; skipped: number }

async function e2eSuite(): Promise<Tally> {
  log("e2e journeys (Playwright, production build)");
  const children: ManagedProcess[] = [];
  let database: TestDatabase | undefined;
  let workDir: string | undefined;
  try {
    await ensureNextBuild(process.env, (line) => console.log(`[test] ${line}`));
    database = await provisionTestDatabase("e2e");
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-e2e-"));
    await seedE2E(database.url, workDir);
    const port = await findFreePort();
    const inferencePort = await findFreePort();
    const magicLinkFile = path.join(workDir, "magic-links.log");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: "featurescope-e2e-secret-not-for-production-0123456789",
      AUTH_URL: `http://127.0.0.1:${port}`,
      FEATURESCOPE_MAGIC_LINK_FILE: magicLinkFile,
      // the journeys steer without signing in, on a server with several accounts (docs/AUTH.md)
      FEATURESCOPE_ANONYMOUS_STEERING: "on",
      INFERENCE_PORT: String(inferencePort),
      INFERENCE_URL: `http://127.0.0.1:${inferencePort}`,
      INFERENCE_SECRET: "featurescope-e2e-inference-secret-0123456789",
    };
    children.push(startProcess("e2e-jobs", node, [bin("tsx/dist/cli.mjs"), "workers/jobs/main.ts"], { env }));
    if (fs.existsSync("workers/inference/main.ts")) {
      children.push(startProcess("e2e-inference", node, [bin("tsx/dist/cli.mjs"), "workers/inference/main.ts"], { env }));
    }
    const web = startProcess("e2e-web", node, [bin("tsx/dist/cli.mjs"), "scripts/web.ts", "-p", String(port), "-H", "127.0.0.1"], { env });
    children.push(web);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/api/health`, 120_000, () => web.child.exitCode === null);

    const report = path.join(RESULTS_DIR, "e2e.json");
    fs.rmSync(report, { force: true });
    const code = await runToCompletion(node, [bin("@playwright/test/cli.js"), "test"], {
      env: { ...env, E2E_BASE_URL: baseUrl },
    });
    const json = readJson<{ stats: PlaywrightStats }>(report);
    if (!json) return { suite: "e2e", passed: 0, failed: 1, skipped: 0, note: `playwright exited ${code} without a report` };
    const { expected, unexpected, flaky, skipped } = json.stats;
    return { suite: "e2e", passed: expected + flaky, failed: unexpected, skipped };
  } catch (error) {
    console.error(`[test] e2e setup failed: ${(error as Error).message}`);
    return { suite: "e2e", passed: 0, failed: 1, skipped: 0, note: "setup failed" };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await database?.teardown().catch((error) => console.error(`[test] teardown: ${(error as Error).message}`));
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function main() {
  const requested = process.argv.slice(2).filter((a) => !a.startsWith("-")) as Suite[];
  const unknown = requested.filter((s) => !ALL.includes(s));
  if (unknown.length) {
    console.error(`unknown suite(s): ${unknown.join(", ")} — choose from ${ALL.join(", ")}`);
    process.exit(2);
  }
  const suites = requested.length ? requested : ALL;
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const tallies: Tally[] = [];
  for (const suite of suites) {
    if (suite === "typecheck") tallies.push(await checkSuite(suite, node, [bin("typescript/bin/tsc"), "--noEmit", "-p", "."]));
    else if (suite === "lint") tallies.push(await checkSuite(suite, node, [bin("eslint/bin/eslint.js"), "."]));
    else if (suite === "unit" || suite === "integration") tallies.push(await vitestSuite(suite));
    else tallies.push(await e2eSuite());
  }
  console.log("\n[test] summary");
  for (const t of tallies) {
    console.log(`  ${t.suite.padEnd(12)} ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}${t.note ? ` (${t.note})` : ""}`);
  }
  const passed = tallies.reduce((n, t) => n + t.passed, 0);
  const failed = tallies.reduce((n, t) => n + t.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

void main();
