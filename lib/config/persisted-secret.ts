/**
 * A secret taken from an environment variable, else generated once and kept in a file under var/
 * (mode 0600), so that restarts and sibling processes on the same machine agree on it.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

export interface PersistedSecretSpec {
  envVar: string;
  /** Relative to the project folder. */
  file: string;
  /** Shown in the one log line printed when the secret is generated. */
  purpose: string;
}

const cache = new Map<string, string>();

export function persistedSecret(spec: PersistedSecretSpec): string {
  const fromEnv = process.env[spec.envVar]?.trim();
  if (fromEnv) return fromEnv;
  const cached = cache.get(spec.file);
  if (cached) return cached;
  const file = path.resolve(/*turbopackIgnore: true*/ process.cwd(), spec.file);
  let secret: string | undefined;
  try {
    const stored = fs.readFileSync(file, "utf8").trim();
    if (stored.length >= 32) secret = stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (!secret) {
    const generated = randomBytes(32).toString("base64url");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      // "wx": when another process created it meanwhile, use theirs
      fs.writeFileSync(file, generated + "\n", { mode: 0o600, flag: "wx" });
      console.log(`[config] ${spec.envVar} is not set: generated the ${spec.purpose} and stored it in ${file} (mode 0600).`);
      secret = generated;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      secret = fs.readFileSync(file, "utf8").trim();
    }
  }
  cache.set(spec.file, secret);
  return secret;
}
