/**
 * The web app's server: Next.js behind a plain Node HTTP server that records each request's client
 * address from its socket (lib/net/client-address.ts) — `next start` has no such hook, and per-client
 * rate limits need an address the client cannot choose. `npm start` runs this; so does `npm run web`
 * (after `npm run build`) and the e2e harness.
 *
 *   tsx scripts/web.ts [-p PORT] [-H HOST] [--dev]
 *
 * Refuses to start, with one sentence, when mailed sign-in links would have no configured origin
 * (AUTH_EMAIL_SERVER without AUTH_URL) or FEATURESCOPE_TRUSTED_PROXIES cannot be read.
 */
import http from "node:http";
import { assertPublicOriginConfigured, PublicOriginError } from "../lib/auth/origin";
import { markClientAddressHeaderTrusted, parseTrustedProxies, rewriteForwardingHeaders, TRUSTED_PROXIES_ENV, TrustedProxiesError } from "../lib/net/client-address";

function option(names: string[]): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) if (names.includes(args[i])) return args[i + 1];
  return undefined;
}

const dev = process.argv.includes("--dev");
const port = Number(option(["-p", "--port"]) ?? process.env.PORT ?? 3000);
const host = option(["-H", "--hostname"]) ?? process.env.HOST ?? "0.0.0.0";
// lib/auth/origin.ts builds the listening origin (for links to the log) from these
process.env.PORT = String(port);
process.env.HOST = host;
if (!dev) (process.env as Record<string, string>).NODE_ENV = "production";

let trusted: ReturnType<typeof parseTrustedProxies>;
try {
  assertPublicOriginConfigured();
  trusted = parseTrustedProxies(process.env[TRUSTED_PROXIES_ENV]);
} catch (error) {
  if (error instanceof PublicOriginError || error instanceof TrustedProxiesError) {
    console.error(`✖ ${error.message}`);
    process.exit(1);
  }
  throw error;
}

markClientAddressHeaderTrusted();
const { default: next } = await import("next");
const app = next({ dev, dir: process.cwd(), hostname: host, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  rewriteForwardingHeaders(req.headers, req.socket.remoteAddress, trusted);
  void handle(req, res);
});
server.listen(port, host, () => {
  console.log(`[web] listening on ${host}:${port}${trusted ? ` (trusting X-Forwarded-For from ${process.env[TRUSTED_PROXIES_ENV]})` : ""}`);
});

const stop = () => server.close(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
