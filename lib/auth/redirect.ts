/**
 * Where Auth.js may send a browser after signing in or out: Auth.js's default rule (same origin as
 * the request, else the base URL), made to survive Next.js's loopback rewrite.
 *
 * Next.js rewrites 127.0.0.1 and [::1] to "localhost" in the URL of every request a route handler
 * sees (NextURL), so with AUTH_URL=http://127.0.0.1:3000 Auth.js's /api/auth/* endpoints believe
 * they run on http://localhost:3000 while the browser, the session cookie and the links Auth.js
 * wrote from server actions all say 127.0.0.1. The default rule then rejects the magic link's own
 * callbackUrl as foreign and sends the browser to localhost — where its new session cookie does
 * not exist, so following a magic link appeared not to sign in. Here loopback names of the same
 * port count as one origin, and the browser stays on the host it came from (AUTH_URL's, for
 * relative targets).
 */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function sameOrigin(a: URL, b: URL): boolean {
  if (a.origin === b.origin) return true;
  return a.protocol === b.protocol && a.port === b.port && LOOPBACK.has(a.hostname) && LOOPBACK.has(b.hostname);
}

export function authRedirect(url: string, baseUrl: string, publicUrl = process.env.AUTH_URL ?? process.env.NEXTAUTH_URL): string {
  const base = new URL(baseUrl);
  const configured = publicUrl ? new URL(publicUrl) : undefined;
  const origin = configured && sameOrigin(configured, base) ? configured.origin : base.origin;
  if (url.startsWith("/")) return `${origin}${url}`;
  const target = new URL(url);
  return sameOrigin(target, base) ? url : origin;
}
