import { describe, expect, it } from "vitest";
import { diffWords } from "./diff";

describe("diffWords", () => {
  it("marks added and removed words and keeps the rest", () => {
    expect(diffWords("commas in lists", "commas in long lists")).toEqual([
      { kind: "same", text: "commas in " },
      { kind: "added", text: "long " },
      { kind: "same", text: "lists" },
    ]);
    expect(diffWords("a b c", "a c")).toEqual([
      { kind: "same", text: "a " },
      { kind: "removed", text: "b " },
      { kind: "same", text: "c" },
    ]);
  });

  it("reassembles both texts exactly", () => {
    const before = "Python  function definitions (def)";
    const after = "Python method and function definitions";
    const parts = diffWords(before, after);
    expect(parts.filter((p) => p.kind !== "added").map((p) => p.text).join("")).toBe(before);
    expect(parts.filter((p) => p.kind !== "removed").map((p) => p.text).join("")).toBe(after);
  });

  it("handles empty sides", () => {
    expect(diffWords("", "new")).toEqual([{ kind: "added", text: "new" }]);
    expect(diffWords("old", "")).toEqual([{ kind: "removed", text: "old" }]);
  });
});
