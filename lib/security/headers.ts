/**
 * The Content-Security-Policy of every page, built per request by proxy.ts.
 *
 * Scripts: only those carrying this response's nonce, and what they load ('strict-dynamic'). Next.js
 * reads the nonce from the request's CSP header and puts it on its own inline bootstrap scripts
 * (self.__next_f.push(…), which differ on every page, so hashes cannot list them) and on its
 * chunks. Every page here is rendered per request anyway (they read the database or the
 * session), so nonces cost no static rendering; docs/AUTH.md has the measurement.
 * Styles: 'unsafe-inline', because React's style={…} attributes (charts, bars) are inline style
 * attributes, which nonces cannot cover; CSS cannot run script.
 * Framing: nobody may frame a page (clickjacking), except the read-only feature card at
 * `…/features/<index>?embed=1`, which exists to be put in other sites' iframes.
 */

/** Set by proxy.ts on the request (never taken from the client) for the embeddable feature card. */
export const EMBED_REQUEST_HEADER = "x-featurescope-embed";

const FEATURE_PAGE = /^\/models\/[^/]+\/saes\/[^/]+\/features\/[^/]+\/?$/;

/** Whether a page request is the embeddable, read-only feature card. */
export function isEmbedRequest(url: URL): boolean {
  const embed = url.searchParams.get("embed");
  return (embed === "1" || embed === "true") && FEATURE_PAGE.test(url.pathname);
}

/** Where a sign-in form may send the browser: ourselves, and the configured OAuth providers' sign-in pages. */
export function signInFormTargets(env: Record<string, string | undefined> = process.env): string[] {
  const targets: string[] = [];
  if (env.AUTH_GITHUB_ID) targets.push("https://github.com");
  if (env.AUTH_GOOGLE_ID) targets.push("https://accounts.google.com");
  if (env.AUTH_OIDC_ISSUER) {
    try {
      targets.push(new URL(env.AUTH_OIDC_ISSUER).origin);
    } catch {
      // a bad issuer fails sign-in with its own error
    }
  }
  return targets;
}

export interface CspOptions {
  nonce: string;
  embed: boolean;
  dev: boolean;
  formTargets?: string[];
}

export function contentSecurityPolicy({ nonce, embed, dev, formTargets = [] }: CspOptions): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    // React's dev build evaluates source maps for error overlays; production never uses eval
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...(dev ? ["ws:"] : [])],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'", ...formTargets],
    ["frame-ancestors", embed ? "*" : "'none'"],
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
