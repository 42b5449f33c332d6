/**
 * Sign-in against a real database through the real Auth.js handlers: email + password, magic links
 * (delivered to FEATURESCOPE_MAGIC_LINK_FILE), the sign-up policy, disabled users, and the session
 * cookie those flows set being accepted by the API. Also `npm run user:create`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { NextRequest } from "next/server";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { handlers } from "@/lib/auth/config";
import { featurescopeAdapter } from "@/lib/auth/adapter";
import { authorizeWithPassword } from "@/lib/auth/providers";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { resetRateLimits } from "@/lib/api/rate-limit";
import { db, disconnectDb } from "@/lib/db/client";
import * as meRoute from "@/app/api/v1/me/route";
import { ORIGIN, call, makeUser } from "./api-support";

const linkFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-links-")), "links.jsonl");
process.env.FEATURESCOPE_MAGIC_LINK_FILE = linkFile;
delete process.env.AUTH_URL;
delete process.env.AUTH_ALLOW_SIGNUP;

afterAll(async () => {
  fs.rmSync(path.dirname(linkFile), { recursive: true, force: true });
  await disconnectDb();
});
beforeEach(() => resetRateLimits());

const PASSWORD = "a perfectly fine password";

async function userWithPassword(role: "viewer" | "editor" | "admin" = "editor", options: { disabled?: boolean } = {}) {
  const user = await makeUser(role, options);
  return db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(PASSWORD) } });
}

/** A tiny cookie jar over Auth.js's Set-Cookie headers. */
class Browser {
  cookies = new Map<string, string>();
  async fetch(handler: (req: NextRequest) => Promise<Response>, url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const headers = new Headers({ cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") });
    let body: string | undefined;
    if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    }
    const response = await handler(new NextRequest(new URL(url, ORIGIN), { method: init.method ?? "GET", headers, body }));
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
  async csrf(): Promise<string> {
    const response = await this.fetch(handlers.GET, "/api/auth/csrf");
    return ((await response.json()) as { csrfToken: string }).csrfToken;
  }
  cookieHeader() {
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
  }
}

function linksFor(email: string): string[] {
  if (!fs.existsSync(linkFile)) return [];
  return fs.readFileSync(linkFile, "utf8").trim().split("\n").filter(Boolean)
    .map((line) => JSON.parse(line) as { email: string; url: string })
    .filter((entry) => entry.email === email)
    .map((entry) => entry.url);
}

describe("password sign-in", () => {
  it("accepts the right password and returns id and role", async () => {
    const user = await userWithPassword("editor");
    const result = await authorizeWithPassword({ email: user.email.toUpperCase(), password: PASSWORD });
    expect(result).toMatchObject({ id: String(user.id), email: user.email, role: "editor" });
  });

  it("refuses wrong passwords, unknown emails, password-less and disabled users alike", async () => {
    const user = await userWithPassword("viewer");
    const disabled = await userWithPassword("viewer", { disabled: true });
    const noPassword = await makeUser("viewer");
    expect(await authorizeWithPassword({ email: user.email, password: PASSWORD + "!" })).toBeNull();
    expect(await authorizeWithPassword({ email: "nobody@example.org", password: PASSWORD })).toBeNull();
    expect(await authorizeWithPassword({ email: noPassword.email, password: PASSWORD })).toBeNull();
    expect(await authorizeWithPassword({ email: disabled.email, password: PASSWORD })).toBeNull();
    expect(await authorizeWithPassword({ email: "not an email", password: PASSWORD })).toBeNull();
  });

  it("takes about as long for an unknown email as for a wrong password", async () => {
    const user = await userWithPassword("viewer");
    const time = async (email: string) => {
      const start = performance.now();
      await authorizeWithPassword({ email, password: "wrong password!" });
      return performance.now() - start;
    };
    await time(user.email); // warm up the dummy hash
    await time("warmup@example.org");
    const known = await time(user.email);
    const unknown = await time("unknown@example.org");
    expect(unknown).toBeGreaterThan(known * 0.4);
  });

  it("stops after ten attempts per email in the window", async () => {
    const user = await userWithPassword("viewer");
    for (let i = 0; i < 10; i++) await authorizeWithPassword({ email: user.email, password: "wrong password!" });
    expect(await authorizeWithPassword({ email: user.email, password: PASSWORD })).toBeNull();
  });

  it("signs in through Auth.js and the session cookie works on the API", async () => {
    const user = await userWithPassword("editor");
    const browser = new Browser();
    const csrfToken = await browser.csrf();
    const response = await browser.fetch(handlers.POST, "/api/auth/callback/credentials", {
      method: "POST", form: { email: user.email, password: PASSWORD, csrfToken, callbackUrl: ORIGIN + "/account" },
    });
    expect(response.status).toBe(302);
    expect(browser.cookies.has("authjs.session-token")).toBe(true);

    const session = await (await browser.fetch(handlers.GET, "/api/auth/session")).json();
    expect(session.user).toMatchObject({ id: String(user.id), role: "editor", email: user.email });

    const me = await call(meRoute.GET, "/api/v1/me", { headers: browser.cookieHeader() });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ user: { id: user.id, role: "editor" }, via: "session" });
  });

  it("a wrong password through Auth.js sets no session", async () => {
    const user = await userWithPassword("editor");
    const browser = new Browser();
    const csrfToken = await browser.csrf();
    const response = await browser.fetch(handlers.POST, "/api/auth/callback/credentials", {
      method: "POST", form: { email: user.email, password: "wrong password!", csrfToken },
    });
    expect(response.headers.get("location")).toMatch(/error=CredentialsSignin/);
    expect(browser.cookies.has("authjs.session-token")).toBe(false);
  });
});

describe("magic links", () => {
  async function requestLink(browser: Browser, email: string) {
    const csrfToken = await browser.csrf();
    return browser.fetch(handlers.POST, "/api/auth/signin/email", {
      method: "POST", form: { email, csrfToken, callbackUrl: ORIGIN + "/" },
    });
  }

  it("writes the link to the link file; following it signs in once", async () => {
    const user = await makeUser("viewer");
    const browser = new Browser();
    const response = await requestLink(browser, user.email);
    const verifyRequest = response.headers.get("location")!;
    expect(verifyRequest).toContain("/api/auth/verify-request");
    const page = await browser.fetch(handlers.GET, verifyRequest);
    expect(page.headers.get("location")).toContain("/signin/check-email");
    const links = linksFor(user.email);
    expect(links).toHaveLength(1);

    const callback = await browser.fetch(handlers.GET, links[0]);
    expect(callback.status).toBe(302);
    expect(browser.cookies.has("authjs.session-token")).toBe(true);
    const me = await call(meRoute.GET, "/api/v1/me", { headers: browser.cookieHeader() });
    expect(me.json).toMatchObject({ user: { id: user.id }, via: "session" });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).toBeInstanceOf(Date);

    const reuse = new Browser();
    const second = await reuse.fetch(handlers.GET, links[0]);
    expect(second.headers.get("location")).toMatch(/error=Verification/);
    expect(reuse.cookies.has("authjs.session-token")).toBe(false);
  });

  it("sends nothing to unknown or disabled emails while sign-up is closed, and says the same", async () => {
    const disabled = await makeUser("viewer", { disabled: true });
    const browser = new Browser();
    const unknown = await requestLink(browser, "stranger@example.org");
    const off = await requestLink(browser, disabled.email);
    const known = await requestLink(browser, (await makeUser("viewer")).email);
    expect(unknown.headers.get("location")).toBe(known.headers.get("location"));
    expect(off.headers.get("location")).toBe(known.headers.get("location"));
    expect(linksFor("stranger@example.org")).toEqual([]);
    expect(linksFor(disabled.email)).toEqual([]);
  });

  it("creates a viewer account on first use when AUTH_ALLOW_SIGNUP=1", async () => {
    process.env.AUTH_ALLOW_SIGNUP = "1";
    try {
      const email = `signup-${Date.now()}@example.org`;
      const browser = new Browser();
      await requestLink(browser, email);
      const [link] = linksFor(email);
      expect(link).toBeDefined();
      await browser.fetch(handlers.GET, link);
      const user = await db().user.findUniqueOrThrow({ where: { email } });
      expect(user.role).toBe("viewer");
      expect(await db().auditEvent.count({ where: { action: "user.signup", targetId: user.id } })).toBe(1);
    } finally {
      delete process.env.AUTH_ALLOW_SIGNUP;
    }
  });
});

describe("the adapter", () => {
  it("converts integer ids to strings and back", async () => {
    const adapter = featurescopeAdapter();
    const user = await makeUser("editor");
    const byEmail = await adapter.getUserByEmail!(user.email);
    expect(byEmail).toMatchObject({ id: String(user.id), email: user.email, role: "editor" });
    expect(await adapter.getUser!(String(user.id))).toMatchObject({ id: String(user.id) });
    expect(await adapter.getUser!("6f1c0b9e-uuid-placeholder")).toBeNull();
  });

  it("links OAuth accounts to integer user ids", async () => {
    const adapter = featurescopeAdapter();
    const user = await makeUser("viewer");
    await adapter.linkAccount!({ userId: String(user.id), type: "oidc", provider: "oidc", providerAccountId: `sub-${user.id}` });
    const linked = await adapter.getUserByAccount!({ provider: "oidc", providerAccountId: `sub-${user.id}` });
    expect(linked?.id).toBe(String(user.id));
  });

  it("refuses to create users while sign-up is closed", async () => {
    const adapter = featurescopeAdapter();
    await expect(adapter.createUser!({ id: "x", email: "closed@example.org", emailVerified: null })).rejects.toThrow(/Sign-up is closed/);
  });
});

describe("npm run user:create", () => {
  // each run starts tsx and Prisma: allow for a busy machine
  const CLI_TIMEOUT = 180_000;

  function userCreate(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/user-create.ts", ...args], {
        env: { ...process.env }, stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  it("creates a user with a generated password that then works", async () => {
    const email = `cli-${Date.now()}@example.org`;
    const result = await userCreate("--email", email, "--role", "admin");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Created user ${email}`);
    const password = /Generated password \(shown once, store it now\): (\S+)/.exec(result.stdout)?.[1];
    expect(password).toBeDefined();
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    expect(user.role).toBe("admin");
    expect(await verifyPassword(user.passwordHash!, password!)).toBe(true);

    const update = await userCreate("--email", email, "--role", "editor", "--password", "another good password");
    expect(update.status, update.stderr).toBe(0);
    expect(update.stdout).toContain("Updated user");
    const updated = await db().user.findUniqueOrThrow({ where: { email } });
    expect(updated.role).toBe("editor");
    expect(await verifyPassword(updated.passwordHash!, "another good password")).toBe(true);
  }, CLI_TIMEOUT);

  // every bad-input case is unit-tested in lib/auth/user-create-args.test.ts; this checks the exit path
  it("explains bad input and exits 2", async () => {
    const result = await userCreate("--email", "ok@example.org", "--role", "owner");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--role must be one of viewer, editor, admin/);
  }, CLI_TIMEOUT);
});
