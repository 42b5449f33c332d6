/**
 * The API conventions against a real database, calling the exported route handlers with a Request:
 * roles and scopes (401/403), the error shape (400/404/409/413/415), API keys and audit rows.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ErrorBodySchema } from "@/lib/api/errors";
import { db, disconnectDb } from "@/lib/db/client";
import * as apiKeysRoute from "@/app/api/v1/api-keys/route";
import * as apiKeyRoute from "@/app/api/v1/api-keys/[id]/route";
import * as usersRoute from "@/app/api/v1/admin/users/route";
import * as userRoute from "@/app/api/v1/admin/users/[id]/route";
import * as meRoute from "@/app/api/v1/me/route";
import * as modelsRoute from "@/app/api/v1/models/route";
import { ORIGIN, call, makeKey, makeUser, sessionCookie } from "./api-support";

afterAll(disconnectDb);

function expectErrorShape(json: unknown, code: string) {
  const parsed = ErrorBodySchema.parse(json);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(0);
  expect(JSON.stringify(json)).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack traces
}

describe("reviewer checks", () => {
  it("unauthenticated POST to a write route → 401 with the error shape", async () => {
    const res = await call(usersRoute.POST, "/api/v1/admin/users", { method: "POST", body: { email: "new@example.org" } });
    expect(res.status).toBe(401);
    expectErrorShape(res.json, "unauthenticated");
    const keys = await call(apiKeysRoute.POST, "/api/v1/api-keys", { method: "POST", body: { name: "x" } });
    expect(keys.status).toBe(401);
  });

  it("editor calling an admin route → 403 (API key and session alike)", async () => {
    const editor = await makeUser("editor");
    const { bearer } = await makeKey(editor.id);
    const list = await call(usersRoute.GET, "/api/v1/admin/users", { headers: bearer });
    expect(list.status).toBe(403);
    expectErrorShape(list.json, "forbidden");
    const create = await call(usersRoute.POST, "/api/v1/admin/users", {
      method: "POST", headers: await sessionCookie(editor.id, "editor"), body: { email: "x@example.org" },
    });
    expect(create.status).toBe(403);
    expectErrorShape(create.json, "forbidden");
  });

  it("malformed body → 400 with the error shape and zod issues in details", async () => {
    const admin = await makeUser("admin");
    const { bearer } = await makeKey(admin.id);
    const invalid = await call(usersRoute.POST, "/api/v1/admin/users", {
      method: "POST", headers: bearer, body: { email: "not-an-email", role: "overlord" },
    });
    expect(invalid.status).toBe(400);
    expectErrorShape(invalid.json, "validation_failed");
    const paths = (invalid.json.error!.details as { path: string[] }[]).map((issue) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["body.email", "body.role"]));

    const notJson = await call(usersRoute.POST, "/api/v1/admin/users", { method: "POST", headers: bearer, body: "{email:" });
    expect(notJson.status).toBe(400);
    expectErrorShape(notJson.json, "bad_request");

    const unknownField = await call(usersRoute.POST, "/api/v1/admin/users", {
      method: "POST", headers: bearer, body: { email: "ok@example.org", isAdmin: true },
    });
    expect(unknownField.status).toBe(400);
    expectErrorShape(unknownField.json, "validation_failed");
  });
});

describe("reads", () => {
  it("public GET routes work anonymously", async () => {
    await db().model.create({
      data: { name: `api-model-${Date.now()}`, architecture: "gpt2", dModel: 8, nLayers: 1, nCtx: 16, dVocab: 32,
        tokenizer: "byte-bpe", packagePath: "/secret/path", manifest: {} },
    });
    const res = await call(modelsRoute.GET, "/api/v1/models");
    expect(res.status).toBe(200);
    const models = res.json.models as Record<string, unknown>[];
    expect(models.length).toBeGreaterThan(0);
    expect(models[0]).toHaveProperty("saes");
    // the response schema is an allowlist: internal columns never leave the server
    expect(models[0]).not.toHaveProperty("packagePath");
    expect(models[0]).not.toHaveProperty("manifest");
    expect(typeof models[0].createdAt).toBe("string");
  });

  it("non-public GET routes need a credential", async () => {
    const res = await call(meRoute.GET, "/api/v1/me");
    expect(res.status).toBe(401);
    expectErrorShape(res.json, "unauthenticated");
  });

  it("/me reports the key's owner and scopes", async () => {
    const viewer = await makeUser("viewer");
    const { bearer } = await makeKey(viewer.id, ["read"]);
    const res = await call(meRoute.GET, "/api/v1/me", { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ user: { id: viewer.id, email: viewer.email, name: null, role: "viewer" }, via: "api_key", scopes: ["read"] });
  });

  it("a session cookie authenticates too", async () => {
    const editor = await makeUser("editor");
    const res = await call(meRoute.GET, "/api/v1/me", { headers: await sessionCookie(editor.id, "editor") });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ user: { id: editor.id, role: "editor" }, via: "session" });
  });

  it("a tampered session cookie is no session", async () => {
    const editor = await makeUser("editor");
    const { cookie } = await sessionCookie(editor.id, "editor");
    const res = await call(meRoute.GET, "/api/v1/me", { headers: { cookie: cookie.slice(0, -4) + "AAAA" } });
    expect(res.status).toBe(401);
  });

  it("query parameters are validated", async () => {
    const admin = await makeUser("admin");
    const { bearer } = await makeKey(admin.id, ["read"]);
    const bad = await call(usersRoute.GET, "/api/v1/admin/users?limit=0", { headers: bearer });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.json, "validation_failed");
    const page = await call(usersRoute.GET, "/api/v1/admin/users?limit=1", { headers: bearer });
    expect(page.status).toBe(200);
    expect((page.json.users as unknown[]).length).toBe(1);
    expect(page.json.nextCursor).toEqual(expect.any(Number));
    expect(page.json.users).not.toContainEqual(expect.objectContaining({ passwordHash: expect.anything() }));
  });

  it("path parameters are validated and unknown ids are 404", async () => {
    const admin = await makeUser("admin");
    const { bearer } = await makeKey(admin.id, ["read"]);
    const bad = await call(userRoute.GET, "/api/v1/admin/users/abc", { headers: bearer, params: { id: "abc" } });
    expect(bad.status).toBe(400);
    const missing = await call(userRoute.GET, "/api/v1/admin/users/999999", { headers: bearer, params: { id: "999999" } });
    expect(missing.status).toBe(404);
    expectErrorShape(missing.json, "not_found");
  });
});

describe("API keys", () => {
  it("are created signed in, shown once, stored hashed, and listed by prefix", async () => {
    const viewer = await makeUser("viewer");
    const headers = { ...(await sessionCookie(viewer.id, "viewer")), origin: ORIGIN };
    const created = await call(apiKeysRoute.POST, "/api/v1/api-keys", {
      method: "POST", headers, body: { name: "labelling script", scopes: ["write"], expiresInDays: 30 },
    });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect(key).toMatch(/^fs_[A-Za-z0-9_-]{43}$/);
    const apiKey = created.json.apiKey as { id: number; prefix: string; scopes: string[] };
    expect(apiKey.scopes).toEqual(["read", "write"]);
    expect(key.startsWith(apiKey.prefix)).toBe(true);

    const stored = await db().apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(stored.keyHash).not.toContain(key);
    expect(JSON.stringify(stored)).not.toContain(key);

    const list = await call(apiKeysRoute.GET, "/api/v1/api-keys", { headers: { authorization: `Bearer ${key}` } });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.json)).not.toContain(key);
    expect(list.json.apiKeys).toEqual([expect.objectContaining({ id: apiKey.id, prefix: apiKey.prefix, name: "labelling script" })]);

    const audit = await db().auditEvent.findFirst({ where: { action: "apikey.create", targetId: apiKey.id } });
    expect(audit?.actorId).toBe(viewer.id);
  });

  it("cannot create keys", async () => {
    const viewer = await makeUser("viewer");
    const { bearer } = await makeKey(viewer.id, ["write"]);
    const res = await call(apiKeysRoute.POST, "/api/v1/api-keys", { method: "POST", headers: bearer, body: { name: "child" } });
    expect(res.status).toBe(403);
  });

  it("act with the owner's role, limited by scope", async () => {
    const admin = await makeUser("admin");
    const readOnly = await makeKey(admin.id, ["read"]);
    const read = await call(usersRoute.GET, "/api/v1/admin/users", { headers: readOnly.bearer });
    expect(read.status).toBe(200);
    const write = await call(usersRoute.POST, "/api/v1/admin/users", {
      method: "POST", headers: readOnly.bearer, body: { email: "scoped@example.org" },
    });
    expect(write.status).toBe(403);
    expect(write.json.error!.message).toMatch(/write/);
  });

  it("are rejected when unknown, revoked or expired, or when the owner is disabled", async () => {
    const viewer = await makeUser("viewer");
    const unknown = await call(meRoute.GET, "/api/v1/me", { headers: { authorization: "Bearer fs_" + "x".repeat(43) } });
    expect(unknown.status).toBe(401);

    const revocable = await makeKey(viewer.id);
    const revoke = await call(apiKeyRoute.DELETE, `/api/v1/api-keys/${revocable.id}`, {
      method: "DELETE", headers: revocable.bearer, params: { id: String(revocable.id) },
    });
    expect(revoke.status).toBe(200);
    expect(revoke.json.revokedAt).toEqual(expect.any(String));
    const afterRevoke = await call(meRoute.GET, "/api/v1/me", { headers: revocable.bearer });
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.json.error!.message).toMatch(/revoked/);

    const expired = await makeKey(viewer.id, ["read"], new Date(Date.now() - 1000));
    const afterExpiry = await call(meRoute.GET, "/api/v1/me", { headers: expired.bearer });
    expect(afterExpiry.status).toBe(401);
    expect(afterExpiry.json.error!.message).toMatch(/expired/);

    // a bad credential fails even on public routes, so scripts notice
    const publicRoute = await call(modelsRoute.GET, "/api/v1/models", { headers: expired.bearer });
    expect(publicRoute.status).toBe(401);

    const disabled = await makeUser("editor", { disabled: true });
    const disabledKey = await makeKey(disabled.id);
    const res = await call(meRoute.GET, "/api/v1/me", { headers: disabledKey.bearer });
    expect(res.status).toBe(403);
  });

  it("cannot revoke someone else's key", async () => {
    const owner = await makeUser("viewer");
    const other = await makeUser("viewer");
    const ownerKey = await makeKey(owner.id);
    const otherKey = await makeKey(other.id);
    const res = await call(apiKeyRoute.DELETE, `/api/v1/api-keys/${ownerKey.id}`, {
      method: "DELETE", headers: otherKey.bearer, params: { id: String(ownerKey.id) },
    });
    expect(res.status).toBe(404);
    expect((await call(meRoute.GET, "/api/v1/me", { headers: ownerKey.bearer })).status).toBe(200);
  });

  it("record lastUsedAt, at most once a minute", async () => {
    const viewer = await makeUser("viewer");
    const { bearer, id } = await makeKey(viewer.id, ["read"]);
    await call(meRoute.GET, "/api/v1/me", { headers: bearer });
    const first = (await db().apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await call(meRoute.GET, "/api/v1/me", { headers: bearer });
    const second = (await db().apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    expect(second?.getTime()).toBe(first!.getTime());
  });

  it("reject other Authorization schemes clearly", async () => {
    const res = await call(meRoute.GET, "/api/v1/me", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(res.status).toBe(401);
    expect(res.json.error!.message).toMatch(/Bearer fs_/);
  });
});

describe("user administration", () => {
  it("creates users (409 on duplicates) and audits it", async () => {
    const admin = await makeUser("admin");
    const { bearer } = await makeKey(admin.id);
    const email = `Created-${Date.now()}@Example.org`;
    const created = await call(usersRoute.POST, "/api/v1/admin/users", {
      method: "POST", headers: bearer, body: { email, role: "editor", password: "a long enough password" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ email: email.toLowerCase(), role: "editor", disabledAt: null });
    expect(created.json).not.toHaveProperty("passwordHash");
    const again = await call(usersRoute.POST, "/api/v1/admin/users", { method: "POST", headers: bearer, body: { email } });
    expect(again.status).toBe(409);
    expectErrorShape(again.json, "conflict");
    const audit = await db().auditEvent.findFirst({ where: { action: "user.create", targetId: created.json.id as number } });
    expect(audit).toMatchObject({ actorId: admin.id, targetType: "User" });
  });

  it("changes roles and disables users, audited; role changes take effect at once", async () => {
    const admin = await makeUser("admin");
    const { bearer } = await makeKey(admin.id);
    const target = await makeUser("viewer");
    const targetKey = await makeKey(target.id);
    expect((await call(usersRoute.GET, "/api/v1/admin/users", { headers: targetKey.bearer })).status).toBe(403);

    const promote = await call(userRoute.PATCH, `/api/v1/admin/users/${target.id}`, {
      method: "PATCH", headers: bearer, params: { id: String(target.id) }, body: { role: "admin" },
    });
    expect(promote.status).toBe(200);
    expect(promote.json.role).toBe("admin");
    expect((await call(usersRoute.GET, "/api/v1/admin/users", { headers: targetKey.bearer })).status).toBe(200);

    const disable = await call(userRoute.PATCH, `/api/v1/admin/users/${target.id}`, {
      method: "PATCH", headers: bearer, params: { id: String(target.id) }, body: { disabled: true },
    });
    expect(disable.status).toBe(200);
    expect(disable.json.disabledAt).toEqual(expect.any(String));
    expect((await call(meRoute.GET, "/api/v1/me", { headers: targetKey.bearer })).status).toBe(403);
    expect((await call(meRoute.GET, "/api/v1/me", { headers: await sessionCookie(target.id, "admin") })).status).toBe(401);

    const actions = (await db().auditEvent.findMany({ where: { targetType: "User", targetId: target.id }, orderBy: { id: "asc" } }))
      .map((event) => event.action);
    expect(actions).toEqual(["user.role", "user.disable"]);

    const empty = await call(userRoute.PATCH, `/api/v1/admin/users/${target.id}`, {
      method: "PATCH", headers: bearer, params: { id: String(target.id) }, body: {},
    });
    expect(empty.status).toBe(400);
  });

  it("never leaves the instance without an active admin", async () => {
    // make every other admin inactive so this one is the last
    await db().user.updateMany({ where: { role: "admin" }, data: { disabledAt: new Date() } });
    const admin = await makeUser("admin");
    const { bearer } = await makeKey(admin.id);
    const demote = await call(userRoute.PATCH, `/api/v1/admin/users/${admin.id}`, {
      method: "PATCH", headers: bearer, params: { id: String(admin.id) }, body: { role: "editor" },
    });
    expect(demote.status).toBe(409);
    expectErrorShape(demote.json, "conflict");
    expect((await db().user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe("admin");
  });
});

describe("request hygiene", () => {
  it("refuses bodies over the limit with 413 and non-JSON with 415", async () => {
    const admin = await makeUser("admin");
    const { bearer } = await makeKey(admin.id);
    const huge = await call(usersRoute.POST, "/api/v1/admin/users", {
      method: "POST", headers: bearer, body: JSON.stringify({ email: "a@example.org", name: "x".repeat(1_100_000) }),
    });
    expect(huge.status).toBe(413);
    expectErrorShape(huge.json, "payload_too_large");
    const form = await call(usersRoute.POST, "/api/v1/admin/users", {
      method: "POST", headers: { ...bearer, "content-type": "application/x-www-form-urlencoded" }, body: "email=a@example.org",
    });
    expect(form.status).toBe(415);
  });

  it("refuses cookie-authenticated writes from another site", async () => {
    const viewer = await makeUser("viewer");
    const res = await call(apiKeysRoute.POST, "/api/v1/api-keys", {
      method: "POST", headers: { ...(await sessionCookie(viewer.id, "viewer")), origin: "https://evil.example" }, body: { name: "x" },
    });
    expect(res.status).toBe(403);
  });

  it("rate-limits key creation with 429 and Retry-After", async () => {
    const viewer = await makeUser("viewer");
    const headers = { ...(await sessionCookie(viewer.id, "viewer")), origin: ORIGIN };
    let last;
    for (let i = 0; i < 21; i++) {
      last = await call(apiKeysRoute.POST, "/api/v1/api-keys", { method: "POST", headers, body: { name: `k${i}` } });
      if (last.status !== 201) break;
    }
    // 25 active keys are allowed, the hourly limit of 20 hits first
    expect(last!.status).toBe(429);
    expectErrorShape(last!.json, "rate_limited");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
