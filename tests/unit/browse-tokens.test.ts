/** Token rendering and number formatting of the browse pages. */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { TokenText, whitespaceRuns } from "@/app/components/TokenText";
import { activationColour } from "@/app/components/ExampleList";
import { densityAsOneIn, featureHref, formatDensity, formatShare, tokenLiteral } from "@/app/components/format";
import { encodeCursor, decodeCursor, featureTableQuerySchema } from "@/lib/db/saes";

const render = (text: string) => renderToStaticMarkup(createElement(TokenText, { text }));

describe("TokenText", () => {
  it("renders an HTML-looking token as escaped text, never as markup", () => {
    const html = render("<img src=x onerror=alert(1)>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img");
    expect(html).toContain("onerror=alert(1)&gt;");
  });

  it("keeps the exact characters in the DOM and marks whitespace", () => {
    const html = render(" a\tb\n");
    expect(html).toBe(
      '<span class="ws ws-space"> </span>a<span class="ws ws-tab"><span class="ws-raw">\t</span></span>b' +
        '<span class="ws ws-newline"><span class="ws-raw">\n</span></span>',
    );
    expect(render("")).toContain("ws-empty");
  });

  it("groups runs of spaces but not of newlines", () => {
    expect(whitespaceRuns("  x\n\n")).toEqual([
      { text: "  ", ws: "ws-space" },
      { text: "x", ws: null },
      { text: "\n", ws: "ws-newline" },
      { text: "\n", ws: "ws-newline" },
    ]);
  });
});

describe("formatting", () => {
  it("colours activations relative to the feature's max, clamped, and leaves zero uncoloured", () => {
    expect(activationColour(0, 5)).toBeUndefined();
    expect(activationColour(-1, 5)).toBeUndefined();
    expect(activationColour(2.5, 5)).toBe("rgba(255, 122, 0, 0.500)");
    expect(activationColour(9, 5)).toBe("rgba(255, 122, 0, 1.000)");
    expect(activationColour(1, 0)).toBeUndefined();
  });

  it("formats densities, shares and tokens for reading", () => {
    expect(formatDensity(0.000123)).toBe("0.0123%");
    expect(formatDensity(0.0512)).toBe("5.12%");
    expect(formatDensity(0)).toBe("0%");
    expect(densityAsOneIn(0.001)).toBe("fires on 1 in 1,000 tokens");
    expect(densityAsOneIn(0)).toBe("never fires");
    expect(formatShare(0.0004)).toBe("<0.1%");
    expect(formatShare(0.25)).toBe("25.0%");
    expect(tokenLiteral(" a\n")).toBe('" a\\n"');
  });

  it("URL-encodes model and SAE names in links", () => {
    expect(featureHref("gpt 2/small", "res#0", 7)).toBe("/models/gpt%202%2Fsmall/saes/res%230/features/7");
  });

  it("round-trips keyset cursors and rejects malformed ones", () => {
    expect(decodeCursor(encodeCursor(0.00123, 42))).toEqual([0.00123, 42]);
    expect(decodeCursor("e30")).toBeNull();
    expect(decodeCursor(Buffer.from('["x", 1]').toString("base64url"))).toBeNull();
  });

  it("refuses cursors whose numbers the query cannot compare (float4 value, int4 index)", () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const bad of [[1e300, 1], [-1e39, 1], [0, 2147483648], [0, -1], [0, 1.5]]) expect(decodeCursor(cursor(bad)), JSON.stringify(bad)).toBeNull();
    expect(decodeCursor(cursor([3.4e38, 2147483647]))).toEqual([3.4e38, 2147483647]);
    // the API and the page refuse them instead of failing the query (400, not 500)
    expect(featureTableQuerySchema.safeParse({ after: cursor([0, 2147483648]) }).success).toBe(false);
    expect(featureTableQuerySchema.safeParse({ after: "garbage" }).success).toBe(false);
    // index and label-status sorts compare the value as an int4
    expect(featureTableQuerySchema.safeParse({ sort: "index", before: cursor([1e30, 1]) }).success).toBe(false);
    expect(featureTableQuerySchema.safeParse({ sort: "density", before: cursor([1e30, 1]) }).success).toBe(true);
  });
});
