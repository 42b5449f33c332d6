/**
 * How often magic links may be asked for: per address (so nobody floods one inbox, or the log,
 * with links) and per client (so one client cannot spray links at many addresses). Both the
 * Auth.js endpoint (POST /api/auth/signin/email) and the sign-in page's server action check here
 * before Auth.js builds a link. The answer is the same whether or not the address has an account.
 */
import { takeToken, type RateLimitRule } from "../api/rate-limit";

export const MAGIC_LINKS_PER_ADDRESS: RateLimitRule = { limit: 5, windowMs: 15 * 60_000 };
export const MAGIC_LINKS_PER_CLIENT: RateLimitRule = { limit: 20, windowMs: 60 * 60_000 };

export interface MagicLinkVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export function takeMagicLinkToken(email: string, client: string, now = Date.now()): MagicLinkVerdict {
  const address = email.trim().toLowerCase();
  // both are counted, so a refused address still uses up the client's allowance
  const perAddress = takeToken(`magic-link:address:${address}`, MAGIC_LINKS_PER_ADDRESS, now);
  const perClient = takeToken(`magic-link:client:${client}`, MAGIC_LINKS_PER_CLIENT, now);
  const allowed = perAddress.allowed && perClient.allowed;
  if (!allowed) console.warn(`[auth] too many magic-link requests (${perAddress.allowed ? "client " + client : "address " + address}); refusing for now`);
  return { allowed, retryAfterSeconds: Math.max(perAddress.retryAfterSeconds, perClient.retryAfterSeconds) };
}
