/**
 * The one error contract of the API: every failure is `{ error: { code, message, details? } }`
 * with the HTTP status that matches the code.
 */
import { z } from "zod";

export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).meta({
        description: "Stable machine-readable code; the HTTP status follows from it.",
      }),
      message: z.string().meta({ description: "Human-readable explanation, safe to show to users." }),
      details: z.unknown().optional().meta({
        description: "For validation_failed: the list of zod issues (path, message, code).",
      }),
    }),
  })
  .meta({ id: "Error" });

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Throw from anywhere below a route handler; the route wrapper turns it into the error shape. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError("bad_request", message, details);
export const unauthenticated = (message = "Sign in or send an API key (Authorization: Bearer fs_…) to do this.") =>
  new ApiError("unauthenticated", message);
export const forbidden = (message = "Your role does not allow this.") => new ApiError("forbidden", message);
export const notFound = (message = "Not found.") => new ApiError("not_found", message);
export const conflict = (message: string, details?: unknown) => new ApiError("conflict", message, details);

/** Zod issues reduced to what a client needs: where, what, and zod's code. */
export function validationError(where: "query" | "params" | "body", error: z.ZodError): ApiError {
  const issues = error.issues.map((issue) => ({
    path: [where, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    message: issue.message,
    code: issue.code,
  }));
  const first = issues[0];
  const summary = first ? `${first.path.join(".")}: ${first.message}` : "invalid input";
  return new ApiError("validation_failed", `Invalid ${where} (${summary}).`, issues);
}

export function errorResponse(error: ApiError): Response {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return Response.json(body, { status: error.status, headers: error.headers });
}

/**
 * For lib/ code that should not know about HTTP: throw a DomainError with a kind, and routes map it
 * (not_found → 404, conflict → 409, invalid → 400, forbidden → 403, limit → 429).
 */
export class DomainError extends Error {
  constructor(
    readonly kind: "not_found" | "conflict" | "invalid" | "forbidden" | "limit",
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

const DOMAIN_CODES: Record<DomainError["kind"], ErrorCode> = {
  not_found: "not_found",
  conflict: "conflict",
  invalid: "bad_request",
  forbidden: "forbidden",
  limit: "rate_limited",
};

interface PrismaLikeError {
  name?: string;
  code?: string;
  meta?: { target?: unknown; modelName?: string; cause?: string };
}

/**
 * Any thrown value → an ApiError. Known database errors keep their meaning (unique → 409,
 * missing record → 404); everything else becomes a 500 whose message reveals nothing internal.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) return new ApiError(DOMAIN_CODES[error.kind], error.message, error.details);
  if (error instanceof z.ZodError) return validationError("body", error);
  const prisma = error as PrismaLikeError;
  if (prisma && typeof prisma === "object" && typeof prisma.code === "string" && /^P\d{4}$/.test(prisma.code)) {
    if (prisma.code === "P2002") {
      const target = prisma.meta?.target;
      return conflict("A record with the same unique value already exists.", target ? { fields: target } : undefined);
    }
    if (prisma.code === "P2025") return notFound("The record does not exist (it may have been deleted).");
    if (prisma.code === "P2003") return conflict("The change refers to a record that does not exist or is still in use.");
    if (prisma.code === "P2034") return conflict("The change collided with a concurrent one; try again.");
  }
  return new ApiError("internal", "Something went wrong on the server. The error has been logged.");
}
