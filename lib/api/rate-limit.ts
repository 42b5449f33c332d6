/**
 * A fixed-window rate limiter in process memory. Good for one web process (the default
 * deployment); several processes each keep their own counts, which only loosens the limit.
 *
 * Every entry keeps its own window: the sweep that forgets finished windows looks at each entry's
 * own end, never at the window of the rule being checked, so a busy 1-minute rule cannot erase a
 * 15-minute lockout (it did: the sweep used the caller's window for every entry).
 */
import { clientAddressFromHeaders } from "../net/client-address";

export interface RateLimitRule {
  /** requests allowed per window */
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

interface Window {
  start: number;
  /** start + the rule's windowMs: when this entry's count stops mattering */
  end: number;
  count: number;
}

const windows = new Map<string, Window>();
let lastSweep = 0;
const SWEEP_EVERY_MS = 60_000;

function sweep(now: number): void {
  if (now - lastSweep < SWEEP_EVERY_MS) return;
  lastSweep = now;
  for (const [key, entry] of windows) if (now >= entry.end) windows.delete(key);
}

/** The entry's key includes the window, so two rules on one key (10/min and 100/hour) never share a count. */
function entryKey(key: string, rule: RateLimitRule): string {
  return `${key}\u0000${rule.windowMs}`;
}

export function takeToken(key: string, rule: RateLimitRule, now = Date.now()): RateLimitResult {
  sweep(now);
  const k = entryKey(key, rule);
  let entry = windows.get(k);
  if (!entry || now >= entry.end) {
    entry = { start: now, end: now + rule.windowMs, count: 0 };
    windows.set(k, entry);
  }
  entry.count += 1;
  const allowed = entry.count <= rule.limit;
  return {
    allowed,
    remaining: Math.max(rule.limit - entry.count, 0),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((entry.end - now) / 1000)),
  };
}

/**
 * Several rules on one key (e.g. per minute and per hour): every rule counts the attempt, and the
 * answer is the strictest (the longest wait when refused).
 */
export function takeTokens(key: string, rules: RateLimitRule | RateLimitRule[], now = Date.now()): RateLimitResult {
  const list = Array.isArray(rules) ? rules : [rules];
  let verdict: RateLimitResult = { allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterSeconds: 0 };
  for (const rule of list) {
    const result = takeToken(key, rule, now);
    verdict = {
      allowed: verdict.allowed && result.allowed,
      remaining: Math.min(verdict.remaining, result.remaining),
      retryAfterSeconds: Math.max(verdict.retryAfterSeconds, result.retryAfterSeconds),
    };
  }
  return verdict;
}

/** For tests. */
export function resetRateLimits(): void {
  windows.clear();
  lastSweep = 0;
}

/** For tests: how many windows are held. */
export function rateLimitEntryCount(): number {
  return windows.size;
}

/**
 * The client's address for per-client limits: the socket address the web server recorded
 * (lib/net/client-address.ts; behind operator-named trusted proxies, the address they report).
 * A client's own X-Forwarded-For is never believed.
 */
export function clientAddress(request: Request): string {
  return clientAddressFromHeaders(request.headers);
}
