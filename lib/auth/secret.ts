/**
 * The secret that signs and encrypts sessions: AUTH_SECRET when set, else one generated on first
 * use and kept in var/auth-secret (mode 0600) so that restarts keep everyone signed in.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

let cached: string | undefined;

export function authSecretFile(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.FEATURESCOPE_AUTH_SECRET_FILE ?? "var/auth-secret");
}

export function resolveAuthSecret(): string {
  if (cached) return cached;
  const fromEnv = process.env.AUTH_SECRET?.trim();
  if (fromEnv) {
    cached = fromEnv;
    return cached;
  }
  const file = authSecretFile();
  try {
    const stored = fs.readFileSync(file, "utf8").trim();
    if (stored.length >= 32) {
      cached = stored;
      return cached;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const generated = randomBytes(32).toString("base64url");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // "wx": if another process created it meanwhile, use theirs
    fs.writeFileSync(file, generated + "\n", { mode: 0o600, flag: "wx" });
    console.log(`[auth] AUTH_SECRET is not set: generated a session secret and stored it in ${file} (mode 0600).`);
    cached = generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    cached = fs.readFileSync(file, "utf8").trim();
  }
  process.env.AUTH_SECRET = cached;
  return cached;
}
