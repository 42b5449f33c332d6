import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, isEmbedRequest, newNonce, signInFormTargets } from "./headers";

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

describe("Content-Security-Policy", () => {
  it("allows scripts only by nonce (and what they load), no inline or eval in production", () => {
    const csp = directives(contentSecurityPolicy({ nonce: "abc", embed: false, dev: false }));
    expect(csp.get("script-src")).toEqual(["'self'", "'nonce-abc'", "'strict-dynamic'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'self'"]);
    expect([...csp.values()].flat()).not.toContain("'unsafe-eval'");
    expect(csp.get("script-src")).not.toContain("'unsafe-inline'");
  });

  it("lets other sites frame the embeddable card only", () => {
    expect(directives(contentSecurityPolicy({ nonce: "n", embed: true, dev: false })).get("frame-ancestors")).toEqual(["*"]);
    const url = (path: string) => new URL(path, "http://x");
    expect(isEmbedRequest(url("/models/m/saes/s/features/3?embed=1"))).toBe(true);
    expect(isEmbedRequest(url("/models/m/saes/s/features/3?embed=true"))).toBe(true);
    expect(isEmbedRequest(url("/models/m/saes/s/features/3"))).toBe(false);
    expect(isEmbedRequest(url("/account?embed=1"))).toBe(false);
    expect(isEmbedRequest(url("/models/m/saes/s?embed=1"))).toBe(false);
  });

  it("nonces are fresh and long", () => {
    const a = newNonce();
    expect(a).not.toBe(newNonce());
    expect(Buffer.from(a, "base64")).toHaveLength(16);
  });

  it("sign-in forms may go to configured OAuth providers only", () => {
    expect(signInFormTargets({})).toEqual([]);
    expect(signInFormTargets({ AUTH_GITHUB_ID: "x", AUTH_OIDC_ISSUER: "https://sso.example.org/realms/lab" })).toEqual(["https://github.com", "https://sso.example.org"]);
  });
});
