/** Helpers for API integration tests: users, keys, session cookies, and calling route handlers with a Request. */
import { randomUUID } from "node:crypto";
import type { Role } from "@/lib/auth/roles";
import type { ApiKeyScope } from "@/lib/auth/api-keys";
import { mintSessionToken } from "@/lib/auth/session-cookie";
import type { RouteHandler } from "@/lib/api/route";
import { db } from "@/lib/db/client";
import { createApiKey } from "@/lib/db/api-keys";

// a fixed secret so tests never write var/auth-secret
process.env.AUTH_SECRET ??= "integration-test-secret-0123456789abcdef";

export const ORIGIN = "http://localhost:3000";

export async function makeUser(role: Role, options: { disabled?: boolean; email?: string } = {}) {
  return db().user.create({
    data: {
      email: options.email ?? `${role}-${randomUUID().slice(0, 8)}@example.org`,
      role,
      disabledAt: options.disabled ? new Date() : null,
    },
  });
}

export async function makeKey(userId: number, scopes: ApiKeyScope[] = ["read", "write"], expiresAt: Date | null = null) {
  const { key, apiKey } = await createApiKey(userId, { name: "test key", scopes, expiresAt });
  return { key, id: apiKey.id, bearer: { authorization: `Bearer ${key}` } };
}

export async function sessionCookie(userId: number, role: Role) {
  const { name, value } = await mintSessionToken(userId, role);
  return { cookie: `${name}=${value}` };
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string */
  body?: unknown;
  params?: Record<string, string>;
}

export async function call(handler: RouteHandler, path: string, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const request = new Request(new URL(path, ORIGIN), { method: options.method ?? "GET", headers, body });
  const response = await handler(request, { params: Promise.resolve(options.params ?? {}) });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json: json as Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } } };
}
