/**
 * The Auth.js endpoints under attack: oversized, malformed and NUL-laden sign-in bodies, forged
 * CSRF tokens and cookies. None may answer 5xx, leak internals, sign anyone in, or change a row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@/lib/db/client";
import { E2E_PASSWORD, E2E_USERS } from "../support/e2e-seed";
import { changedTables, databaseDigest, type Digest } from "./support/digest";
import { BASE_URL, explain, leaks, sendAll, type Answer, type HostileRequest } from "./support/server";

afterAll(disconnectDb);

const FORM = { "Content-Type": "application/x-www-form-urlencoded", Origin: BASE_URL };
let csrf: { token: string; cookie: string };
let before: Digest;
let after: Digest;
let answers: Answer[] = [];
const requests: (HostileRequest & { expectStatus?: number })[] = [];

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

beforeAll(async () => {
  const response = await fetch(`${BASE_URL}/api/auth/csrf`);
  const token = ((await response.json()) as { csrfToken: string }).csrfToken;
  csrf = { token, cookie: response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") };
  const withCsrf = { ...FORM, Cookie: csrf.cookie };
  const credentials = "/api/auth/callback/credentials";
  const email = "/api/auth/signin/email";
  const valid = { csrfToken: csrf.token, email: E2E_USERS.viewer, password: "wrong password" };
  const hostile: [string, string, string, Record<string, string>, number?][] = [
    ["2 MiB form", credentials, form({ ...valid, password: "x".repeat(2 * 1024 * 1024) }), withCsrf, 413],
    ["2 MiB JSON", credentials, JSON.stringify({ ...valid, password: "x".repeat(2 * 1024 * 1024) }), { ...withCsrf, "Content-Type": "application/json" }, 413],
    ["NUL in email", credentials, form({ ...valid, email: "viewer\u0000@e2e.test" }), withCsrf, 400],
    ["NUL in password", credentials, form({ ...valid, password: "pass\u0000word" }), withCsrf, 400],
    ["lone surrogate in email", credentials, `csrfToken=${csrf.token}&email=%ED%A0%80%40e2e.test&password=x`, withCsrf],
    ["malformed form", credentials, "%%%&&&===", withCsrf],
    ["JSON body", credentials, JSON.stringify(valid), { ...withCsrf, "Content-Type": "application/json" }],
    ["no CSRF token", credentials, form({ email: E2E_USERS.viewer, password: E2E_PASSWORD }), withCsrf],
    ["forged CSRF token", credentials, form({ ...valid, csrfToken: "forged", password: E2E_PASSWORD }), withCsrf],
    ["CSRF token without its cookie", credentials, form({ ...valid, password: E2E_PASSWORD }), FORM],
    ["foreign origin", credentials, form(valid), { ...withCsrf, Origin: "https://evil.example" }],
    ["email of 10,000 characters", credentials, form({ ...valid, email: `${"a".repeat(10_000)}@e2e.test` }), withCsrf],
    ["magic link: NUL in email", email, form({ csrfToken: csrf.token, email: "viewer\u0000@e2e.test" }), withCsrf, 400],
    ["magic link: not an email", email, form({ csrfToken: csrf.token, email: "../../etc/passwd" }), withCsrf, 400],
    ["magic link: 2 MiB", email, form({ csrfToken: csrf.token, email: "x".repeat(2 * 1024 * 1024) }), withCsrf, 413],
    ["unknown provider", "/api/auth/callback/nope", form(valid), withCsrf],
    ["path traversal in provider", "/api/auth/callback/..%2F..%2Fetc%2Fpasswd", form(valid), withCsrf],
  ];
  for (const [label, path, body, headers, expectStatus] of hostile) requests.push({ label, method: "POST", path, headers, body, expectStatus });
  for (const [label, path, headers] of [
    ["forged session cookie", "/api/auth/session", { Cookie: "authjs.session-token=forged" }],
    ["NUL in callback token", "/api/auth/callback/email?token=%00&email=a%00b", {}],
    ["garbage callback URL", "/api/auth/signin?callbackUrl=javascript:alert(1)", {}],
    ["huge callback URL", `/api/auth/signin?callbackUrl=${"a".repeat(8000)}`, {}],
  ] as [string, string, Record<string, string>][]) {
    requests.push({ label, method: "GET", path, headers });
  }
  before = await databaseDigest();
  answers = await sendAll(requests, 2);
  after = await databaseDigest();
}, 300_000);

describe("the sign-in endpoints under attack", () => {
  it("never answer 5xx or leak internals", () => {
    expect(answers.length).toBe(requests.length);
    expect(answers.filter((a) => a.status >= 500 || leaks(a.text) !== null).map(explain)).toEqual([]);
  });

  it("refuse oversized bodies with 413 and NUL bytes with 400, before Auth.js reads them", () => {
    const wrong = answers.filter((a, i) => requests[i].expectStatus !== undefined && a.status !== requests[i].expectStatus);
    expect(wrong.map(explain)).toEqual([]);
  });

  it("sign nobody in", () => {
    expect(answers.filter((a) => a.headers.getSetCookie().some((c) => /session-token=[^;]+/.test(c) && !/session-token=;/.test(c))).map(explain)).toEqual([]);
  });

  it("change no stored row", () => {
    expect(changedTables(before, after)).toEqual([]);
  });
});
