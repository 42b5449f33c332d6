/**
 * Auth.js endpoints: sign-in, callbacks, sign-out, session, CSRF token (magic links throttled:
 * lib/auth/auth-route.ts). POSTs (the sign-in forms)
 * are bounded first: at most 64 KiB (413 past that, before Auth.js parses anything), no NUL
 * bytes or lone surrogates in a form field, and a magic-link request needs an email address (400),
 * so hostile bodies never reach the database.
 */
import { NextRequest } from "next/server";
import { z } from "zod";
import { GET as authGet, POST as authPost } from "@/lib/auth/auth-route";
import { ApiError, errorResponse, toApiError } from "@/lib/api/errors";
import { readBodyWithin } from "@/lib/api/route";
import { findUnsafeText } from "@/lib/api/schemas";

/** Far more than an email, a password and Auth.js's own fields need. */
const MAX_SIGN_IN_BODY_BYTES = 64 * 1024;

/**
 * Auth.js stores a verification token for whatever the magic-link form sends as `email` (it never
 * says whether an account exists, by design), so a value that is not an address is refused here.
 */
const MagicLinkEmail = z.string().trim().max(320).pipe(z.email());

export const GET = authGet;

export async function POST(request: NextRequest): Promise<Response> {
  let body: Buffer | null;
  try {
    body = await readBodyWithin(request, MAX_SIGN_IN_BODY_BYTES);
    if (body && /^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) {
      const fields = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
      const unsafe = findUnsafeText(fields);
      if (unsafe) throw new ApiError("validation_failed", `Invalid form field ${unsafe.path.join(".")}: ${unsafe.message}`);
      if (new URL(request.url).pathname === "/api/auth/signin/email" && !MagicLinkEmail.safeParse(fields.email ?? "").success) {
        throw new ApiError("validation_failed", "Invalid form field email: enter an email address.");
      }
    }
  } catch (error) {
    return errorResponse(toApiError(error));
  }
  // the body has been read: hand Auth.js a request carrying the same bytes
  const replay = new NextRequest(request.url, { method: "POST", headers: request.headers, body: body ? new Uint8Array(body) : undefined });
  return authPost(replay); // magic links throttled there (lib/auth/auth-route.ts)
}
