/**
 * `npm test`: runs every suite — static checks (types, lint), unit, integration (real PostgreSQL),
 * abuse (hostile requests and the OpenAPI lint against a production build) and e2e (Playwright
 * against a production build) — and ends with one line "N passed, N failed" summing them all.
 * `npm test -- unit integration` runs a subset.
 */
import fs from "node:fs";
import path from "node:path";
import { withAppUnderTest } from "./lib/app-under-test";
import { runToCompletion } from "./lib/processes";

type Suite = "typecheck" | "lint" | "unit" | "integration" | "abuse" | "e2e";
const ALL: Suite[] = ["typecheck", "lint", "unit", "integration", "abuse", "e2e"];
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

async function vitestSuite(suite: "unit" | "integration" | "abuse", env: NodeJS.ProcessEnv = process.env): Promise<Tally> {
  const report = path.join(RESULTS_DIR, `${suite}.json`);
  fs.rmSync(report, { force: true });
  log(`${suite} tests (vitest)`);
  const code = await runToCompletion(node, [bin("vitest/vitest.mjs"), "run", "--project", suite,
    "--reporter=default", "--reporter=json", `--outputFile=${report}`], { env });
  const json = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number }>(report);
  if (!json) return { suite, passed: 0, failed: 1, skipped: 0, note: `vitest exited ${code} without a report` };
  // a file that fails to load counts as a failure even when it declared no tests
  const failed = json.numFailedTests + (json.numFailedTests === 0 && code !== 0 ? Math.max(1, json.numFailedTestSuites) : 0);
  return { suite, passed: json.numPassedTests, failed, skipped: json.numPendingTests + json.numTodoTests };
}

interface PlaywrightStats { expected: number; unexpected: number; flaky: number; skipped: number }

async function e2eSuite(): Promise<Tally> {
  log("e2e journeys (Playwright, production build)");
  try {
    return await withAppUnderTest("e2e", (line) => console.log(`[test] ${line}`), async ({ baseUrl, env }) => {
      const report = path.join(RESULTS_DIR, "e2e.json");
      fs.rmSync(report, { force: true });
      const code = await runToCompletion(node, [bin("@playwright/test/cli.js"), "test"], {
        env: { ...env, E2E_BASE_URL: baseUrl },
      });
      const json = readJson<{ stats: PlaywrightStats }>(report);
      if (!json) return { suite: "e2e", passed: 0, failed: 1, skipped: 0, note: `playwright exited ${code} without a report` };
      const { expected, unexpected, flaky, skipped } = json.stats;
      return { suite: "e2e", passed: expected + flaky, failed: unexpected, skipped };
    });
  } catch (error) {
    console.error(`[test] e2e setup failed: ${(error as Error).message}`);
    return { suite: "e2e", passed: 0, failed: 1, skipped: 0, note: "setup failed" };
  }
}

/** Hostile requests against a real server (tests/abuse/): its own app and database, so e2e state never leaks in. */
async function abuseSuite(): Promise<Tally> {
  log("abuse suite (hostile requests against a production build)");
  try {
    return await withAppUnderTest("abuse", (line) => console.log(`[test] ${line}`), async ({ baseUrl, env }) => {
      const tally = await vitestSuite("abuse", { ...env, ABUSE_BASE_URL: baseUrl });
      return tally;
    });
  } catch (error) {
    console.error(`[test] abuse setup failed: ${(error as Error).message}`);
    return { suite: "abuse", passed: 0, failed: 1, skipped: 0, note: "setup failed" };
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
    else if (suite === "abuse") tallies.push(await abuseSuite());
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
