/**
 * Per-request security headers for pages: a Content-Security-Policy with a fresh nonce (which
 * Next.js puts on its own scripts), and no framing except the embeddable feature card
 * (lib/security/headers.ts says why each directive is there). The static headers for every
 * response (X-Content-Type-Options, Referrer-Policy) are in next.config.js.
 */
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, EMBED_REQUEST_HEADER, isEmbedRequest, newNonce, signInFormTargets } from "./lib/security/headers";

export function proxy(request: NextRequest) {
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

export const config = {
  matcher: [
    {
      // pages only: not API routes (JSON), not built assets
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
