/**
 * Delivery of magic sign-in links. Offline (the default) the link goes to the server log — and,
 * for tests, to FEATURESCOPE_MAGIC_LINK_FILE as one JSON line per link. With AUTH_EMAIL_SERVER
 * set (an smtp:// URL) it is mailed with nodemailer, which must then be installed.
 *
 * Auth.js builds the link from the request's origin unless AUTH_URL is set; whatever it built, the
 * link sent is moved onto the configured public origin (lib/auth/origin.ts), so a request with a
 * forged Host or X-Forwarded-Host cannot make us mail someone a link to another site.
 */
import fs from "node:fs";
import path from "node:path";
import { db } from "../db/client";
import { onPublicOrigin } from "./origin";
import { signupsAllowed } from "./policy";

export interface MagicLinkRequest {
  identifier: string;
  url: string;
  expires: Date;
}

/** Links go only to accounts that can use them; the page says the same thing either way, so nobody learns which emails exist. */
async function mayReceiveLink(email: string): Promise<boolean> {
  const user = await db().user.findUnique({ where: { email }, select: { disabledAt: true } });
  if (user) return user.disabledAt === null;
  return signupsAllowed();
}

interface Mailer {
  createTransport(server: string): { sendMail(message: Record<string, string>): Promise<{ rejected?: unknown[] }> };
}

async function loadMailer(): Promise<Mailer> {
  const moduleName = "nodemailer";
  try {
    const loaded = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ moduleName)) as Mailer & { default?: Mailer };
    return loaded.default ?? loaded;
  } catch {
    throw new Error("AUTH_EMAIL_SERVER is set but nodemailer is not installed: run `npm install nodemailer`.");
  }
}

/** The link on the public origin, its callbackUrl too (a forged Host also lands in callbackUrl). */
export function linkOnPublicOrigin(builtUrl: string): string {
  const link = new URL(onPublicOrigin(builtUrl));
  const callback = link.searchParams.get("callbackUrl");
  if (callback) {
    const target = new URL(callback, link.origin);
    link.searchParams.set("callbackUrl", `${link.origin}${target.pathname}${target.search}`);
  }
  return link.toString();
}

export async function deliverMagicLink({ identifier, url: builtUrl, expires }: MagicLinkRequest): Promise<void> {
  const url = linkOnPublicOrigin(builtUrl);
  if (!(await mayReceiveLink(identifier))) {
    console.log(`[auth] Magic link requested for ${identifier}: no active account and sign-up is closed, so none was sent.`);
    return;
  }
  const server = process.env.AUTH_EMAIL_SERVER;
  if (server) {
    const mailer = await loadMailer();
    const host = new URL(url).host;
    const result = await mailer.createTransport(server).sendMail({
      to: identifier,
      from: process.env.AUTH_EMAIL_FROM ?? `Featurescope <no-reply@${host.split(":")[0]}>`,
      subject: `Sign in to Featurescope (${host})`,
      text: `Sign in to Featurescope at ${host}:\n\n${url}\n\nThe link works once and expires at ${expires.toISOString()}.\nIf you did not ask for it, ignore this email.\n`,
    });
    if (result.rejected?.length) throw new Error(`The mail server rejected ${identifier}.`);
    console.log(`[auth] Magic link emailed to ${identifier}.`);
    return;
  }
  console.log(`[auth] Magic sign-in link for ${identifier} (valid until ${expires.toISOString()}): ${url}`);
  const file = process.env.FEATURESCOPE_MAGIC_LINK_FILE;
  if (file) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.appendFileSync(file, JSON.stringify({ email: identifier, url, expires: expires.toISOString() }) + "\n", { mode: 0o600 });
  }
}
