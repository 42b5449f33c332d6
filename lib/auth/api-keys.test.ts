import { describe, expect, it } from "vitest";
import {
  apiKeyFromAuthorization, apiKeyUnusableReason, generateApiKey, hashApiKey, looksLikeApiKey, normaliseScopes, scopeAllows,
} from "./api-keys";

describe("API key format and hashing", () => {
  it("generates distinct fs_ keys whose stored form is sha256 and a short prefix", () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(looksLikeApiKey(a.key)).toBe(true);
    expect(a.key.startsWith(a.prefix)).toBe(true);
    expect(a.prefix.length).toBeLessThan(a.key.length / 3);
    expect(a.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.keyHash).toBe(hashApiKey(a.key));
    expect(a.keyHash).not.toContain(a.key.slice(3));
  });

  it("verifies only the exact key", () => {
    const { key, keyHash } = generateApiKey();
    expect(hashApiKey(key)).toBe(keyHash);
    expect(hashApiKey(key.slice(0, -1) + (key.endsWith("A") ? "B" : "A"))).not.toBe(keyHash);
  });

  it("reads keys from Bearer headers only", () => {
    const { key } = generateApiKey();
    expect(apiKeyFromAuthorization(`Bearer ${key}`)).toBe(key);
    expect(apiKeyFromAuthorization(`bearer   ${key} `)).toBe(key);
    expect(apiKeyFromAuthorization(`Basic ${key}`)).toBeNull();
    expect(apiKeyFromAuthorization("Bearer eyJhbGciOi")).toBeNull();
    expect(apiKeyFromAuthorization(null)).toBeNull();
  });

  it("treats write as implying read, and ignores unknown scopes", () => {
    expect(normaliseScopes(["write"])).toEqual(["read", "write"]);
    expect(normaliseScopes(["read", "admin"])).toEqual(["read"]);
    expect(scopeAllows(["read"], "write")).toBe(false);
    expect(scopeAllows(["read"], "read")).toBe(true);
    expect(scopeAllows(["write"], "read")).toBe(true);
  });

  it("rejects revoked and expired keys", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(apiKeyUnusableReason({ revokedAt: null, expiresAt: null }, now)).toBeNull();
    expect(apiKeyUnusableReason({ revokedAt: new Date("2025-12-31"), expiresAt: null }, now)).toBe("revoked");
    expect(apiKeyUnusableReason({ revokedAt: null, expiresAt: new Date("2025-12-31") }, now)).toBe("expired");
    expect(apiKeyUnusableReason({ revokedAt: null, expiresAt: new Date("2026-02-01") }, now)).toBeNull();
  });
});
