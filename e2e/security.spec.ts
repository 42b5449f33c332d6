/**
 * Security headers on every page kind (issue 14): a Content-Security-Policy whose scripts need this
 * response's nonce (and every <script> Next.js writes carries it), no framing except the read-only
 * embeddable feature card, X-Content-Type-Options and Referrer-Policy; pages run without CSP
 * violations. Against the real server (scripts/web.ts): a sign-in POST with a foreign Host and
 * X-Forwarded-Host gets a link to the configured origin only, and a spoofed X-Forwarded-For does
 * not escape the per-client magic-link limit.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { expect, test, type APIResponse } from "@playwright/test";
import { createPrismaClient } from "../lib/db/client";
import { SYNTHETIC_MODEL_NAME, SYNTHETIC_SAE_NAME } from "../lib/fixtures/synthetic";
import { E2E_PASSWORD, E2E_USERS, snapshot } from "./support";

const base = process.env.E2E_BASE_URL ?? "http://127.0.0.1:3100";
const saePath = `/models/${SYNTHETIC_MODEL_NAME}/saes/${SYNTHETIC_SAE_NAME}`;
const featurePath = `${saePath}/features/1`;
let runPath = "";
let authoredRunPath = "";
let sharedListPath = "";

test.beforeAll(async () => {
  const prisma = createPrismaClient(process.env.DATABASE_URL);
  try {
    const model = await prisma.model.findFirstOrThrow({ where: { name: SYNTHETIC_MODEL_NAME } });
    const run = await prisma.steeringRun.create({
      data: { id: randomBytes(16).toString("base64url"), modelId: model.id, prompt: "headers", params: {}, defaultOutput: "a", steeredOutput: "b" },
    });
    runPath = `/steer/runs/${run.id}`;
    const author = await prisma.user.findUniqueOrThrow({ where: { email: E2E_USERS.editor } });
    const authored = await prisma.steeringRun.create({
      data: { id: randomBytes(16).toString("base64url"), authorId: author.id, modelId: model.id, prompt: "The bridge at dawn was", params: {}, defaultOutput: " quiet", steeredOutput: " golden" },
    });
    authoredRunPath = `/steer/runs/${authored.id}`;
    const owner = await prisma.user.findUniqueOrThrow({ where: { email: E2E_USERS.viewer } });
    const list = await prisma.featureList.create({ data: { ownerId: owner.id, name: "headers", shareToken: randomBytes(12).toString("base64url") } });
    sharedListPath = `/lists/shared/${list.shareToken}`;
  } finally {
    await prisma.$disconnect();
  }
});

function scriptSrc(csp: string): string[] {
  return (csp.split(";").map((d) => d.trim().split(/\s+/)).find(([name]) => name === "script-src") ?? []).slice(1);
}

function frameAncestors(csp: string): string {
  return csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("frame-ancestors")) ?? "";
}

async function expectPageHeaders(response: APIResponse, path: string, embed = false) {
  const headers = response.headers();
  expect(response.status(), path).toBeLessThan(500);
  const csp = headers["content-security-policy"];
  expect(csp, `${path} has a CSP`).toBeTruthy();
  const scripts = scriptSrc(csp);
  const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(scripts.find((s) => s.startsWith("'nonce-")) ?? "")?.[1];
  expect(nonce, `${path}: script-src ${scripts.join(" ")}`).toBeTruthy();
  expect(scripts).toContain("'strict-dynamic'");
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  expect(frameAncestors(csp)).toBe(embed ? "frame-ancestors *" : "frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe(embed ? undefined : "DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  if (response.status() === 200 && (headers["content-type"] ?? "").includes("text/html")) {
    const html = await response.text();
    const tags = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(tags.length, `${path} has scripts`).toBeGreaterThan(0);
    for (const tag of tags) expect(tag, `${path}: every script carries the nonce`).toContain(`nonce="${nonce}"`);
  }
  return headers;
}

test("every page kind sends the CSP with a fresh nonce, no framing, nosniff and a referrer policy", async ({ request }) => {
  const pages = [
    "/", saePath, featurePath, `${saePath}/label`, "/search?q=bridge", "/steer", "/steer/sweep", "/steer/history", runPath,
    "/lists", sharedListPath, "/account", "/admin/users", "/admin/import", "/admin/providers", "/signin", "/signin/check-email",
    "/status", "/api-docs", "/no-such-page",
  ];
  const nonces = new Set<string>();
  for (const path of pages) {
    const response = await request.get(path, { maxRedirects: 0 });
    const headers = await expectPageHeaders(response, path);
    nonces.add(headers["content-security-policy"]);
  }
  expect(nonces.size).toBe(pages.length); // a new nonce every time
  const api = await request.get("/api/v1/models");
  expect(api.headers()["x-content-type-options"]).toBe("nosniff");
  expect(api.headers()["referrer-policy"]).toBe("strict-origin-when-cross-origin");
});

test("the embeddable feature card may be framed by other sites and is read-only; other pages may not be framed", async ({ page, request }) => {
  const card = await request.get(`${featurePath}?embed=1`);
  await expectPageHeaders(card, "embed", true);
  const html = await card.text();
  expect(html).not.toMatch(/<form\b/);
  expect(html).not.toContain("Sign out");
  // ?embed=1 on any other page changes nothing
  await expectPageHeaders(await request.get("/account?embed=1", { maxRedirects: 0 }), "/account?embed=1");

  // another site (another origin: localhost on another port) with two iframes
  const framer = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<iframe id="card" src="${base}${featurePath}?embed=1"></iframe><iframe id="page" src="${base}${featurePath}"></iframe>`);
  });
  await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve));
  try {
    await page.goto(`http://localhost:${(framer.address() as AddressInfo).port}/`);
    const cardFrame = page.frameLocator("#card");
    await expect(cardFrame.locator(".embed-root")).toBeVisible();
    await expect(cardFrame.locator(".site-header")).toHaveCount(0);
    // the full page refuses to render inside another site
    await page.waitForTimeout(1_000);
    await expect(page.frameLocator("#page").locator("#feature-title")).toHaveCount(0);
  } finally {
    framer.close();
  }
});

test("pages run without Content-Security-Policy violations", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()); });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      console.error(`Content Security Policy violation on ${location.pathname}: ${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} ${event.sample}`));
  });
  for (const path of ["/", featurePath, "/search?q=bridge", "/steer", "/signin"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  // client-side code runs: a client-side navigation through a Next.js link
  await page.goto(saePath);
  await page.locator(`a[href$="/features/1"]`).first().click();
  await expect(page).toHaveURL(new RegExp(`${featurePath}$`));
  expect(violations).toEqual([]);
});

/** A raw HTTP request, so Host can be anything (fetch would not send a foreign Host). */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      let text = "";
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

async function askForLink(email: string, headers: Record<string, string>) {
  const csrf = await rawRequest("GET", "/api/auth/csrf", headers);
  const cookie = (csrf.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const form = new URLSearchParams({ email, csrfToken, callbackUrl: "http://evil.example/" }).toString();
  return rawRequest("POST", "/api/auth/signin/email", { ...headers, cookie, "content-type": "application/x-www-form-urlencoded", "content-length": String(Buffer.byteLength(form)) }, form);
}

test("a sign-in POST with a foreign Host or X-Forwarded-Host gets a link to the configured origin only", async () => {
  const file = process.env.FEATURESCOPE_MAGIC_LINK_FILE;
  test.skip(!file, "FEATURESCOPE_MAGIC_LINK_FILE is set by npm run test:e2e");
  const email = E2E_USERS.editor2;
  const attempts: Record<string, string>[] = [{ host: "evil.example" }, { host: new URL(base).host, "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" }];
  for (const headers of attempts) {
    const response = await askForLink(email, headers);
    expect(response.status).toBe(302);
  }
  const links = fs.readFileSync(file!, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { email: string; url: string })
    .filter((entry) => entry.email === email).slice(-2);
  expect(links).toHaveLength(2);
  for (const { url } of links) {
    expect(new URL(url).origin).toBe(new URL(process.env.AUTH_URL ?? base).origin);
    expect(url).not.toContain("evil.example");
  }
});

test("a spoofed X-Forwarded-For does not escape the per-client magic-link limit", async () => {
  let last = { status: 0, headers: {} as http.IncomingHttpHeaders };
  for (let i = 0; i < 21; i++) {
    last = await askForLink(`spoof-${i}@e2e.test`, { host: new URL(base).host, "x-forwarded-for": `198.51.100.${i}`, "x-real-ip": `198.51.100.${i}` });
    if (last.headers.location?.includes("TooManyLinks")) break;
  }
  expect(last.headers.location).toBe("/signin?error=TooManyLinks");
});

test("the sign-in page says who may do what; a run's author shows to signed-in people only, until the author publishes it", async ({ page }) => {
  await page.goto("/signin");
  // the e2e server sets FEATURESCOPE_ANONYMOUS_STEERING=on
  await expect(page.getByTestId("signin-roles")).toHaveText("Anyone can browse and steer without an account. Signing in lets editors label, and admins manage users.");
  await snapshot(page, "security-signin");

  await page.goto(authoredRunPath);
  await expect(page.getByTestId("run-meta")).toContainText("by a signed-in user");
  await expect(page.getByTestId("run-meta")).not.toContainText("editor (e2e)");
  await expect(page.getByRole("button", { name: /Show my name/ })).toHaveCount(0);
  await snapshot(page, "security-run-anonymous");

  // the author signs in, sees the choice and publishes the name
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(authoredRunPath)}`);
  await page.locator("#signin-email").fill(E2E_USERS.editor);
  await page.locator("#signin-password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.pathname === authoredRunPath, { timeout: 30_000 });
  await expect(page.getByTestId("run-meta")).toContainText("by editor (e2e)");
  await snapshot(page, "security-run-author");
  await page.getByRole("button", { name: "Show my name to everyone" }).click();
  await expect(page.getByRole("button", { name: "Hide my name" })).toBeVisible({ timeout: 30_000 });

  // anonymous again (a fresh context has no cookie): now the name shows
  const anonymous = await page.context().browser()!.newContext({ baseURL: base });
  const other = await anonymous.newPage();
  await other.goto(authoredRunPath);
  await expect(other.getByTestId("run-meta")).toContainText("by editor (e2e)");
  await anonymous.close();
});

test("changing your password keeps this browser signed in and ends your other sessions", async ({ browser }) => {
  test.slow();
  const email = `changer-${Date.now()}@e2e.test`;
  const prisma = createPrismaClient(process.env.DATABASE_URL);
  try {
    await prisma.user.create({ data: { email, name: "changer", role: "viewer", passwordHash: await hash(E2E_PASSWORD, { algorithm: 2 }) } });
  } finally {
    await prisma.$disconnect();
  }
  const signedIn = async () => {
    const context = await browser.newContext({ baseURL: base });
    const page = await context.newPage();
    await page.goto("/signin?callbackUrl=/account");
    await page.locator("#signin-email").fill(email);
    await page.locator("#signin-password").fill(E2E_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/account", { timeout: 30_000 });
    return { context, page };
  };
  const here = await signedIn();
  const elsewhere = await signedIn();
  await here.page.locator("#current-password").fill(E2E_PASSWORD);
  await here.page.locator("#new-password").fill("a brand new e2e password");
  await here.page.locator("#repeat-password").fill("a brand new e2e password");
  await here.page.getByRole("button", { name: "Change password" }).click();
  await expect(here.page.getByRole("status").filter({ hasText: "Password saved." })).toBeVisible({ timeout: 30_000 });
  // this browser: still signed in, on pages and the API
  await here.page.reload();
  await expect(here.page.getByTestId("account-area")).toContainText("changer");
  expect((await here.page.request.get("/api/v1/me")).status()).toBe(200);
  // the other browser: signed out
  expect((await elsewhere.page.request.get("/api/v1/me")).status()).toBe(401);
  await elsewhere.page.goto("/");
  await expect(elsewhere.page.getByTestId("account-area").getByRole("link", { name: "Sign in" })).toBeVisible();
  await here.context.close();
  await elsewhere.context.close();
});
