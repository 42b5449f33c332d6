/**
 * "Safe to put on a lab's network", against a real database through the real handlers: sign-in
 * links only ever point at the configured origin; magic links, password attempts, API-key
 * creation and steering are limited per client and per address, and no shorter rule's window
 * erases a longer one (a fake clock walks past them); a spoofed X-Forwarded-For changes nothing;
 * a password change or disabling ends older sessions; the embedded PostgreSQL's password moves
 * from the old default to a generated one.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET as authGet, POST as authPost } from "@/app/api/auth/[...nextauth]/route";
import * as apiKeysRoute from "@/app/api/v1/api-keys/route";
import * as meRoute from "@/app/api/v1/me/route";
import { hashPassword } from "@/lib/auth/password";
import { resetRateLimits, takeToken } from "@/lib/api/rate-limit";
import { CLIENT_ADDRESS_HEADER, markClientAddressHeaderTrusted } from "@/lib/net/client-address";
import { findFreePort, startEmbeddedPostgres } from "@/lib/db/embedded";
import { db, disconnectDb } from "@/lib/db/client";
import { setPassword, updateUser } from "@/lib/db/users";
import { call, makeUser, sessionCookie } from "./api-support";

const linkFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-links-")), "links.jsonl");
process.env.FEATURESCOPE_MAGIC_LINK_FILE = linkFile;
const PASSWORD = "a perfectly fine password";
const MINUTE = 60_000;
const savedEnv = { AUTH_URL: process.env.AUTH_URL, HOST: process.env.HOST, PORT: process.env.PORT };

beforeEach(() => {
  resetRateLimits();
  delete process.env.AUTH_URL;
  delete process.env.AUTH_EMAIL_SERVER;
  // as scripts/web.ts does: handlers believe the client address it records
  markClientAddressHeaderTrusted();
});
afterEach(() => {
  vi.useRealTimers();
  markClientAddressHeaderTrusted(false);
  Object.assign(process.env, savedEnv);
  for (const [k, v] of Object.entries(savedEnv)) if (v === undefined) delete process.env[k];
});
afterAll(async () => {
  fs.rmSync(path.dirname(linkFile), { recursive: true, force: true });
  await disconnectDb();
});

/** A cookie jar over Auth.js's Set-Cookie headers; every request may claim any origin and headers. */
class Browser {
  cookies = new Map<string, string>();
  constructor(readonly origin = "http://localhost:3000", readonly headers: Record<string, string> = {}) {}
  async fetch(handler: (req: NextRequest) => Promise<Response>, url: string, form?: Record<string, string>) {
    const headers = new Headers({ ...this.headers, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") });
    if (form) headers.set("content-type", "application/x-www-form-urlencoded");
    const response = await handler(new NextRequest(new URL(url, this.origin), {
      method: form ? "POST" : "GET", headers, body: form ? new URLSearchParams(form).toString() : undefined,
    }));
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
  async csrf(): Promise<string> {
    return ((await (await this.fetch(authGet, "/api/auth/csrf")).json()) as { csrfToken: string }).csrfToken;
  }
  sessionCookie(): Record<string, string> {
    return { cookie: [...this.cookies].filter(([k]) => k.includes("session-token")).map(([k, v]) => `${k}=${v}`).join("; ") };
  }
}

function linksFor(email: string): string[] {
  if (!fs.existsSync(linkFile)) return [];
  return fs.readFileSync(linkFile, "utf8").trim().split("\n").filter(Boolean)
    .map((line) => JSON.parse(line) as { email: string; url: string })
    .filter((entry) => entry.email === email).map((entry) => entry.url);
}

async function askForLink(browser: Browser, email: string) {
  const csrfToken = await browser.csrf();
  return browser.fetch(authPost, "/api/auth/signin/email", { email, csrfToken, callbackUrl: `${browser.origin}/account` });
}

async function userWithPassword(role: "viewer" | "editor" = "editor") {
  const user = await makeUser(role);
  return db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(PASSWORD) } });
}

describe("sign-in links point at the configured origin only", () => {
  it("a sign-in request with a foreign Host and X-Forwarded-Host gets a link to AUTH_URL", async () => {
    process.env.AUTH_URL = "https://featurescope.example.org";
    const user = await makeUser("viewer");
    const attacker = new Browser("http://evil.example", { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" });
    await askForLink(attacker, user.email);
    const [link] = linksFor(user.email);
    expect(link).toBeDefined();
    expect(new URL(link).origin).toBe("https://featurescope.example.org");
    expect(new URL(new URL(link).searchParams.get("callbackUrl")!).origin).toBe("https://featurescope.example.org");
    expect(link).not.toContain("evil.example");
  });

  it("without AUTH_URL (links to the log) the link uses the listening origin, and never 0.0.0.0", async () => {
    process.env.HOST = "0.0.0.0";
    process.env.PORT = "3123";
    const user = await makeUser("viewer");
    for (const origin of ["http://0.0.0.0:3123", "http://evil.example"]) {
      const host = new URL(origin).host;
      await askForLink(new Browser(origin, { host, "x-forwarded-host": host }), user.email);
    }
    const links = linksFor(user.email);
    expect(links).toHaveLength(2);
    for (const link of links) expect(new URL(link).origin).toBe("http://localhost:3123");
  });

  it("email delivery without AUTH_URL: the web server refuses to start, in one sentence", () => {
    const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "scripts/web.ts", "-p", "0"], {
      env: { ...process.env, AUTH_EMAIL_SERVER: "smtp://mail.example.org:25", AUTH_URL: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("✖ AUTH_EMAIL_SERVER is set but AUTH_URL is not: set AUTH_URL to the address people open, such as https://featurescope.example.org, so that mailed sign-in links point there.");
  });
});

describe("magic-link requests are throttled", () => {
  it("per address, whichever client asks", async () => {
    const user = await makeUser("viewer");
    for (let i = 0; i < 5; i++) {
      const response = await askForLink(new Browser(undefined, { [CLIENT_ADDRESS_HEADER]: `198.51.100.${i}` }), user.email);
      expect(response.headers.get("location")).toContain("verify-request");
    }
    const refused = await askForLink(new Browser(undefined, { [CLIENT_ADDRESS_HEADER]: "198.51.100.99" }), user.email);
    expect(refused.headers.get("location")).toBe("/signin?error=TooManyLinks");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(linksFor(user.email)).toHaveLength(5);
  });

  it("per client, whatever X-Forwarded-For it sends; other clients are not affected", async () => {
    const client = "203.0.113.50";
    let last: Response | undefined;
    for (let i = 0; i < 21; i++) {
      last = await askForLink(new Browser(undefined, { [CLIENT_ADDRESS_HEADER]: client, "x-forwarded-for": `10.9.0.${i}` }), `nobody-${i}@example.org`);
    }
    expect(last!.headers.get("location")).toBe("/signin?error=TooManyLinks");
    const other = await askForLink(new Browser(undefined, { [CLIENT_ADDRESS_HEADER]: "203.0.113.51" }), "nobody-x@example.org");
    expect(other.headers.get("location")).toContain("verify-request");
  });
});

describe("limits keep their own windows (fake clock)", () => {
  it("ten wrong passwords, then past every 1-minute rule the right one is still refused until 15 minutes end", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = new Date("2026-06-01T12:00:00Z").getTime();
    vi.setSystemTime(t0);
    const user = await userWithPassword();
    const signIn = async (password: string) => {
      const browser = new Browser();
      const csrfToken = await browser.csrf();
      await browser.fetch(authPost, "/api/auth/callback/credentials", { email: user.email, password, csrfToken, callbackUrl: "http://localhost:3000/" });
      return [...browser.cookies.keys()].some((name) => name.includes("session-token"));
    };
    for (let i = 0; i < 10; i++) expect(await signIn("wrong password!")).toBe(false);
    for (const minutes of [2, 5, 14]) {
      vi.setSystemTime(t0 + minutes * MINUTE);
      // other clients' traffic on 1-minute rules runs the sweeps that used to forget the lockout
      takeToken(`GET /api/v1/search/labels ip:192.0.2.${minutes}`, { limit: 600, windowMs: MINUTE });
      expect(await signIn(PASSWORD)).toBe(false);
    }
    vi.setSystemTime(t0 + 15 * MINUTE + 1_000);
    expect(await signIn(PASSWORD)).toBe(true);
  });

  it("API-key creation: 20 an hour stays 20 an hour past the 1-minute windows", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = new Date("2026-06-01T13:00:00Z").getTime();
    vi.setSystemTime(t0);
    const user = await makeUser("viewer");
    const cookie = await sessionCookie(user.id, "viewer");
    const create = () => call(apiKeysRoute.POST, "/api/v1/api-keys", { method: "POST", headers: { ...cookie, origin: "http://localhost:3000" }, body: { name: "k", scopes: ["read"] } });
    for (let i = 0; i < 20; i++) expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(429);
    for (const minutes of [2, 10, 59]) {
      vi.setSystemTime(t0 + minutes * MINUTE);
      takeToken(`GET /api/v1/search/labels ip:192.0.2.${minutes}`, { limit: 600, windowMs: MINUTE });
      const refused = await create();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    vi.setSystemTime(t0 + 60 * MINUTE + 1_000);
    expect((await create()).status).toBe(201);
  });

  it("steering: the hourly budget holds past the 1-minute burst windows, per client, whatever X-Forwarded-For says", async () => {
    process.env.FEATURESCOPE_STEER_PER_MINUTE = "3";
    process.env.FEATURESCOPE_STEER_PER_HOUR = "5";
    process.env.FEATURESCOPE_ANONYMOUS_STEERING = "on";
    vi.resetModules();
    const { POST: steer } = await import("@/app/api/v1/steer/route");
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = new Date("2026-06-01T14:00:00Z").getTime();
    vi.setSystemTime(t0);
    // an SAE that does not exist: refused with 400 after the rate limit counted the request
    const body = { modelId: 999_999, prompt: "x", features: [{ saeId: 999_999, index: 0, method: "add", value: 1 }] };
    const from = (client: string, spoof = "1.2.3.4") =>
      call(steer, "/api/v1/steer", { method: "POST", body, headers: { [CLIENT_ADDRESS_HEADER]: client, "x-forwarded-for": spoof } });
    try {
      for (let i = 0; i < 3; i++) expect((await from("203.0.113.7", `10.0.0.${i}`)).status).toBe(400);
      expect((await from("203.0.113.7", "10.0.0.99")).status).toBe(429); // the minute's burst
      expect((await from("203.0.113.8")).status).toBe(400); // another client has its own bucket
      vi.setSystemTime(t0 + 2 * MINUTE);
      expect((await from("203.0.113.7")).status).toBe(400); // attempt 5 of the hour
      const hourly = await from("203.0.113.7");
      expect(hourly.status).toBe(429);
      expect(Number(hourly.headers.get("retry-after"))).toBeGreaterThan(50 * 60);
      for (const minutes of [4, 20, 59]) {
        vi.setSystemTime(t0 + minutes * MINUTE);
        takeToken(`GET /api/v1/search/labels ip:192.0.2.${minutes}`, { limit: 600, windowMs: MINUTE });
        expect((await from("203.0.113.7", `10.0.${minutes}.1`)).status).toBe(429);
      }
      vi.setSystemTime(t0 + 61 * MINUTE);
      expect((await from("203.0.113.7")).status).toBe(400);
    } finally {
      delete process.env.FEATURESCOPE_STEER_PER_MINUTE;
      delete process.env.FEATURESCOPE_STEER_PER_HOUR;
      delete process.env.FEATURESCOPE_ANONYMOUS_STEERING;
    }
  });
});

describe("a password change or disabling ends the user's sessions", () => {
  it("API and page sessions issued before stop working; a new sign-in works", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    vi.setSystemTime(t0);
    const user = await userWithPassword("editor");
    const browser = new Browser();
    const csrfToken = await browser.csrf();
    await browser.fetch(authPost, "/api/auth/callback/credentials", { email: user.email, password: PASSWORD, csrfToken, callbackUrl: "http://localhost:3000/" });
    const old = browser.sessionCookie();
    expect((await call(meRoute.GET, "/api/v1/me", { headers: old })).status).toBe(200);

    await setPassword(user.id, "another fine password", user.id);
    expect((await call(meRoute.GET, "/api/v1/me", { headers: old })).status).toBe(401);
    // pages: the next check (at most a minute later) signs the browser out
    vi.setSystemTime(t0 + 2 * MINUTE);
    const session = await (await browser.fetch(authGet, "/api/auth/session")).json();
    expect(session?.user).toBeUndefined();

    // a session issued after the change works
    const fresh = new Browser();
    const token = await fresh.csrf();
    await fresh.fetch(authPost, "/api/auth/callback/credentials", { email: user.email, password: "another fine password", csrfToken: token, callbackUrl: "http://localhost:3000/" });
    const current = fresh.sessionCookie();
    expect((await call(meRoute.GET, "/api/v1/me", { headers: current })).status).toBe(200);

    // disabled and enabled again: the sessions from before stay ended
    await updateUser(user.id, { disabled: true }, null);
    await updateUser(user.id, { disabled: false }, null);
    expect((await call(meRoute.GET, "/api/v1/me", { headers: current })).status).toBe(401);
  });
});

describe("the embedded PostgreSQL's password", () => {
  it("a data folder made with the old default password gets the generated one on its next start", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-pgpw-"));
    fs.chmodSync(dataDir, 0o755);
    fs.rmSync(dataDir, { recursive: true });
    const port = await findFreePort();
    const connect = async (password: string) => {
      const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
      try {
        await client.connect();
        await client.end();
        return "ok";
      } catch (error) {
        await client.end().catch(() => undefined);
        return (error as { code?: string }).code;
      }
    };
    try {
      const old = await startEmbeddedPostgres({ dataDir, port, user: "postgres", password: "featurescope", persistent: true });
      await old.stop();
      const generated = "generated-password-0123456789abcdef";
      const server = await startEmbeddedPostgres({ dataDir, port, user: "postgres", password: generated, legacyPasswords: ["featurescope"], persistent: true });
      try {
        expect(await connect(generated)).toBe("ok");
        expect(await connect("featurescope")).toBe("28P01");
      } finally {
        await server.stop();
      }
      // later starts just connect; a wrong configured password is explained
      const again = await startEmbeddedPostgres({ dataDir, port, user: "postgres", password: generated, legacyPasswords: ["featurescope"], persistent: true });
      await again.stop();
      await expect(startEmbeddedPostgres({ dataDir, port, user: "postgres", password: "wrong-password", legacyPasswords: ["featurescope"], persistent: true }))
        .rejects.toThrow(/refuses the configured password: set FEATURESCOPE_PG_PASSWORD/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
