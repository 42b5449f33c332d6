import { describe, expect, it } from "vitest";
import { takeToken } from "./rate-limit";

describe("fixed-window rate limit", () => {
  it("allows `limit` requests per window, then says when to retry", () => {
    const rule = { limit: 2, windowMs: 10_000 };
    expect(takeToken("k", rule, 1_000).allowed).toBe(true);
    expect(takeToken("k", rule, 2_000).allowed).toBe(true);
    const third = takeToken("k", rule, 3_000);
    expect(third.allowed).toBe(false);
    expect(third.retryAfterSeconds).toBe(8);
    expect(takeToken("other", rule, 3_000).allowed).toBe(true);
    expect(takeToken("k", rule, 11_000).allowed).toBe(true);
  });
});
