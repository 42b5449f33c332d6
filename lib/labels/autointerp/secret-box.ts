/** Encrypts the provider API key at rest (AES-256-GCM, key derived from AUTH_SECRET); never hashed, since it must be sent. */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { resolveAuthSecret } from "../../auth/secret";

function key(secret: string): Buffer {
  return createHash("sha256").update(`featurescope:autointerp-provider-key:${secret}`).digest();
}

export function sealSecret(plain: string, secret = resolveAuthSecret()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(secret), iv);
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
}

/** The plain secret, or null when it cannot be opened (e.g. AUTH_SECRET changed since it was saved). */
export function openSecret(sealed: string, secret = resolveAuthSecret()): string | null {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || data === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(secret), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
