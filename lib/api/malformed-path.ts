/**
 * Paths whose percent-encoding does not decode (e.g. `%ED%A0%80`, a UTF-8 encoded lone surrogate, or
 * a stray `%`). Next.js fails to decode such a segment while matching a dynamic route and then fails
 * again rendering its built-in error page, so the client got a bare 500. The proxy refuses them
 * first with the API's error shape and a 400.
 */
import { ApiError, errorResponse } from "./errors";

export function malformedPathResponse(pathname: string): Response | null {
  for (const segment of pathname.split("/")) {
    try {
      decodeURIComponent(segment);
    } catch {
      return errorResponse(new ApiError("bad_request", "The URL path is not valid percent-encoded UTF-8."));
    }
  }
  return null;
}
