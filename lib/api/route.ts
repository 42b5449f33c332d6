/**
 * defineRoute: the one way /api/v1 handlers are written. It authenticates (session or API key),
 * checks role and scope, rate-limits, parses params/query/body with zod, maps every failure to
 * the error contract, validates the response against its schema (unknown fields are dropped, so
 * a handler cannot leak a column by accident), and registers the operation in the OpenAPI document.
 */
import { z } from "zod";
import type { ApiKeyScope } from "../auth/api-keys";
import { authenticate, authorize, isReadMethod, type Access, type AuthenticatedPrincipal, type Principal } from "../auth/principal";
import { ApiError, ErrorBodySchema, badRequest, errorResponse, toApiError, validationError } from "./errors";
import { registerOperation } from "./openapi";
import { clientAddress, takeTokens, type RateLimitRule } from "./rate-limit";
import { findUnsafeText } from "./schemas";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Request bodies larger than this are refused with 413 unless a route sets its own limit. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

type ObjectSchema = z.ZodObject | z.ZodPipe<z.ZodObject, z.ZodType>;

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<A extends Access, P, Q, B> {
  request: Request;
  /** anonymous is only possible on "public" routes */
  principal: A extends "public" ? Principal : AuthenticatedPrincipal;
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
}

export interface RouteSpec<
  A extends Access,
  P extends ObjectSchema | undefined,
  Q extends ObjectSchema | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType | undefined,
> {
  method: HttpMethod;
  /** OpenAPI form: "/api/v1/admin/users/{id}" (the folder is app/api/v1/admin/users/[id]) */
  path: `/api/v1${string}`;
  /** Unique, camelCase, verb first ("listFeatures"): what generated clients name the method. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** "public": anyone may call it (anonymous only for reads); a role: the minimum role. */
  access: A;
  /** API key scope needed; defaults to "read" for GET and "write" otherwise. */
  scope?: ApiKeyScope;
  params?: P;
  query?: Q;
  body?: B;
  /** Schema of the success body; omit for 204 No Content. */
  response?: R;
  /** Success status (default 200, or 204 without a response schema). */
  status?: 200 | 201 | 202 | 204;
  responseDescription?: string;
  /** Error statuses this route can return beyond the ones it gets automatically. */
  errors?: number[];
  maxBodyBytes?: number;
  /** Per principal (user id, else client address); several rules (per minute and per hour) all apply. */
  rateLimit?: RateLimitRule | RateLimitRule[];
  handler: (
    context: RouteContext<A, P, Q, B>,
  ) => Promise<(R extends z.ZodType ? z.input<R> : void) | Response> | (R extends z.ZodType ? z.input<R> : void) | Response;
}

/** What Next.js passes a route handler as its second argument. */
export interface NextRouteContext {
  /**
   * Dynamic segments, as strings. `any` on purpose: Next.js's build-time route type checks compare
   * this with each route's own params type in both directions (Turbopack and webpack differ).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: Promise<any>;
}

/**
 * What defineRoute returns. Two call signatures: tests may call `handler(request)` for routes
 * without segments; Next.js's build checks read the last one (context required).
 */
export interface RouteHandler {
  (request: Request): Promise<Response>;
  (request: Request, context: NextRouteContext): Promise<Response>;
}

const ERROR_TEXT: Record<number, string> = {
  400: "Malformed request or invalid input (details lists the problems)",
  401: "No valid credential: sign in or send an API key (a credential that is sent must be valid, even on public routes)",
  403: "Authenticated, but role or key scope is too low (or the key's owner is disabled)",
  404: "Not found",
  409: "Conflicts with the current state",
  413: "Request body too large",
  415: "Request body is not JSON",
  429: "Too many requests; retry after Retry-After seconds",
  500: "Unexpected server error",
  503: "A service this route needs (e.g. the inference service) is down; retry after Retry-After seconds",
};

function searchParamsObject(url: URL): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    result[key] = values.length === 1 ? values[0] : values;
  }
  return result;
}

/** Fatal: bytes that are not UTF-8 are refused rather than silently turned into U+FFFD. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The request body, refused with 413 past `maxBytes`: first by its Content-Length, then by counting
 * what actually arrives (the header can be absent, with chunked encoding, or lie). Also used by
 * routes outside defineRoute (the Auth.js sign-in endpoints).
 */
export async function readBodyWithin(request: Request, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ApiError("payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
  }
  const reader = request.body?.getReader();
  if (!reader) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ApiError("payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (!(Number.isFinite(declared) && declared > maxBytes) && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new ApiError("unsupported_media_type", "Send the request body as JSON (Content-Type: application/json).");
  }
  const bytes = await readBodyWithin(request, maxBytes);
  if (!bytes) throw badRequest("The request needs a JSON body.");
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw badRequest("The request body is not valid UTF-8.");
  }
  if (text.trim() === "") throw badRequest("The request needs a JSON body.");
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
}

/**
 * Browsers send cookies cross-site only for top-level GETs (SameSite=Lax), but a cookie-authenticated
 * write is still refused when the Origin says it came from another site. The site is the Host the
 * request was sent to, or the public URL in AUTH_URL (behind a proxy that rewrites Host). A client's
 * X-Forwarded-Host is not trusted: any script can send one along with a foreign Origin.
 */
function assertSameOrigin(request: Request): void {
  if (request.headers.get("sec-fetch-site") === "cross-site") throw new ApiError("forbidden", "Cross-site request refused.");
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new ApiError("forbidden", "Cross-site request refused.");
  }
  if (!siteHosts(request).has(originHost)) throw new ApiError("forbidden", "Cross-site request refused.");
}

function siteHosts(request: Request): Set<string> {
  const hosts = new Set<string>([request.headers.get("host") ?? new URL(request.url).host]);
  const publicUrl = process.env.AUTH_URL ?? process.env.NEXTAUTH_URL;
  if (publicUrl) {
    try {
      hosts.add(new URL(publicUrl).host);
    } catch {
      // a malformed AUTH_URL is Auth.js's to report
    }
  }
  return hosts;
}

/** NUL bytes and lone surrogates anywhere in an input are refused before its schema sees it. */
function assertSafeText(where: "query" | "params" | "body", value: unknown): void {
  const found = findUnsafeText(value);
  if (!found) return;
  const path = [where, ...found.path];
  throw new ApiError("validation_failed", `Invalid ${where} (${path.join(".")}: ${found.message}).`, [
    { path, message: found.message, code: "invalid_text" },
  ]);
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: "query" | "params" | "body"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

function registerRoute(spec: RouteSpec<Access, ObjectSchema | undefined, ObjectSchema | undefined, z.ZodType | undefined, z.ZodType | undefined>, scope: ApiKeyScope, successStatus: number) {
  // every route can answer 401 (a credential was sent but is not valid, even on public routes) and
  // 403 (a key whose owner is disabled, or whose scope is too low)
  const errorStatuses = new Set<number>([401, 403, 500, ...(spec.errors ?? [])]);
  if (spec.params || spec.query || spec.body) errorStatuses.add(400);
  if (spec.body) errorStatuses.add(413).add(415);
  if (spec.rateLimit) errorStatuses.add(429);
  const errorJson = { "application/json": { schema: ErrorBodySchema } };
  const responses: Record<string, { description: string; content?: typeof errorJson | { "application/json": { schema: z.ZodType } } }> = {
    [successStatus]: spec.response
      ? { description: spec.responseDescription ?? "Success", content: { "application/json": { schema: spec.response } } }
      : { description: spec.responseDescription ?? "Success, no content" },
  };
  for (const status of [...errorStatuses].sort()) responses[status] = { description: ERROR_TEXT[status] ?? "Error", content: errorJson };

  const who = spec.access === "public"
    ? scope === "read" ? "Public: no credential needed." : "Any signed-in user or API key with the write scope."
    : `Needs the **${spec.access}** role (or higher).`;
  const keyScope = `API keys need the \`${scope}\` scope.`;
  registerOperation({
    method: spec.method.toLowerCase() as Lowercase<HttpMethod>,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    description: [spec.description, `${who} ${keyScope}`].filter(Boolean).join("\n\n"),
    tags: spec.tags,
    security: spec.access === "public" && scope === "read" ? [{}, { apiKey: [] }, { session: [] }] : [{ apiKey: [] }, { session: [] }],
    "x-featurescope-access": spec.access,
    "x-featurescope-scope": scope,
    request: {
      params: spec.params,
      query: spec.query,
      body: spec.body ? { required: true, content: { "application/json": { schema: spec.body } } } : undefined,
    },
    responses,
  });
}

export function defineRoute<
  A extends Access,
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<A, P, Q, B, R>): RouteHandler {
  const scope: ApiKeyScope = spec.scope ?? (isReadMethod(spec.method) ? "read" : "write");
  const successStatus = spec.status ?? (spec.response ? 200 : 204);
  const maxBodyBytes = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  registerRoute(spec as never, scope, successStatus);

  return async function handle(request: Request, context?: NextRouteContext): Promise<Response> {
    try {
      if (request.method !== spec.method && !(request.method === "HEAD" && spec.method === "GET")) {
        throw new ApiError("method_not_allowed", `Use ${spec.method} for this route.`);
      }
      const principal = await authenticate(request);
      authorize(principal, spec.access, scope);
      if (principal.kind === "user" && principal.via === "session" && scope === "write") assertSameOrigin(request);

      if (spec.rateLimit) {
        const who = principal.kind === "user" ? `user:${principal.user.id}` : `ip:${clientAddress(request)}`;
        const verdict = takeTokens(`${spec.method} ${spec.path} ${who}`, spec.rateLimit);
        if (!verdict.allowed) {
          throw new ApiError("rate_limited", `Too many requests; try again in ${verdict.retryAfterSeconds} s.`, undefined, {
            "Retry-After": String(verdict.retryAfterSeconds),
          });
        }
      }

      const url = new URL(request.url);
      const rawParams = ((await context?.params) ?? {}) as Record<string, string | string[] | undefined>;
      const rawQuery = searchParamsObject(url);
      assertSafeText("params", rawParams);
      assertSafeText("query", rawQuery);
      const params = spec.params ? parseWith(spec.params, rawParams, "params") : undefined;
      const query = spec.query ? parseWith(spec.query, rawQuery, "query") : undefined;
      let body: unknown;
      if (spec.body) {
        const rawBody = await readJsonBody(request, maxBodyBytes);
        assertSafeText("body", rawBody);
        body = parseWith(spec.body, rawBody, "body");
      }

      const result = await spec.handler({
        request,
        principal: principal as RouteContext<A, P, Q, B>["principal"],
        params: params as Parsed<P>,
        query: query as Parsed<Q>,
        body: body as Parsed<B>,
      });
      if (result instanceof Response) return result;
      if (!spec.response) return new Response(null, { status: successStatus });
      const output = spec.response.safeParse(result);
      if (!output.success) {
        // the handler broke its own contract: a server bug, not the client's
        console.error(`[api] ${spec.method} ${spec.path}: response does not match its schema`, output.error.issues);
        throw new ApiError("internal", "Something went wrong on the server. The error has been logged.");
      }
      return Response.json(output.data, { status: successStatus });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500 && !(error instanceof ApiError && error.code === "internal")) {
        console.error(`[api] ${spec.method} ${spec.path} failed:`, error);
      }
      return errorResponse(apiError);
    }
  };
}
