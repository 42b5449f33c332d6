/**
 * Who is making a request: an API key's owner, a signed-in user, or nobody. Roles and key scopes
 * are checked here, on the server, from the database (so a role change or a disabled account takes
 * effect on the next request, not when a session expires).
 */
import { ApiError, forbidden, unauthenticated } from "../api/errors";
import { findApiKeyByPlainKey, touchApiKey } from "../db/api-keys";
import { db } from "../db/client";
import { apiKeyFromAuthorization, apiKeyUnusableReason, normaliseScopes, scopeAllows, type ApiKeyScope } from "./api-keys";
import { roleAtLeast, type Role } from "./roles";
import { readSessionClaims } from "./session-cookie";

export interface PrincipalUser {
  id: number;
  email: string;
  name: string | null;
  role: Role;
}

export interface AuthenticatedPrincipal {
  kind: "user";
  user: PrincipalUser;
  via: "session" | "api_key";
  /** What this credential may do: sessions may read and write; keys have the scopes they were given. */
  scopes: ApiKeyScope[];
  apiKeyId: number | null;
}

export interface AnonymousPrincipal {
  kind: "anonymous";
}

export type Principal = AuthenticatedPrincipal | AnonymousPrincipal;

export const ANONYMOUS: AnonymousPrincipal = { kind: "anonymous" };

async function fromApiKey(key: string): Promise<AuthenticatedPrincipal> {
  const stored = await findApiKeyByPlainKey(key);
  if (!stored) throw unauthenticated("The API key is not valid.");
  const unusable = apiKeyUnusableReason(stored);
  if (unusable) throw unauthenticated(`The API key has been ${unusable}.`);
  if (stored.user.disabledAt) throw forbidden("The account that owns this API key is disabled.");
  // at most one write a minute per key; a failed bookkeeping write must not fail the request
  await touchApiKey(stored.id, stored.lastUsedAt).catch((error) => console.error("[auth] could not record API key use:", error));
  const { id, email, name, role } = stored.user;
  return { kind: "user", user: { id, email, name, role }, via: "api_key", scopes: normaliseScopes(stored.scopes), apiKeyId: stored.id };
}

async function fromSession(request: Request): Promise<AuthenticatedPrincipal | null> {
  const claims = await readSessionClaims(request);
  if (!claims) return null;
  const user = await db().user.findUnique({
    where: { id: claims.userId },
    select: { id: true, email: true, name: true, role: true, disabledAt: true, sessionVersion: true },
  });
  // a deleted or disabled user's old cookie is no session at all, nor one from before a password change
  if (!user || user.disabledAt || user.sessionVersion !== claims.sessionVersion) return null;
  const { id, email, name, role } = user;
  return { kind: "user", user: { id, email, name, role }, via: "session", scopes: ["read", "write"], apiKeyId: null };
}

/**
 * The request's principal. A presented but invalid credential is an error (401), never silently
 * anonymous, so a script with a revoked key fails loudly even on public routes.
 */
export async function authenticate(request: Request): Promise<Principal> {
  const authorization = request.headers.get("authorization");
  if (authorization) {
    const key = apiKeyFromAuthorization(authorization);
    if (!key) throw unauthenticated("Unsupported Authorization header: send `Authorization: Bearer fs_…` with an API key.");
    return fromApiKey(key);
  }
  return (await fromSession(request)) ?? ANONYMOUS;
}

/** Access a route needs: "public" lets anyone in (anonymous too); a role is the minimum role. */
export type Access = "public" | Role;

/** Throws 401/403 unless the principal may do an operation of this scope at this access level. */
export function authorize(principal: Principal, access: Access, scope: ApiKeyScope): void {
  if (principal.kind === "anonymous") {
    if (access === "public" && scope === "read") return;
    throw unauthenticated();
  }
  if (!scopeAllows(principal.scopes, scope)) {
    throw new ApiError("forbidden", `This API key lacks the "${scope}" scope.`);
  }
  if (access !== "public" && !roleAtLeast(principal.user.role, access)) {
    throw forbidden(`This needs the ${access} role; you are ${principal.user.role}.`);
  }
}

/**
 * For route handlers written without defineRoute: the authenticated principal with at least
 * `role`, or an ApiError (401 anonymous, 403 too low). Scope defaults from the HTTP method.
 */
export async function requireRole(request: Request, role: Role, scope?: ApiKeyScope): Promise<AuthenticatedPrincipal> {
  const principal = await authenticate(request);
  authorize(principal, role, scope ?? (isReadMethod(request.method) ? "read" : "write"));
  return principal as AuthenticatedPrincipal;
}

export function isReadMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}
