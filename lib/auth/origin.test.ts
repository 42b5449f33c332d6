import { describe, expect, it } from "vitest";
import { assertPublicOriginConfigured, listeningOrigin, onPublicOrigin, publicOrigin, PublicOriginError } from "./origin";

describe("the public origin of links", () => {
  it("is AUTH_URL when set", () => {
    const env = { AUTH_URL: "https://fs.example.org/", HOST: "0.0.0.0", PORT: "3000" };
    expect(publicOrigin(env)).toBe("https://fs.example.org");
    expect(onPublicOrigin("http://evil.example/api/auth/callback/email?token=t#x", env)).toBe("https://fs.example.org/api/auth/callback/email?token=t#x");
  });

  it("refuses email delivery without AUTH_URL in one sentence naming what to set", () => {
    const env = { AUTH_EMAIL_SERVER: "smtp://mail.example.org" };
    expect(() => assertPublicOriginConfigured(env)).toThrow(PublicOriginError);
    expect(() => publicOrigin(env)).toThrow(/^AUTH_EMAIL_SERVER is set but AUTH_URL is not: set AUTH_URL to /);
    // one sentence: a single full stop, at the end
    expect(() => publicOrigin(env)).toThrow(/^[^]*[^.\s]\.$/);
    try { publicOrigin(env); } catch (error) { expect((error as Error).message).not.toMatch(/\.\s/); }
    expect(() => assertPublicOriginConfigured({ ...env, AUTH_URL: "https://fs.example.org" })).not.toThrow();
  });

  it("without either, is the listening origin, never a wildcard bind address", () => {
    expect(publicOrigin({ HOST: "0.0.0.0", PORT: "3000" })).toBe("http://localhost:3000");
    expect(publicOrigin({ HOST: "::", PORT: "8080" })).toBe("http://localhost:8080");
    expect(publicOrigin({})).toBe("http://localhost:3000");
    expect(publicOrigin({ HOST: "127.0.0.1", PORT: "4000" })).toBe("http://127.0.0.1:4000");
    expect(listeningOrigin({ HOST: "::1", PORT: "4000" })).toBe("http://[::1]:4000");
  });

  it("rejects an AUTH_URL no browser can open", () => {
    expect(() => publicOrigin({ AUTH_URL: "http://0.0.0.0:3000" })).toThrow(/bind address/);
    expect(() => publicOrigin({ AUTH_URL: "ftp://x" })).toThrow(/http/);
    expect(() => publicOrigin({ AUTH_URL: "not a url" })).toThrow(/not a URL/);
  });
});
