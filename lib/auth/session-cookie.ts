/**
 * Reads the Auth.js session cookie from a plain Request (no Next.js request scope needed), so
 * route handlers and their tests share one code path. The cookie is an encrypted JWT whose
 * `sub` is the user id and `sv` the user's session version when it was issued: a password change
 * or disabling raises the version in the database, and older tokens stop working on their next
 * use (tokens from before versions existed count as version 0).
 */
import { decode, encode } from "next-auth/jwt";
import { resolveAuthSecret } from "./secret";

export const SESSION_COOKIE = "authjs.session-token";
export const SECURE_SESSION_COOKIE = "__Secure-authjs.session-token";
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

function readCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}

/** Auth.js splits large tokens into name.0, name.1, …; joins them back. */
function cookieValue(cookies: Map<string, string>, name: string): string | null {
  const whole = cookies.get(name);
  if (whole) return whole;
  const chunks: string[] = [];
  for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`)!);
  return chunks.length ? chunks.join("") : null;
}

export interface SessionClaims {
  userId: number;
  sessionVersion: number;
}

/** The version a token carries (absent: 0, the column's default). */
export function tokenSessionVersion(token: { sv?: unknown } | null | undefined): number {
  const value = Number(token?.sv ?? 0);
  return Number.isInteger(value) && value >= 0 ? value : -1;
}

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** The claims of the session cookie among these cookies, or null (none, expired, tampered with, another secret). */
export async function sessionClaimsFromCookies(cookies: Map<string, string>): Promise<SessionClaims | null> {
  for (const name of [SECURE_SESSION_COOKIE, SESSION_COOKIE]) {
    const token = cookieValue(cookies, name);
    if (!token) continue;
    try {
      const payload = await decode({ token, secret: resolveAuthSecret(), salt: name });
      const userId = Number(payload?.sub);
      if (Number.isInteger(userId) && userId > 0) return { userId, sessionVersion: tokenSessionVersion(payload) };
    } catch {
      // expired, tampered with or from another secret: no session
    }
  }
  return null;
}

export async function readSessionClaims(request: Request): Promise<SessionClaims | null> {
  return sessionClaimsFromCookies(readCookies(request.headers.get("cookie")));
}

/** A session cookie value for a user, as signing in would set it (tests, and re-issuing after a password change). */
export async function mintSessionToken(
  userId: number,
  role: string,
  secure = false,
  extra: { sessionVersion?: number; name?: string | null; email?: string } = {},
): Promise<{ name: string; value: string }> {
  const name = sessionCookieName(secure);
  const value = await encode({
    token: {
      sub: String(userId),
      role,
      sv: extra.sessionVersion ?? 0,
      checkedAt: Date.now(),
      ...(extra.email ? { email: extra.email, name: extra.name ?? null } : {}),
    },
    secret: resolveAuthSecret(),
    salt: name,
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  return { name, value };
}
