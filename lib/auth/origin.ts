/**
 * The origin the server puts into absolute URLs it sends away (magic links in mail or the log,
 * shared-list links, the OpenAPI document's server): always a configured one, never the request's
 * Host or X-Forwarded-Host, which whoever sends the request chooses — a sign-in request with a
 * foreign Host would otherwise mail a victim a link to the attacker's site (account takeover).
 *
 *   1. AUTH_URL (or NEXTAUTH_URL) when set;
 *   2. else, when email delivery is configured, nothing: the server refuses to start
 *      (assertPublicOriginConfigured), because mailed links must name the public address;
 *   3. else the listening origin, http://<HOST>:<PORT>, with a wildcard bind address (0.0.0.0, ::)
 *      written as localhost: links then go to the log, read by whoever runs the server.
 */

export class PublicOriginError extends Error {}

/** process.env, or a plain object in tests. */
type Env = Record<string, string | undefined>;

const UNSPECIFIED = new Set(["0.0.0.0", "[::]", "::", "[::0]"]);

function configuredUrl(env: Env): string | undefined {
  return env.AUTH_URL?.trim() || env.NEXTAUTH_URL?.trim() || undefined;
}

export function emailDeliveryConfigured(env: Env = process.env): boolean {
  return Boolean(env.AUTH_EMAIL_SERVER?.trim());
}

function parseConfigured(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PublicOriginError(`AUTH_URL "${value}" is not a URL: set it to the address people open, such as https://featurescope.example.org.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PublicOriginError(`AUTH_URL must start with http:// or https:// (got ${url.protocol}//).`);
  }
  if (UNSPECIFIED.has(url.hostname)) {
    throw new PublicOriginError(`AUTH_URL names ${url.hostname}, which is a bind address, not one a browser can open: set it to the server's public name.`);
  }
  return url;
}

/** The origin for links when nothing is configured: where this process listens, 0.0.0.0 named localhost. */
export function listeningOrigin(env: Env = process.env): string {
  const rawHost = env.HOST?.trim() || "0.0.0.0";
  const port = Number(env.PORT ?? 3000);
  const host = UNSPECIFIED.has(rawHost) || UNSPECIFIED.has(`[${rawHost}]`) ? "localhost" : rawHost.includes(":") && !rawHost.startsWith("[") ? `[${rawHost}]` : rawHost;
  return new URL(`http://${host}:${Number.isInteger(port) && port > 0 ? port : 3000}`).origin;
}

/** Throws a one-sentence PublicOriginError when the configuration cannot give links a safe origin. */
export function assertPublicOriginConfigured(env: Env = process.env): void {
  const configured = configuredUrl(env);
  if (configured) {
    parseConfigured(configured);
    return;
  }
  if (emailDeliveryConfigured(env)) {
    throw new PublicOriginError(
      "AUTH_EMAIL_SERVER is set but AUTH_URL is not: set AUTH_URL to the address people open, such as https://featurescope.example.org, so that mailed sign-in links point there.",
    );
  }
}

/** The origin for absolute URLs the server builds (see the file comment). */
export function publicOrigin(env: Env = process.env): string {
  assertPublicOriginConfigured(env);
  const configured = configuredUrl(env);
  return configured ? parseConfigured(configured).origin : listeningOrigin(env);
}

/** `url` with its origin replaced by the public origin (path, query and hash kept). */
export function onPublicOrigin(url: string, env: Env = process.env): string {
  const parsed = new URL(url, "http://placeholder.invalid");
  return `${publicOrigin(env)}${parsed.pathname}${parsed.search}${parsed.hash}`;
}
