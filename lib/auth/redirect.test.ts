import { describe, expect, it } from "vitest";
import { authRedirect } from "./redirect";

describe("authRedirect", () => {
  it("behaves as Auth.js's default on a named host", () => {
    const base = "https://scope.example.org";
    expect(authRedirect("/account", base, undefined)).toBe("https://scope.example.org/account");
    expect(authRedirect("https://scope.example.org/steer?x=1", base, undefined)).toBe("https://scope.example.org/steer?x=1");
    expect(authRedirect("https://evil.example.com/", base, undefined)).toBe("https://scope.example.org");
    expect(authRedirect("https://scope.example.org.evil.com/", base, "https://scope.example.org")).toBe("https://scope.example.org");
  });

  it("keeps a browser on 127.0.0.1 when Next.js shows Auth.js the request as localhost", () => {
    // the magic link's callbackUrl, checked by the callback route that sees http://localhost:3100
    expect(authRedirect("http://127.0.0.1:3100/", "http://localhost:3100", "http://127.0.0.1:3100")).toBe("http://127.0.0.1:3100/");
    expect(authRedirect("/steer", "http://localhost:3100", "http://127.0.0.1:3100")).toBe("http://127.0.0.1:3100/steer");
    expect(authRedirect("http://[::1]:3100/x", "http://localhost:3100", undefined)).toBe("http://[::1]:3100/x");
  });

  it("does not treat another port, protocol or a non-loopback host as the same origin", () => {
    expect(authRedirect("http://127.0.0.1:9999/", "http://localhost:3100", "http://127.0.0.1:3100")).toBe("http://127.0.0.1:3100");
    expect(authRedirect("https://127.0.0.1:3100/", "http://localhost:3100", undefined)).toBe("http://localhost:3100");
    expect(authRedirect("http://10.0.0.1:3100/", "http://localhost:3100", undefined)).toBe("http://localhost:3100");
    // AUTH_URL naming another host is not used for a loopback request
    expect(authRedirect("/a", "http://localhost:3100", "https://scope.example.org")).toBe("http://localhost:3100/a");
  });
});
