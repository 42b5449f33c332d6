/**
 * The Auth.js endpoints as served under /api/auth, with the magic-link throttle in front of
 * POST /api/auth/signin/email (lib/auth/magic-link-throttle.ts): Auth.js itself has no limit.
 */
import { clientAddress } from "../api/rate-limit";
import { handlers } from "./config";
import { takeMagicLinkToken } from "./magic-link-throttle";
import type { NextRequest } from "next/server";

export const GET = handlers.GET;

async function emailOf(request: Request): Promise<string | null> {
  try {
    const form = await request.clone().formData();
    const email = form.get("email");
    return typeof email === "string" && email.trim() ? email : null;
  } catch {
    return null; // not a form: Auth.js answers that itself
  }
}

export async function POST(request: NextRequest): Promise<Response> {
  if (new URL(request.url).pathname.endsWith("/signin/email")) {
    const email = await emailOf(request);
    if (email) {
      const verdict = takeMagicLinkToken(email, clientAddress(request));
      if (!verdict.allowed) {
        // the shape of Auth.js's own refusals: back to the sign-in page with an error type
        return new Response(null, {
          status: 302,
          headers: { location: "/signin?error=TooManyLinks", "retry-after": String(verdict.retryAfterSeconds) },
        });
      }
    }
  }
  return handlers.POST(request);
}
