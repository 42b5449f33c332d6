/**
 * Every /api/v1 operation in the OpenAPI document, attacked: each caller that should be refused
 * (anonymous, too low a role, a read-only key on a write), then each body field, path parameter and
 * query parameter replaced by values its own schema forbids. Checks: no 5xx, no stack trace or
 * internal detail in any body, exact 401/403 where the document says so, every hostile write refused,
 * NUL bytes / lone surrogates / bad cursors refused with 400, and the database unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roleAtLeast, type Role } from "@/lib/auth/roles";
import { createApiKey } from "@/lib/db/api-keys";
import { db, disconnectDb } from "@/lib/db/client";
import {
  HOSTILE_PATH_VALUES, bodyWith, example, fieldsOf, fillPath, hostileQueryValues, invalidValues, operations, resolver,
  type OpenApiDocument, type Operation,
} from "./support/catalog";
import { changedTables, databaseDigest, type Digest } from "./support/digest";
import { makeCallers, type Caller, type Callers } from "./support/principals";
import { BASE_URL, explain, leaks, sendAll, type Answer, type HostileRequest } from "./support/server";

afterAll(disconnectDb);

interface Planned extends HostileRequest {
  operation: Operation;
  /** 401 or 403 when the caller must be refused for who they are. */
  denial?: 401 | 403;
  /** The hostile part must be refused with 400 (NUL bytes, lone surrogates, bad cursors). */
  expect400?: boolean;
}

/** Real rows for path parameters, so that requests get past "not found" to the code behind it. */
interface Fixtures { saeId: number; index: number; featureId: number; labelId: number; listId: number; commentId: number; apiKeyId: number; userId: number; shareToken: string; steerRunId: string }

let document: OpenApiDocument;
let ops: Operation[];
let callers: Callers;
let fixtures: Fixtures;
let before: Digest;
let after: Digest;
const planned: Planned[] = [];
let answers: Answer[] = [];

const json = (caller: Caller, extra: Record<string, string> = {}) => ({
  ...(caller.kind === "anonymous" ? {} : caller.headers),
  // a signed-in browser's own writes carry its origin; a missing one must not be what refuses them
  ...(caller.kind === "session" ? { Origin: BASE_URL } : {}),
  "Content-Type": "application/json",
  ...extra,
});

function realParams(op: Operation): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of op.pathParams) {
    if (p.name === "saeId") values[p.name] = String(fixtures.saeId);
    else if (p.name === "index") values[p.name] = String(fixtures.index);
    else if (p.name === "featureId") values[p.name] = String(fixtures.featureId);
    else if (p.name === "token") values[p.name] = fixtures.shareToken;
    else if (p.name === "id") {
      const t = op.template;
      values.id = String(
        t.startsWith("/api/v1/labels/") ? fixtures.labelId
          : t.startsWith("/api/v1/lists/") ? fixtures.listId
            : t.startsWith("/api/v1/comments/") ? fixtures.commentId
              : t.startsWith("/api/v1/api-keys/") ? fixtures.apiKeyId
                : t.startsWith("/api/v1/admin/users/") ? fixtures.userId
                  : t.startsWith("/api/v1/steer/runs/") ? fixtures.steerRunId
                    : 1,
      );
    } else values[p.name] = "1";
  }
  return values;
}

/** Ids that are well-formed but match no row: an authorised request then stops at 404, changing nothing. */
function missingParams(op: Operation): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of op.pathParams) values[p.name] = p.schema && JSON.stringify(p.schema).includes("integer") ? "2147483000" : "no-such-thing";
  return values;
}

function expectedDenial(op: Operation, caller: Caller): 401 | 403 | undefined {
  if (caller.kind === "anonymous") return op.access === "public" && op.scope === "read" ? undefined : 401;
  if (caller.kind === "key" && !caller.scopes.includes(op.scope)) return 403;
  if (op.access !== "public" && !roleAtLeast(caller.role, op.access as Role)) return 403;
  return undefined;
}

/** Refusals the document cannot express: the handler decides them for reasons other than role. */
function handlerMayRefuse(op: Operation, caller: Caller): boolean {
  // keys cannot mint keys (docs/API.md)
  if (op.method === "POST" && op.template === "/api/v1/api-keys" && caller.kind === "key") return true;
  // anonymous steering can be switched off (FEATURESCOPE_ANONYMOUS_STEERING=off)
  if (op.template === "/api/v1/steer" && caller.kind === "anonymous") return true;
  return false;
}

/**
 * The values every operation gets (`core`) plus `extra` more of the rest, taken in turn across
 * operations: each hostile value is still sent, without sending every one everywhere (the suite
 * must stay well under two minutes on CI's two cores).
 */
function rotating<T>(values: T[], isCore: (value: T) => boolean, turn: number, extra: number): T[] {
  const core = values.filter(isCore);
  const rest = values.filter((v) => !isCore(v));
  const picked = rest.length ? Array.from({ length: Math.min(extra, rest.length) }, (_, i) => rest[(turn * extra + i) % rest.length]) : [];
  return [...core, ...picked];
}

function plan(): void {
  const resolve = resolver(document);
  const everyone: Caller[] = [callers.anonymous, ...callers.keys, ...callers.sessions];
  for (const [turn, op] of ops.entries()) {
    const base = op.body ? example(op.body, resolve) : undefined;
    const baseBody = op.body ? JSON.stringify(base) : undefined;

    // 1. who may call it
    for (const caller of everyone) {
      const denial = expectedDenial(op, caller);
      if (denial) {
        // a plausible request on real rows: if the refusal were missing it would change them
        planned.push({ operation: op, denial, label: `${caller.name} refused`, method: op.method, path: fillPath(op.template, realParams(op)), headers: json(caller), body: baseBody });
      } else if (op.writes && (op.body || op.pathParams.length)) {
        // allowed in: a body no schema accepts on rows that do not exist, so it stops at 400/404
        planned.push({ operation: op, label: `${caller.name} allowed`, method: op.method, path: fillPath(op.template, missingParams(op)), headers: json(caller), body: op.body ? JSON.stringify("not an object") : undefined });
      } else if (!op.writes) {
        planned.push({ operation: op, label: `${caller.name} allowed`, method: op.method, path: fillPath(op.template, realParams(op)), headers: json(caller) });
      }
    }

    const admin = callers.admin;
    const path = fillPath(op.template, realParams(op));
    // 2. the body: malformed as a whole, then field by field
    if (op.body) {
      const whole: [string, string | Uint8Array, Record<string, string>?][] = [
        ["truncated JSON", '{"a":'],
        ["empty body", ""],
        ["JSON null", "null"],
        ["JSON array", "[]"],
        ["JSON string", '"text"'],
        ["JSON number", "1e400"],
        ["NUL byte in a key", '{"a\\u0000b":1}'],
        ["deeply nested", "[".repeat(5000) + "]".repeat(5000)],
        // without the required fields it must be refused; with them it is a valid request
        ...(resolve(op.body).required?.length ? [["prototype pollution", '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}'] as [string, string]] : []),
        ["text/plain body", baseBody ?? "{}", { "Content-Type": "text/plain" }],
        ["form body", "a=1&b=2", { "Content-Type": "application/x-www-form-urlencoded" }],
        ["invalid UTF-8", Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d])],
      ];
      const coreBody = new Set(["truncated JSON", "JSON array", "NUL byte in a key", "text/plain body"]);
      for (const [what, body, headers] of rotating(whole, ([w]) => coreBody.has(w), turn, 3)) {
        planned.push({ operation: op, label: `body: ${what}`, method: op.method, path, headers: json(admin, headers), body });
      }
      planned.push({ operation: op, label: "body: 2 MiB", method: op.method, path, headers: json(admin), body: JSON.stringify({ padding: "x".repeat(2 * 1024 * 1024) }) });
      for (const field of fieldsOf(op.body, resolve)) {
        for (const value of rotating(invalidValues(field.schema, resolve), (v) => v.kind !== "type", turn, 2)) {
          planned.push({
            operation: op,
            label: `body.${field.path.join(".")}: ${value.what}`,
            method: op.method,
            path,
            headers: json(admin),
            body: bodyWith(base, field.path, value.json),
            expect400: value.kind === "nul" || value.kind === "surrogate",
          });
        }
      }
    }

    // 3. path parameters
    for (const p of op.pathParams) {
      const corePath = new Set(["2^31", "path traversal", "invalid UTF-8", "NUL byte"]);
      for (const value of rotating(HOSTILE_PATH_VALUES, (v) => corePath.has(v.what), turn, 2)) {
        if (value.raw === realParams(op)[p.name]) continue; // "0" is a real feature index
        planned.push({
          operation: op, label: `path ${p.name}: ${value.what}`, method: op.method,
          path: fillPath(op.template, { ...realParams(op), [p.name]: value.raw }),
          headers: json(admin), body: baseBody,
        });
      }
    }

    // 4. query parameters (one at a time, the rest left out)
    for (const p of op.queryParams) {
      for (const value of rotating(hostileQueryValues(p, resolve), (v) => v.kind !== "other", turn, 3)) {
        const needsQ = op.queryParams.some((q) => q.name === "q" && q.required) && p.name !== "q" ? "q=feature&" : "";
        planned.push({
          operation: op, label: `query ${p.name}: ${value.what}`, method: op.method,
          path: `${path}?${needsQ}${p.name}=${value.raw}`, headers: json(admin), body: baseBody,
          expect400: value.kind === "nul" || value.kind === "cursor",
        });
      }
      planned.push({ operation: op, label: `query ${p.name}: repeated`, method: op.method, path: `${path}?${p.name}=1&${p.name}=2&${p.name}=3`, headers: json(admin), body: baseBody });
    }

    // 5. credentials that are not credentials
    for (const [what, headers] of [
      ["garbage bearer", { Authorization: "Bearer garbage" }],
      ["well-formed unknown key", { Authorization: `Bearer fs_${"A".repeat(43)}` }],
      ["basic auth", { Authorization: "Basic YWRtaW46YWRtaW4=" }],
      ["NUL in bearer", { Authorization: "Bearer fs_\u0000" }],
    ] as [string, Record<string, string>][]) {
      if (what === "NUL in bearer") continue; // fetch itself refuses to send it
      planned.push({ operation: op, denial: 401, label: `auth: ${what}`, method: op.method, path, headers: { "Content-Type": "application/json", ...headers }, body: baseBody });
    }
    // 6. a signed-in browser tricked by another site, and a forged cookie
    if (op.writes) {
      const admin = callers.sessions.find((s) => s.role === "admin")!;
      planned.push({ operation: op, denial: 403, label: "session write from a foreign origin", method: op.method, path, headers: { ...admin.headers, Origin: "https://evil.example", "Content-Type": "application/json" }, body: baseBody });
      planned.push({ operation: op, denial: 403, label: "session write, Sec-Fetch-Site cross-site", method: op.method, path, headers: { ...admin.headers, "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json" }, body: baseBody });
      planned.push({ operation: op, denial: 403, label: "foreign origin, spoofed X-Forwarded-Host", method: op.method, path, headers: { ...admin.headers, Origin: "https://evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "127.0.0.1", "Content-Type": "application/json" }, body: baseBody });
      planned.push({ operation: op, denial: 401, label: "forged session cookie", method: op.method, path, headers: { Cookie: "authjs.session-token=forged.jwt.value", Origin: BASE_URL, "Content-Type": "application/json" }, body: baseBody });
    }
  }
}

async function setUpFixtures(): Promise<Fixtures> {
  const admin = callers.admin.headers;
  const models = (await (await fetch(`${BASE_URL}/api/v1/models`)).json()) as { models: { name: string; saes: { id: number; name: string }[] }[] };
  const sae = models.models.flatMap((m) => m.saes).find((s) => s.name === "synthetic-res-l1") ?? models.models[0].saes[0];
  const feature = await db().feature.findFirstOrThrow({ where: { saeId: sae.id }, orderBy: { index: "asc" } });
  const post = async (path: string, body: unknown, headers = admin) => {
    const response = await fetch(`${BASE_URL}${path}`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`setting up: POST ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: number };
  };
  const label = (await db().label.findFirst({ where: { feature: { saeId: sae.id } }, orderBy: { id: "asc" } }))
    ?? (await post(`/api/v1/saes/${sae.id}/features/${feature.index}/labels`, { text: "abuse fixture label" }));
  const list = await post("/api/v1/lists", { name: "abuse fixture list", isPublic: true });
  const listRow = await db().featureList.findUniqueOrThrow({ where: { id: list.id } });
  const comment = await post(`/api/v1/saes/${sae.id}/features/${feature.index}/comments`, { body: "abuse fixture comment" });
  const { apiKey } = await createApiKey(callers.adminUserId, { name: "abuse spare key", scopes: ["read"] });
  const run = await db().steeringRun.findFirst({ select: { id: true } });
  return {
    saeId: sae.id, index: feature.index, featureId: feature.id, labelId: label.id, listId: list.id, commentId: comment.id,
    apiKeyId: apiKey.id, userId: callers.viewerUserId, shareToken: listRow.shareToken, steerRunId: String(run?.id ?? 1),
  };
}

beforeAll(async () => {
  const response = await fetch(`${BASE_URL}/api/v1/openapi.json`);
  document = (await response.json()) as OpenApiDocument;
  ops = operations(document);
  callers = await makeCallers();
  fixtures = await setUpFixtures();
  plan();
  // label search builds its lexicon on first use: let that happen before the digest
  await fetch(`${BASE_URL}/api/v1/search/labels?q=warm`);
  before = await databaseDigest();
  answers = await sendAll(planned, 6);
  after = await databaseDigest();
}, 600_000);

const failures = (predicate: (answer: Answer, request: Planned) => boolean) =>
  answers.filter((a) => predicate(a, a.request as Planned)).map(explain);

describe("hostile requests generated from the OpenAPI document", () => {
  it("covers every operation with at least 200 requests", () => {
    expect(ops.length).toBeGreaterThan(40);
    expect(answers.length).toBeGreaterThanOrEqual(200);
    const covered = new Set(planned.map((p) => `${p.operation.method} ${p.operation.template}`));
    expect([...covered].length).toBe(ops.length);
    const by = (prefix: string) => planned.filter((p) => p.label.startsWith(prefix)).length;
    console.log(`[abuse] ${answers.length} hostile requests over ${ops.length} operations: ${planned.filter((p) => / (allowed|refused)$/.test(p.label)).length} caller checks, ${by("body")} bodies, ${by("path")} path parameters, ${by("query")} query parameters, ${by("auth:") + by("session") + by("foreign") + by("forged")} credentials and origins`);
  });

  it("never answers 5xx", () => {
    expect(failures((a) => a.status >= 500)).toEqual([]);
  });

  it("never shows a stack trace or internal detail", () => {
    expect(failures((a) => leaks(a.text) !== null)).toEqual([]);
  });

  it("answers errors in the API's one error shape", () => {
    expect(failures((a) => a.status >= 400 && a.status < 500 && a.status !== 405 && !(a.json && typeof (a.json as { error?: { code?: unknown } }).error?.code === "string"))).toEqual([]);
  });

  it("refuses callers with exactly 401 or 403 as their role and scope require", () => {
    expect(failures((a, r) => r.denial !== undefined && a.status !== r.denial)).toEqual([]);
  });

  it("lets allowed callers past authorization", () => {
    expect(failures((a, r) => r.label.endsWith(" allowed") && (a.status === 401 || a.status === 403) && !handlerMayRefuse(r.operation, callerOf(r)))).toEqual([]);
  });

  it("refuses every hostile write", () => {
    expect(failures((a, r) => r.operation.writes && a.status < 400)).toEqual([]);
  });

  it("refuses NUL bytes, lone surrogates and bad cursors with 400", () => {
    // 429 also refuses before the body is read; it is fine, but must not be all we ever see
    const targeted = answers.filter((a) => (a.request as Planned).expect400);
    expect(targeted.length).toBeGreaterThan(50);
    expect(failures((a, r) => !!r.expect400 && a.status !== 400 && a.status !== 429)).toEqual([]);
    expect(targeted.filter((a) => a.status === 400).length).toBeGreaterThan(targeted.length / 2);
  });

  it("changes no stored row", () => {
    expect(changedTables(before, after)).toEqual([]);
  });
});

function callerOf(request: Planned): Caller {
  const name = request.label.replace(/ allowed$/, "");
  return [callers.anonymous, ...callers.keys, ...callers.sessions].find((c) => c.name === name) ?? callers.anonymous;
}
