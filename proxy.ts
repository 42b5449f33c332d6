/**
 * Next.js proxy (formerly middleware): runs before routing. Refuses paths that cannot be decoded
 * (lib/api/malformed-path.ts says why); for pages, sets the per-request security headers: a
 * Content-Security-Policy with a fresh nonce (which Next.js puts on its own scripts), and no framing
 * except the embeddable feature card (lib/security/headers.ts says why each directive is there).
 * The static headers for every response (X-Content-Type-Options, Referrer-Policy) are in
 * next.config.js.
 */
import { NextResponse, type NextRequest } from "next/server";
import { malformedPathResponse } from "@/lib/api/malformed-path";
import { contentSecurityPolicy, EMBED_REQUEST_HEADER, isEmbedRequest, newNonce, signInFormTargets } from "./lib/security/headers";

function isPage(request: NextRequest): boolean {
  if (request.nextUrl.pathname.startsWith("/api/")) return false; // JSON, no scripts to allow
  // prefetches are not rendered documents: their nonce would never be used
  if (request.headers.has("next-router-prefetch") || request.headers.get("purpose") === "prefetch") return false;
  return true;
}

export function proxy(request: NextRequest) {
  const malformed = malformedPathResponse(request.nextUrl.pathname);
  if (malformed) return malformed;
  if (!isPage(request)) return NextResponse.next();
  const nonce = newNonce();
  const embed = isEmbedRequest(request.nextUrl);
  const csp = contentSecurityPolicy({ nonce, embed, dev: process.env.NODE_ENV === "development", formTargets: signInFormTargets() });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-nonce", nonce);
  // the layout renders the card without the site header (sign-out form) only when we say so
  requestHeaders.delete(EMBED_REQUEST_HEADER);
  if (embed) requestHeaders.set(EMBED_REQUEST_HEADER, "1");
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  if (!embed) response.headers.set("X-Frame-Options", "DENY");
  return response;
}

// static files never reach a route with dynamic segments
export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
