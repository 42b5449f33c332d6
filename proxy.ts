/**
 * Next.js proxy (formerly middleware): runs before routing. Refuses paths that cannot be decoded
 * (lib/api/malformed-path.ts says why) and lets everything else through unchanged.
 */
import { NextResponse, type NextRequest } from "next/server";
import { malformedPathResponse } from "@/lib/api/malformed-path";

export function proxy(request: NextRequest) {
  return malformedPathResponse(request.nextUrl.pathname) ?? NextResponse.next();
}

// static files never reach a route with dynamic segments
export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
