/**
 * `npm run bench:csp`: what the per-request CSP (proxy.ts: a nonce per page, Next.js putting it
 * on its scripts) costs the feature page. One production server (scripts/web.ts) on a fresh
 * database with the e2e fixture; the same feature page is fetched alternately through the proxy
 * and past it — proxy.ts's matcher skips requests carrying `Purpose: prefetch`, which Next.js
 * otherwise renders like any page — so both sides share the build, the server and the caches.
 * Needs a production build (`npm run build`). Prints p50/p95 and the load average (the machine
 * may be busy: compare the two columns, not absolute numbers).
 *
 *   npm run bench:csp -- [--requests 200]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort } from "../lib/db/embedded";
import { SYNTHETIC_MODEL_NAME, SYNTHETIC_SAE_NAME } from "../lib/fixtures/synthetic";
import { provisionTestDatabase } from "../tests/support/test-database";
import { seedE2E } from "../tests/support/e2e-seed";
import { startProcess, waitForHttp } from "./lib/processes";

const requestsArg = process.argv.indexOf("--requests");
const REQUESTS = requestsArg > 0 ? Number(process.argv[requestsArg + 1]) : 200;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  if (!fs.existsSync(path.resolve(".next/BUILD_ID"))) throw new Error("no production build in .next: run `npm run build` first");
  const database = await provisionTestDatabase("csp");
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-csp-"));
  const port = await findFreePort();
  const base = `http://127.0.0.1:${port}`;
  let web: ReturnType<typeof startProcess> | undefined;
  try {
    await seedE2E(database.url, workDir);
    web = startProcess("web", process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "scripts/web.ts", "-p", String(port), "-H", "127.0.0.1"], {
      env: { ...process.env, DATABASE_URL: database.url, AUTH_URL: base, AUTH_SECRET: "bench-csp-secret-0123456789abcdef0123", NEXT_TELEMETRY_DISABLED: "1" },
    });
    await waitForHttp(`${base}/api/health`, 120_000, () => web!.child.exitCode === null);
    const page = `${base}/models/${SYNTHETIC_MODEL_NAME}/saes/${SYNTHETIC_SAE_NAME}/features/1`;
    const fetchOnce = async (viaProxy: boolean) => {
      const t0 = performance.now();
      const response = await fetch(page, { headers: viaProxy ? {} : { purpose: "prefetch" } });
      await response.arrayBuffer();
      const ms = performance.now() - t0;
      if (response.status !== 200) throw new Error(`${page} answered ${response.status}`);
      if (Boolean(response.headers.get("content-security-policy")) !== viaProxy) throw new Error("the proxy ran (or did not) against expectation");
      return ms;
    };
    for (let i = 0; i < 20; i++) await fetchOnce(i % 2 === 0); // warm up both paths
    const withCsp: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      if (i % 2 === 0) withCsp.push(await fetchOnce(true));
      else without.push(await fetchOnce(false));
    }
    const row = (name: string, values: number[]) => `${name.padEnd(28)} p50 ${percentile(values, 50).toFixed(1)} ms   p95 ${percentile(values, 95).toFixed(1)} ms   (n=${values.length})`;
    console.log(`[bench:csp] feature page, sequential requests; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores`);
    console.log(row("with CSP (proxy, nonce)", withCsp));
    console.log(row("without (proxy skipped)", without));
  } finally {
    await web?.stop();
    await database.teardown();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
