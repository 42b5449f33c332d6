/** Server settings for steering: whether anonymous clients may steer, and the rate limit. */
import type { RateLimitRule } from "../api/rate-limit";

export function steeringSettings(env: NodeJS.ProcessEnv = process.env): { anonymousAllowed: boolean; rateLimit: RateLimitRule } {
  const perMinute = Number(env.FEATURESCOPE_STEER_PER_MINUTE ?? 12);
  return {
    anonymousAllowed: (env.FEATURESCOPE_ANONYMOUS_STEERING ?? "on").toLowerCase() !== "off",
    rateLimit: { limit: Number.isInteger(perMinute) && perMinute > 0 ? perMinute : 12, windowMs: 60_000 },
  };
}
