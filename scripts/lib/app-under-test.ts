/**
 * The app as the e2e journeys and the abuse suite see it: a production build, a fresh real
 * PostgreSQL seeded with the fixtures and one user per role, and the web app, the job worker and the
 * inference service on free loopback ports. `withAppUnderTest` brings it up, runs a suite against
 * it, and tears everything down (the database too), whatever the suite did.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureNextBuild } from "./next-build";
import { startProcess, waitForHttp, type ManagedProcess } from "./processes";
import { findFreePort } from "../../lib/db/embedded";
import { provisionTestDatabase, type TestDatabase } from "../../tests/support/test-database";
import { seedE2E } from "../../tests/support/e2e-seed";

export interface AppUnderTest {
  baseUrl: string;
  /** The environment the app runs with (DATABASE_URL, AUTH_SECRET, …), for the suite's own process. */
  env: NodeJS.ProcessEnv;
  /** Holds the runnable model's files and the magic-link log. */
  workDir: string;
}

const node = process.execPath;
const bin = (pkgPath: string) => path.resolve("node_modules", pkgPath);

export async function withAppUnderTest<T>(label: string, log: (line: string) => void, run: (app: AppUnderTest) => Promise<T>): Promise<T> {
  const children: ManagedProcess[] = [];
  let database: TestDatabase | undefined;
  let workDir: string | undefined;
  try {
    await ensureNextBuild(process.env, log);
    database = await provisionTestDatabase(label);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), `featurescope-${label}-`));
    await seedE2E(database.url, workDir);
    const port = await findFreePort();
    const inferencePort = await findFreePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: `featurescope-${label}-secret-not-for-production-0123456789`,
      AUTH_URL: `http://127.0.0.1:${port}`,
      // the journeys steer without signing in, on a server with several accounts (docs/AUTH.md)
      FEATURESCOPE_ANONYMOUS_STEERING: "on",
      FEATURESCOPE_MAGIC_LINK_FILE: path.join(workDir, "magic-links.log"),
      INFERENCE_PORT: String(inferencePort),
      INFERENCE_URL: `http://127.0.0.1:${inferencePort}`,
      INFERENCE_SECRET: `featurescope-${label}-inference-secret-0123456789`,
    };
    children.push(startProcess(`${label}-jobs`, node, [bin("tsx/dist/cli.mjs"), "workers/jobs/main.ts"], { env }));
    if (fs.existsSync("workers/inference/main.ts")) {
      children.push(startProcess(`${label}-inference`, node, [bin("tsx/dist/cli.mjs"), "workers/inference/main.ts"], { env }));
    }
    const web = startProcess(`${label}-web`, node, [bin("tsx/dist/cli.mjs"), "scripts/web.ts", "-p", String(port), "-H", "127.0.0.1"], { env });
    children.push(web);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/api/health`, 120_000, () => web.child.exitCode === null);
    return await run({ baseUrl, env, workDir });
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await database?.teardown().catch((error) => log(`teardown: ${(error as Error).message}`));
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  }
}
