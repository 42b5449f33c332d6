/**
 * Who is on the other end of a request, for per-client rate limits.
 *
 * Next.js gives route handlers no socket, and it fills X-Forwarded-For from the socket only when
 * the client did not send one (so anyone could choose their own rate-limit bucket). The web server
 * (scripts/web.ts) therefore records the address itself, in CLIENT_ADDRESS_HEADER, after removing
 * whatever the client sent under that name:
 *   - by default the socket's peer address;
 *   - when the peer is one of the operator's trusted proxies (FEATURESCOPE_TRUSTED_PROXIES), the
 *     right-most X-Forwarded-For entry that is not itself a trusted proxy — the address the
 *     operator's own proxy saw. Entries to its left were written by the client and are ignored.
 * Route handlers believe the header only when that server set it (a process-wide mark), so a
 * client cannot forge it against a bare `next start` either: there every anonymous client falls
 * into one "unknown" bucket, and the log says why.
 */
import net from "node:net";

export const CLIENT_ADDRESS_HEADER = "x-featurescope-client-address";
export const TRUSTED_PROXIES_ENV = "FEATURESCOPE_TRUSTED_PROXIES";

const MARK = Symbol.for("featurescope.client-address-from-socket");

type Marked = typeof globalThis & { [MARK]?: boolean };

/** Called by the web server before it serves anything: from now on CLIENT_ADDRESS_HEADER is ours. */
export function markClientAddressHeaderTrusted(on = true): void {
  (globalThis as Marked)[MARK] = on;
}

function headerTrusted(): boolean {
  return (globalThis as Marked)[MARK] === true;
}

let warned = false;

/** The client key of a request (an IP address, or "unknown" when the web server did not record one). */
export function clientAddressFromHeaders(headers: Headers): string {
  if (!headerTrusted()) {
    if (!warned) {
      warned = true;
      console.warn("[net] this web process was not started by scripts/web.ts (npm start / npm run web), so client addresses are unknown: anonymous rate limits are shared by every client.");
    }
    return "unknown";
  }
  return headers.get(CLIENT_ADDRESS_HEADER) || "unknown";
}

/** "::ffff:10.0.0.1" → "10.0.0.1"; anything else unchanged. */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1] : trimmed;
}

function family(address: string): "ipv4" | "ipv6" | null {
  const kind = net.isIP(address);
  return kind === 4 ? "ipv4" : kind === 6 ? "ipv6" : null;
}

export class TrustedProxiesError extends Error {}

/**
 * FEATURESCOPE_TRUSTED_PROXIES: comma-separated addresses and CIDR ranges (10.0.0.0/8, ::1,
 * fd00::/8), or "loopback" for 127.0.0.0/8 and ::1. Empty: no proxy is trusted.
 */
export function parseTrustedProxies(value: string | undefined): net.BlockList | null {
  const entries = (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return null;
  const list = new net.BlockList();
  for (const entry of entries) {
    if (entry === "loopback") {
      list.addSubnet("127.0.0.0", 8, "ipv4");
      list.addAddress("::1", "ipv6");
      continue;
    }
    const [address, bits, extra] = entry.split("/");
    const kind = family(normaliseAddress(address));
    if (!kind || extra !== undefined) {
      throw new TrustedProxiesError(`${TRUSTED_PROXIES_ENV} has "${entry}", which is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8, loopback).`);
    }
    if (bits === undefined) {
      list.addAddress(normaliseAddress(address), kind);
    } else {
      const prefix = Number(bits);
      const max = kind === "ipv4" ? 32 : 128;
      if (!/^\d+$/.test(bits) || prefix > max) {
        throw new TrustedProxiesError(`${TRUSTED_PROXIES_ENV} has "${entry}": the prefix length must be 0–${max}.`);
      }
      list.addSubnet(normaliseAddress(address), prefix, kind);
    }
  }
  return list;
}

function isTrusted(list: net.BlockList | null, address: string): boolean {
  const kind = family(address);
  return Boolean(list && kind && list.check(address, kind));
}

/** The client's address given the socket peer, the X-Forwarded-For header and the trusted proxies. */
export function resolveClientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: net.BlockList | null): string {
  const peer = normaliseAddress(socketAddress ?? "") || "unknown";
  if (!isTrusted(trusted, peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor ?? "")
    .split(",").map(normaliseAddress).filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!family(hop)) break; // malformed: keep the last address a trusted hop vouched for
    client = hop;
    if (!isTrusted(trusted, hop)) break;
  }
  return client;
}

/**
 * Rewrites a Node request's headers in place before Next.js sees them: our client-address header
 * from the socket, X-Forwarded-For reduced to that address, and the other X-Forwarded-* headers
 * dropped unless a trusted proxy sent them (Next.js and Auth.js read X-Forwarded-Host).
 */
export function rewriteForwardingHeaders(headers: Record<string, string | string[] | undefined>, socketAddress: string | undefined, trusted: net.BlockList | null): string {
  const peer = normaliseAddress(socketAddress ?? "");
  const client = resolveClientAddress(socketAddress, headers["x-forwarded-for"], trusted);
  headers[CLIENT_ADDRESS_HEADER] = client;
  headers["x-forwarded-for"] = client;
  if (!isTrusted(trusted, peer)) {
    delete headers["x-forwarded-host"];
    delete headers["x-forwarded-proto"];
    delete headers["x-forwarded-port"];
    delete headers["x-real-ip"];
    delete headers["forwarded"];
  }
  return client;
}
