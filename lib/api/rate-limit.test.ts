import { beforeEach, describe, expect, it } from "vitest";
import { rateLimitEntryCount, resetRateLimits, takeToken, takeTokens } from "./rate-limit";

const MINUTE = 60_000;

beforeEach(() => resetRateLimits());

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

  it("a 1-minute rule's sweep never erases a 15-minute lockout", () => {
    const lockout = { limit: 10, windowMs: 15 * MINUTE };
    const perMinute = { limit: 100, windowMs: MINUTE };
    const t0 = 1_000_000;
    for (let i = 0; i < 11; i++) takeToken("signin:a@b.c", lockout, t0);
    expect(takeToken("signin:a@b.c", lockout, t0).allowed).toBe(false);
    // traffic on a 1-minute rule after every 1-minute window (and twice that) has passed
    for (const minutes of [2, 3, 5, 10, 14]) {
      takeToken(`search:${minutes}`, perMinute, t0 + minutes * MINUTE);
      expect(takeToken("signin:a@b.c", lockout, t0 + minutes * MINUTE + 1).allowed).toBe(false);
    }
    // the lockout ends with its own window
    expect(takeToken("signin:a@b.c", lockout, t0 + 15 * MINUTE + 1).allowed).toBe(true);
  });

  it("forgets windows that ended, so memory does not grow", () => {
    const rule = { limit: 1, windowMs: MINUTE };
    for (let i = 0; i < 50; i++) takeToken(`client:${i}`, rule, 0);
    expect(rateLimitEntryCount()).toBe(50);
    takeToken("later", rule, 2 * MINUTE);
    expect(rateLimitEntryCount()).toBe(1);
  });

  it("several rules on one key: each keeps its own count and the longest wait wins", () => {
    const rules = [{ limit: 3, windowMs: MINUTE }, { limit: 5, windowMs: 60 * MINUTE }];
    for (let i = 0; i < 3; i++) expect(takeTokens("steer:ip", rules, 0).allowed).toBe(true);
    const burst = takeTokens("steer:ip", rules, 1_000);
    expect(burst.allowed).toBe(false);
    expect(burst.retryAfterSeconds).toBe(59);
    // next minute: one more (the refused attempt counted too), then the hour's budget is spent
    expect(takeTokens("steer:ip", rules, MINUTE + 1).allowed).toBe(true);
    const hourly = takeTokens("steer:ip", rules, MINUTE + 2);
    expect(hourly.allowed).toBe(false);
    expect(hourly.retryAfterSeconds).toBe(3540);
    expect(takeTokens("steer:ip", rules, 3 * MINUTE).allowed).toBe(false);
    expect(takeTokens("steer:ip", rules, 60 * MINUTE).allowed).toBe(true);
  });
});
