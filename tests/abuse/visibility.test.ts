/**
 * What the server tells strangers about itself: health endpoints and the status page show where
 * workers run (hostnames, pids, the inference service's URL) only to admins; public auto-interp run
 * views show neither the provider's URL nor its raw errors.
 */
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { makeCallers, type Callers } from "./support/principals";
import { BASE_URL } from "./support/server";

afterAll(disconnectDb);

let callers: Callers;
const INTERNAL_PROVIDER = "http://10.11.12.13:8000/v1";
let runId: number;
let saeId: number;

/** The inference service's address and the hosts and pids of the workers, as stored by their heartbeats. */
async function internals(): Promise<string[]> {
  const workers = await db().workerHeartbeat.findMany();
  const urls = workers.map((w) => (w.details as { url?: string } | null)?.url).filter((u): u is string => !!u);
  return [...workers.map((w) => w.name), ...urls, os.hostname()];
}

beforeAll(async () => {
  callers = await makeCallers();
  // wait for both workers' heartbeats: the point is to see them hidden
  for (let i = 0; i < 60 && new Set((await db().workerHeartbeat.findMany()).map((w) => w.kind)).size < 2; i++) {
    await new Promise((r) => setTimeout(r, 500));
  }
  const sae = await db().sae.findFirstOrThrow({ orderBy: { id: "asc" } });
  saeId = sae.id;
  const run = await db().autoInterpRun.create({
    data: {
      saeId, scope: "feature", status: "failed", provider: INTERNAL_PROVIDER, model: "gateway-model", promptVersion: "v1",
      featuresTotal: 1, featuresFailed: 1,
      errors: [{
        index: 0, attempt: 1, final: true, at: new Date().toISOString(),
        message: `Could not reach the provider at ${INTERNAL_PROVIDER}: ECONNREFUSED`,
        cause: { message: `Could not reach the provider at ${INTERNAL_PROVIDER}: ECONNREFUSED`, failure: "network", retryable: true, status: null, body: "upstream x-internal-token: secret" },
      }],
    },
  });
  runId = run.id;
}, 120_000);

describe("what the server says about itself", () => {
  it("/api/health: up or down for everyone, hosts, pids and URLs for admins only", async () => {
    const secrets = await internals();
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const viewerKey = callers.keys.find((k) => k.role === "viewer")!;
    for (const headers of [{}, viewerKey.headers]) {
      const response = await fetch(`${BASE_URL}/api/health`, { headers });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ database: { ok: true } });
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"pid"|"host"|"url"/);
    }
    const asAdmin = await (await fetch(`${BASE_URL}/api/health`, { headers: callers.admin.headers })).text();
    expect(asAdmin).toContain(os.hostname());
    expect(asAdmin).toMatch(/"pid":\d+/);
  });

  it("/status: worker names (host and pid) for admins only", async () => {
    const secrets = (await internals()).filter((s) => s.includes("@"));
    expect(secrets.length).toBeGreaterThan(0);
    const anonymous = await (await fetch(`${BASE_URL}/status`)).text();
    expect(anonymous).toContain("System status");
    for (const secret of secrets) expect(anonymous).not.toContain(secret);
    const admin = callers.sessions.find((s) => s.role === "admin")!;
    const asAdmin = await (await fetch(`${BASE_URL}/status`, { headers: admin.headers })).text();
    expect(secrets.some((secret) => asAdmin.includes(secret))).toBe(true);
  });

  it("auto-interp runs: no provider URL or raw provider error outside admins", async () => {
    const viewerKey = callers.keys.find((k) => k.role === "viewer")!;
    const editorKey = callers.keys.find((k) => k.role === "editor")!;
    for (const path of [`/api/v1/autointerp/runs/${runId}`, `/api/v1/saes/${saeId}/autointerp/runs`]) {
      for (const headers of [{}, viewerKey.headers, editorKey.headers]) {
        const response = await fetch(`${BASE_URL}${path}`, { headers });
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text).not.toContain("10.11.12.13");
        expect(text).not.toContain("x-internal-token");
        expect(text).toContain("The provider could not be reached.");
      }
      const asAdmin = await (await fetch(`${BASE_URL}${path}`, { headers: callers.admin.headers })).text();
      expect(asAdmin).toContain(INTERNAL_PROVIDER);
    }
  });
});
