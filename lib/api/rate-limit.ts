/**
 * A fixed-window rate limiter in process memory. Good for one web process (the default
 * deployment); several processes each keep their own counts, which only loosens the limit.
 */
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

const windows = new Map<string, { start: number; count: number }>();
let lastSweep = 0;

function sweep(now: number, windowMs: number): void {
  if (now - lastSweep < 60_000) return;
  lastSweep = now;
  for (const [key, entry] of windows) if (now - entry.start >= windowMs * 2) windows.delete(key);
}

export function takeToken(key: string, rule: RateLimitRule, now = Date.now()): RateLimitResult {
  sweep(now, rule.windowMs);
  let entry = windows.get(key);
  if (!entry || now - entry.start >= rule.windowMs) {
    entry = { start: now, count: 0 };
    windows.set(key, entry);
  }
  entry.count += 1;
  const allowed = entry.count <= rule.limit;
  return {
    allowed,
    remaining: Math.max(rule.limit - entry.count, 0),
    retryAfterSeconds: allowed ? 0 : Math.ceil((entry.start + rule.windowMs - now) / 1000),
  };
}

/** For tests. */
export function resetRateLimits(): void {
  windows.clear();
}

/** The client's address as the reverse proxy reports it, else "unknown". */
export function clientAddress(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for");
  if (forwarded) return forwarded.split(",")[0].trim();
  return request.headers.get("x-real-ip") ?? "unknown";
}
