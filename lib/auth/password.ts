/** Password hashing with argon2id (OWASP's recommended parameters) and the password policy. */
import { hash, verify } from "@node-rs/argon2";

// m=19 MiB, t=2, p=1: OWASP's argon2id baseline; ~30–60 ms per hash on a small server.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from "./password-policy";

/** A PHC string: $argon2id$v=19$m=19456,t=2,p=1$salt$hash (argon2id is the library's default algorithm). */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // a malformed stored hash is a failed sign-in, not a crash
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against a throwaway hash so that a sign-in with an unknown email (or a user without a
 * password) takes about as long as one with a wrong password: response time does not reveal
 * which emails have accounts.
 */
export async function verifyPasswordAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword("featurescope-timing-equaliser");
  await verifyPassword(await dummyHash, password);
  return false;
}

/** A random password for `user:create` when none is given: 20 characters, ~119 bits. */
export function generatePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  // 256 % 57 ≠ 0 gives a slight bias; irrelevant at this length
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}
