/**
 * Reads the Auth.js session cookie from a plain Request (no Next.js request scope needed), so
 * route handlers and their tests share one code path. The cookie is an encrypted JWT whose
 * `sub` is the user id.
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
}

export async function readSessionClaims(request: Request): Promise<SessionClaims | null> {
  const cookies = readCookies(request.headers.get("cookie"));
  for (const name of [SECURE_SESSION_COOKIE, SESSION_COOKIE]) {
    const token = cookieValue(cookies, name);
    if (!token) continue;
    try {
      const payload = await decode({ token, secret: resolveAuthSecret(), salt: name });
      const userId = Number(payload?.sub);
      if (Number.isInteger(userId) && userId > 0) return { userId };
    } catch {
      // expired, tampered with or from another secret: no session
    }
  }
  return null;
}

/** A session cookie value for a user, exactly as signing in would set it (used by tests and tools). */
export async function mintSessionToken(userId: number, role: string, secure = false): Promise<{ name: string; value: string }> {
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  const value = await encode({
    token: { sub: String(userId), role },
    secret: resolveAuthSecret(),
    salt: name,
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  return { name, value };
}
