/** Server settings for steering: the rate limits (whether anonymous clients may steer: lib/auth/anonymous-steering.ts). */
import type { RateLimitRule } from "../api/rate-limit";

function positiveInteger(raw: string | undefined, fallback: number): number {
  const value = Number(raw ?? fallback);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Per user, API key or anonymous client: a burst limit per minute and a budget per hour. */
export function steeringSettings(env: NodeJS.ProcessEnv = process.env): { rateLimit: RateLimitRule[] } {
  return {
    rateLimit: [
      { limit: positiveInteger(env.FEATURESCOPE_STEER_PER_MINUTE, 12), windowMs: 60_000 },
      { limit: positiveInteger(env.FEATURESCOPE_STEER_PER_HOUR, 120), windowMs: 60 * 60_000 },
    ],
  };
}
