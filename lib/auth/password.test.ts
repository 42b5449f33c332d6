import { describe, expect, it } from "vitest";
import { generatePassword, hashPassword, passwordProblem, verifyPassword, verifyPasswordAgainstNothing } from "./password";

describe("password hashing", () => {
  it("hashes with argon2id and a random salt", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });

  it("verifies the right password and rejects others", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword(stored, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery stapl")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
  });

  it("treats a malformed stored hash as a failed check", async () => {
    expect(await verifyPassword("not-a-hash", "whatever")).toBe(false);
    expect(await verifyPasswordAgainstNothing("whatever")).toBe(false);
  });

  it("enforces the policy and generates acceptable passwords", () => {
    expect(passwordProblem("short")).toMatch(/at least 10/);
    expect(passwordProblem("          ")).toMatch(/whitespace/);
    expect(passwordProblem("long enough password")).toBeNull();
    const generated = generatePassword();
    expect(passwordProblem(generated)).toBeNull();
    expect(generated).not.toBe(generatePassword());
  });
});
