import { describe, expect, it } from "vitest";
import { findUnsafeText, text, unsafeTextReason } from "./schemas";

describe("text PostgreSQL cannot store", () => {
  it("finds NUL and unpaired surrogates, in values and keys, at any depth", () => {
    expect(unsafeTextReason("fine text, émoji 🎉")).toBeNull();
    expect(unsafeTextReason("a\u0000b")).toMatch(/NUL/);
    expect(unsafeTextReason("a\ud800b")).toMatch(/surrogate/);
    expect(unsafeTextReason("a\udc00")).toMatch(/surrogate/);
    expect(unsafeTextReason("\ud83c\udf89")).toBeNull(); // a pair is one character
    expect(findUnsafeText({ features: [{ note: "ok" }, { note: "x\u0000" }] })).toEqual({ path: ["features", 1, "note"], message: expect.stringMatching(/NUL/) });
    expect(findUnsafeText({ "bad\u0000key": 1 })?.path).toEqual(["bad\u0000key"]);
    expect(findUnsafeText({ a: [1, true, null, { b: "fine" }] })).toBeNull();
  });

  it("text() refuses them with a clear message", () => {
    const result = text().safeParse("label\u0000");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(/NUL characters/);
    expect(text().safeParse("label").success).toBe(true);
  });
});
