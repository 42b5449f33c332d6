/**
 * API key format and hashing. A key is `fs_` + 43 base64url characters (32 random bytes); only
 * its sha256 and a short display prefix are stored, so a database leak reveals no usable key.
 */
import { createHash, randomBytes } from "node:crypto";

export const API_KEY_PREFIX = "fs_";
export const API_KEY_SCOPES = ["read", "write"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
/** How many leading characters are stored and shown so owners can tell keys apart. */
export const DISPLAY_PREFIX_LENGTH = 11;

const KEY_PATTERN = /^fs_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  key: string;
  prefix: string;
  keyHash: string;
}

export function generateApiKey(): NewApiKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString("base64url");
  return { key, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), keyHash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** The key from `Authorization: Bearer fs_…`, or null when the header carries no API key. */
export function apiKeyFromAuthorization(header: string | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return null;
  return match[1].startsWith(API_KEY_PREFIX) ? match[1] : null;
}

/** "write" implies "read": a key that may change data may also read it. */
export function normaliseScopes(scopes: readonly string[]): ApiKeyScope[] {
  const set = new Set(scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s)));
  if (set.has("write")) set.add("read");
  return API_KEY_SCOPES.filter((s) => set.has(s));
}

export function scopeAllows(scopes: readonly string[], needed: ApiKeyScope): boolean {
  return normaliseScopes(scopes).includes(needed);
}

export interface ApiKeyState {
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** Why a stored key can no longer be used, or null when it can. */
export function apiKeyUnusableReason(key: ApiKeyState, now = new Date()): "revoked" | "expired" | null {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return "expired";
  return null;
}
