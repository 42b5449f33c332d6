/**
 * Whether clients without an account may steer (and so spend the server's CPU and leave runs).
 *
 * FEATURESCOPE_ANONYMOUS_STEERING=on or off decides. Unset, the server decides from who uses it:
 * anonymous steering is on while the server has at most one account (a fresh clone, a demo, one
 * researcher with the first admin) and turns off once other people have accounts — a lab that
 * invited its members has people to sign in, and strangers on its network should not steer.
 */
import { db } from "../db/client";

export type AnonymousSteeringMode = "on" | "off" | "auto";

export function anonymousSteeringMode(env: NodeJS.ProcessEnv = process.env): AnonymousSteeringMode {
  const raw = env.FEATURESCOPE_ANONYMOUS_STEERING?.trim().toLowerCase();
  if (raw === "on" || raw === "1" || raw === "true" || raw === "yes") return "on";
  if (raw === "off" || raw === "0" || raw === "false" || raw === "no") return "off";
  return "auto";
}

const CACHE_MS = 30_000;
let cached: { at: number; allowed: boolean } | undefined;

/** The decision for this moment (auto mode counts accounts at most every 30 s). */
export async function anonymousSteeringAllowed(now = Date.now()): Promise<boolean> {
  const mode = anonymousSteeringMode();
  if (mode !== "auto") return mode === "on";
  if (cached && now - cached.at < CACHE_MS) return cached.allowed;
  const accounts = await db().user.count({ take: 2 });
  cached = { at: now, allowed: accounts <= 1 };
  return cached.allowed;
}

/** For tests. */
export function forgetAnonymousSteeringDecision(): void {
  cached = undefined;
}
