import { afterEach, describe, expect, it } from "vitest";
import {
  CLIENT_ADDRESS_HEADER, clientAddressFromHeaders, markClientAddressHeaderTrusted, parseTrustedProxies,
  resolveClientAddress, rewriteForwardingHeaders, TrustedProxiesError,
} from "./client-address";

afterEach(() => markClientAddressHeaderTrusted(false));

describe("client address", () => {
  it("is the socket address when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(resolveClientAddress("203.0.113.7", "198.51.100.1", null)).toBe("203.0.113.7");
    expect(resolveClientAddress("::ffff:203.0.113.7", "1.2.3.4, 5.6.7.8", null)).toBe("203.0.113.7");
    const trusted = parseTrustedProxies("10.0.0.0/8");
    // a client that is not a trusted proxy cannot name another address
    expect(resolveClientAddress("203.0.113.7", "198.51.100.1", trusted)).toBe("203.0.113.7");
  });

  it("behind trusted proxies is the right-most untrusted X-Forwarded-For entry", () => {
    const trusted = parseTrustedProxies("10.0.0.0/8, loopback");
    // client → proxy A (10.0.0.2) → proxy B (10.0.0.3) → us; the client prepended a lie
    expect(resolveClientAddress("10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2", trusted)).toBe("203.0.113.9");
    expect(resolveClientAddress("127.0.0.1", "203.0.113.9", trusted)).toBe("203.0.113.9");
    // only trusted hops: the left-most of them
    expect(resolveClientAddress("10.0.0.3", "10.0.0.2", trusted)).toBe("10.0.0.2");
    // no header: the proxy itself
    expect(resolveClientAddress("10.0.0.3", undefined, trusted)).toBe("10.0.0.3");
    // garbage stops the walk at the last hop a trusted proxy vouched for
    expect(resolveClientAddress("10.0.0.3", "203.0.113.9, not-an-ip", trusted)).toBe("10.0.0.3");
    expect(resolveClientAddress("::1", "2001:db8::5", trusted)).toBe("2001:db8::5");
  });

  it("refuses trusted-proxy settings it cannot read", () => {
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(TrustedProxiesError);
    expect(() => parseTrustedProxies("proxy.example.org")).toThrow(/not an IP address or CIDR range/);
    expect(parseTrustedProxies("")).toBeNull();
    expect(parseTrustedProxies("fd00::/8")!.check("fd12::1", "ipv6")).toBe(true);
  });

  it("the server's rewrite replaces what the client sent, and drops forwarded host/proto from untrusted peers", () => {
    const headers: Record<string, string | string[] | undefined> = {
      [CLIENT_ADDRESS_HEADER]: "1.1.1.1", "x-forwarded-for": "1.1.1.1", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https",
    };
    expect(rewriteForwardingHeaders(headers, "203.0.113.7", null)).toBe("203.0.113.7");
    expect(headers).toEqual({ [CLIENT_ADDRESS_HEADER]: "203.0.113.7", "x-forwarded-for": "203.0.113.7" });
    const behindProxy: Record<string, string | string[] | undefined> = { "x-forwarded-for": "203.0.113.9", "x-forwarded-host": "fs.example.org" };
    rewriteForwardingHeaders(behindProxy, "10.0.0.3", parseTrustedProxies("10.0.0.3"));
    expect(behindProxy).toMatchObject({ [CLIENT_ADDRESS_HEADER]: "203.0.113.9", "x-forwarded-host": "fs.example.org" });
  });

  it("handlers believe the header only in a process whose server set it", () => {
    const headers = new Headers({ [CLIENT_ADDRESS_HEADER]: "203.0.113.7" });
    expect(clientAddressFromHeaders(headers)).toBe("unknown");
    markClientAddressHeaderTrusted();
    expect(clientAddressFromHeaders(headers)).toBe("203.0.113.7");
    expect(clientAddressFromHeaders(new Headers({ "x-forwarded-for": "1.2.3.4" }))).toBe("unknown");
  });
});
