import { describe, expect, it } from "vitest";
import { csvField } from "./export";

describe("csvField", () => {
  it("quotes commas, quotes and newlines, and serialises objects as JSON", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField({ model: "m", n: 1 })).toBe('"{""model"":""m"",""n"":1}"');
    expect(csvField(null)).toBe("");
    expect(csvField(0.5)).toBe("0.5");
  });

  it("defuses spreadsheet formulas in text", () => {
    expect(csvField("=HYPERLINK(\"x\")")).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("-1 is fine as a number")).toBe("\"'-1 is fine as a number\"");
    expect(csvField(-1)).toBe("-1");
  });
});
