/**
 * API keys work on every /api/v1 route: walks every route.ts and every method it exports and calls
 * it with an admin's keys (so the role never decides). A `read` key gets past authentication and
 * authorisation on every read operation and is refused (403, naming the scope) on every write; a
 * `read`+`write` key gets past both everywhere — except creating a key, which keys may not do.
 * The calls carry no parameters or body, so handlers stop at validation and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteHandler } from "@/lib/api/route";
import { db, disconnectDb } from "@/lib/db/client";
import { GET as openApiJson } from "@/app/api/v1/openapi.json/route";
import { call, makeKey, makeUser } from "./api-support";
import { openApiPath, routeFiles } from "./route-files";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
/** Keys cannot mint keys (app/api/v1/api-keys/route.ts): a stolen key must not outlive its revocation. */
const SESSION_ONLY = new Set(["POST /api/v1/api-keys"]);

interface Operation { method: string; route: string; scope: string; handler: RouteHandler }
let operations: Operation[] = [];
let adminId: number;
let readKey: Record<string, string>;
let writeKey: Record<string, string>;

beforeAll(async () => {
  const document = (await call(openApiJson, "/api/v1/openapi.json")).json as unknown as { paths: Record<string, Record<string, { "x-featurescope-scope": string }>> };
  for (const file of routeFiles()) {
    const route = openApiPath(file);
    const routeModule = (await import(file)) as Record<string, RouteHandler | undefined>;
    for (const method of METHODS) {
      const handler = routeModule[method];
      if (!handler) continue;
      const scope = document.paths[route]?.[method.toLowerCase()]?.["x-featurescope-scope"];
      operations.push({ method, route, scope, handler });
    }
  }
  operations = operations.sort((a, b) => `${a.route} ${a.method}`.localeCompare(`${b.route} ${b.method}`));
  const admin = await makeUser("admin");
  adminId = admin.id;
  readKey = (await makeKey(admin.id, ["read"])).bearer;
  writeKey = (await makeKey(admin.id, ["read", "write"])).bearer;
}, 120_000);
afterAll(async () => {
  // PUT /api/v1/admin/autointerp with an empty body is a valid (empty) change: leave no settings row behind
  await db().autoInterpSettings.deleteMany({ where: { updatedById: adminId } });
  await disconnectDb();
});

async function attempt(operation: Operation, headers: Record<string, string>) {
  const res = await call(operation.handler, operation.route, {
    method: operation.method, headers, params: {},
    // a valid body where the refusal comes after validation (creating a key with a key)
    body: operation.method === "GET" ? undefined : SESSION_ONLY.has(`${operation.method} ${operation.route}`) ? { name: "made by a key" } : {},
  });
  return { status: res.status, message: res.json?.error?.message ?? "" };
}

describe("API keys on every /api/v1 route", () => {
  it("finds every operation with its scope", () => {
    expect(operations.length).toBeGreaterThan(40);
    for (const operation of operations) expect(["read", "write"], `${operation.method} ${operation.route}`).toContain(operation.scope);
    expect(operations.filter((o) => o.scope === "write").length).toBeGreaterThan(15);
  });

  it("a read key passes on every read operation and gets 403 naming the scope on every write", async () => {
    const wrong: string[] = [];
    for (const operation of operations) {
      const { status, message } = await attempt(operation, readKey);
      const name = `${operation.method} ${operation.route} (${operation.scope}) → ${status} ${message}`;
      if (operation.scope === "read" && (status === 401 || status === 403 || (status >= 500 && status !== 503))) wrong.push(name);
      if (operation.scope === "write" && !(status === 403 && /scope/i.test(message))) wrong.push(name);
    }
    expect(wrong).toEqual([]);
  });

  it("a read+write key passes on every operation but creating a key", async () => {
    const wrong: string[] = [];
    for (const operation of operations) {
      const { status, message } = await attempt(operation, writeKey);
      const name = `${operation.method} ${operation.route} → ${status} ${message}`;
      const refused = status === 401 || status === 403;
      if (SESSION_ONLY.has(`${operation.method} ${operation.route}`) ? !refused : refused || (status >= 500 && status !== 503)) wrong.push(name);
    }
    expect(wrong).toEqual([]);
  });
});
