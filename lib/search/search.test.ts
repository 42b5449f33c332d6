import { describe, expect, it } from "vitest";
import { decodeSearchCursor, encodeSearchCursor } from "./cursor";
import { labelSearchQuerySchema } from "./contracts";
import { highlightRanges, segments, snippetWindow, trigramSimilarity } from "./highlight";
import { everyWordTsquery, queryWords, tsqueryLexeme, wordLexemes, type SearchTerm } from "./query";
import { qualityMultiplier } from "./ranking";
import { buildVocabularyIndex, tokenPieces } from "./tokens";
import { embeddingsConfig, textHash, unitVector } from "./embeddings";
import { chooseCorrections, editDistance, isOneEditTypo } from "./typos";

const term = (word: string, lexeme: string | null, corrections: string[] = []): SearchTerm => ({
  word, lexeme, corrections: corrections.map((c) => ({ lexeme: c, similarity: 0.5 })),
});

describe("query words", () => {
  it("keeps letters and digits, lower-cased, in order, without repeats", () => {
    expect(queryWords("Golden  Gate, golden BRIDGE!")).toEqual(["golden", "gate", "bridge"]);
    expect(queryWords("base64-encoded über 東京")).toEqual(["base64", "encoded", "über", "東京"]);
  });

  it("turns query syntax into separators, so nothing the user types is an operator", () => {
    expect(queryWords("a & b | !c :* 'd' (e)")).toEqual(["a", "b", "c", "d", "e"]);
    expect(queryWords("  ")).toEqual([]);
  });

  it("caps the number and length of words", () => {
    expect(queryWords("a b c d e f g h i j k")).toHaveLength(8);
    expect(queryWords("x".repeat(100))[0]).toHaveLength(48);
  });
});

describe("tsquery building", () => {
  it("quotes lexemes so quotes and backslashes cannot break out", () => {
    expect(tsqueryLexeme("it's")).toBe("'it''s'");
    expect(tsqueryLexeme("a\\b")).toBe("'a\\\\b'");
  });

  it("counts a word's own lexeme, its corrections and, when typed last, its completions; stop words none", () => {
    expect(wordLexemes(term("bridges", "bridg", ["bridge"]), ["bridgeport"])).toEqual([
      { lexeme: "bridg", weight: 1 }, { lexeme: "bridge", weight: 0.8 * 0.5 }, { lexeme: "bridgeport", weight: 0.75 },
    ].sort((a, b) => b.weight - a.weight));
    // a completion that is also a correction counts as the better of the two
    expect(wordLexemes(term("brid", "brid", ["bride"]), ["bride", "bridg"]).map((m) => [m.lexeme, m.weight])).toEqual([
      ["brid", 1], ["bride", 0.75], ["bridg", 0.75],
    ]);
    // stems shorter than MIN_PREFIX_LENGTH are not completed
    expect(wordLexemes(term("at", "at"), ["atom"])).toEqual([{ lexeme: "at", weight: 1 }]);
    expect(wordLexemes(term("the", null), ["theory"])).toEqual([]);
  });

  it("requires every word through any of its lexemes, quoted, and is null for only stop words", () => {
    expect(everyWordTsquery([["golden", "goldeneye"], [], ["gate"]])).toBe("('golden' | 'goldeneye') & ('gate')");
    expect(everyWordTsquery([["o'brien"]])).toBe("('o''brien')");
    expect(everyWordTsquery([[]])).toBeNull();
  });
});

describe("highlighting", () => {
  it("computes pg_trgm's similarity", () => {
    expect(trigramSimilarity("bridge", "bridge")).toBe(1);
    // "  b"," br","bri","rid","idg" shared; 9 distinct in all
    expect(trigramSimilarity("bridge", "bridgr")).toBeCloseTo(5 / 9, 6);
    expect(trigramSimilarity("", "x")).toBe(0);
  });

  it("marks stem matches, prefixes, corrections and typo matches, merging a phrase", () => {
    const text = "The Golden Gate Bridges of deceptive landmarks";
    const ranges = highlightRanges(text, [term("golden", "golden"), term("gate", "gate"), term("brigde", "brigd", ["bridg"]), term("decepton", "decepton")]);
    expect(ranges.map((r) => text.slice(r.start, r.end))).toEqual(["Golden Gate Bridges", "deceptive"]);
  });

  it("marks a word with two letters swapped even when no correction came back (the typo's own trigrams miss it)", () => {
    // what PostgreSQL says of "brigde" before the fix: stem brigd, no correction (similarity to bridg is 1/3)
    const text = "synthetic: the Golden Gate Bridge";
    const ranges = highlightRanges(text, [term("golden", "golden"), term("gate", "gate"), term("brigde", "brigd")]);
    expect(ranges.map((r) => text.slice(r.start, r.end))).toEqual(["Golden Gate Bridge"]);
    // but a word two edits away, or a short one, is not a typo
    expect(highlightRanges("a bridle path", [term("brigde", "brigd")])).toEqual([]);
    expect(highlightRanges("the car", [term("cat", "cat")])).toEqual([]);
  });

  it("does not highlight stop words or short stems inside other words", () => {
    expect(highlightRanges("the theory of at attic", [term("the", null), term("at", "at")]).length).toBe(1);
  });

  it("splits text into segments that cover it exactly", () => {
    const text = "<img src=x onerror=alert(1)> in prose";
    const parts = segments(text, [{ start: 32, end: 37 }]);
    expect(parts).toEqual([{ text: "<img src=x onerror=alert(1)> in ", match: false }, { text: "prose", match: true }]);
    expect(parts.map((p) => p.text).join("")).toBe(text);
    expect(segments("abc", [{ start: 2, end: 99 }, { start: -5, end: 1 }])).toEqual([
      { text: "a", match: true }, { text: "b", match: false }, { text: "c", match: true },
    ]);
  });

  it("windows long texts around the first match", () => {
    const text = `${"word ".repeat(100)}needle ${"tail ".repeat(100)}`;
    const start = text.indexOf("needle");
    const window = snippetWindow(text, [{ start, end: start + 6 }], 100);
    expect(window.clippedStart && window.clippedEnd).toBe(true);
    expect(window.text.length).toBeLessThanOrEqual(100);
    expect(window.text.slice(window.ranges[0].start, window.ranges[0].end)).toBe("needle");
    expect(snippetWindow("short", [], 100)).toEqual({ text: "short", ranges: [], clippedStart: false, clippedEnd: false });
  });
});

describe("token pieces", () => {
  const vocabulary = buildVocabularyIndex(
    [" the", " Golden", " Gate", "Gate", " gate", "base", "64", " Paris", "\n", " ", "<img src=x onerror=alert(1)>", "b", "a", "s", "e"]
      .map((text, tokenId) => ({ tokenId, text })),
  );

  it("matches case- and space-insensitively, with every token id of that text", () => {
    expect(tokenPieces("golden GATE", vocabulary)).toEqual([
      { text: "golden", tokenIds: [1] }, { text: "gate", tokenIds: [2, 3, 4] },
    ]);
  });

  it("splits a word the vocabulary lacks into its longest pieces", () => {
    expect(tokenPieces("base64", vocabulary)?.map((p) => p.text)).toEqual(["base", "64"]);
  });

  it("keeps a token with spaces and markup whole", () => {
    expect(tokenPieces("<img src=x onerror=alert(1)>", vocabulary)).toEqual([{ text: "<img src=x onerror=alert(1)>", tokenIds: [10] }]);
  });

  it("is null when a character is not in the vocabulary; whitespace-only tokens are never searched", () => {
    expect(tokenPieces("zebra", vocabulary)).toBeNull();
    expect(vocabulary.byText.has("")).toBe(false);
    expect(tokenPieces("   ", vocabulary)).toEqual([]);
  });
});

describe("ranking", () => {
  it("rewards votes with diminishing returns, capped, and scores against chance", () => {
    expect(qualityMultiplier(0, null, null)).toBe(1);
    expect(qualityMultiplier(1, null, null)).toBeGreaterThan(1);
    expect(qualityMultiplier(100, null, null)).toBeCloseTo(1.3, 9);
    expect(qualityMultiplier(-3, null, null)).toBeLessThan(1);
    expect(qualityMultiplier(0, 0.5, 0)).toBe(1);
    expect(qualityMultiplier(0, 0.9, 0.6)).toBeGreaterThan(qualityMultiplier(0, 0.6, 0.1));
  });
});

describe("cursors", () => {
  it("round-trip scores exactly and refuse anything else", () => {
    const score = 0.31125788451936065;
    expect(decodeSearchCursor(encodeSearchCursor(score, 27))).toEqual({ score, featureId: 27 });
    expect(decodeSearchCursor("not a cursor")).toBeNull();
    expect(decodeSearchCursor(Buffer.from("[1, 2.5]").toString("base64url"))).toBeNull();
    expect(decodeSearchCursor(undefined)).toBeNull();
    // the feature id is an int4 in the query: past it, a 400 from the contract instead of a failed query
    expect(decodeSearchCursor(Buffer.from("[1, 2147483648]").toString("base64url"))).toBeNull();
    expect(decodeSearchCursor(Buffer.from("[1, -1]").toString("base64url"))).toBeNull();
    expect(labelSearchQuerySchema.safeParse({ q: "x", after: Buffer.from("[1e300, 1e300]").toString("base64url") }).success).toBe(false);
    expect(labelSearchQuerySchema.safeParse({ q: "x", after: encodeSearchCursor(0.5, 3) }).success).toBe(true);
  });
});

describe("embeddings configuration", () => {
  it("is off without a URL and has defaults otherwise", () => {
    expect(embeddingsConfig({})).toBeNull();
    expect(embeddingsConfig({ FEATURESCOPE_EMBEDDINGS_URL: "http://x/v1/" })).toMatchObject({ url: "http://x/v1", model: "text-embedding-3-small", apiKey: null });
  });

  it("normalises vectors and hashes text as PostgreSQL does", () => {
    expect(unitVector([3, 4])).toEqual([0.6, 0.8]);
    expect(() => unitVector([0, 0])).toThrow(/zero vector/);
    expect(textHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("typo corrections", () => {
  it("counts insertions, deletions, replacements and swaps of neighbours as one edit", () => {
    expect(editDistance("bridg", "brigd")).toBe(1);
    expect(editDistance("bridge", "bridg")).toBe(1);
    expect(editDistance("bridge", "bxidge")).toBe(1);
    expect(editDistance("bridge", "brdge")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("ca", "abc")).toBe(3); // optimal string alignment, not full Damerau
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abcdef", "uvwxyz", 1)).toBe(2); // stops early past the limit
    expect(editDistance("東京都", "京東都")).toBe(1);
  });

  it("calls only longer words one edit apart typos", () => {
    expect(isOneEditTypo("brigde", "bridge")).toBe(true);
    expect(isOneEditTypo("bridge", "bridge")).toBe(false);
    expect(isOneEditTypo("cat", "car")).toBe(false);
    expect(isOneEditTypo("brigde", "bright")).toBe(false);
  });

  it("keeps similar lexemes and one-edit ones, drops the rest, best first, at most three", () => {
    // pg_trgm's similarities of these lexemes to the stem brigd
    const candidates = [
      { lexeme: "brig", similarity: 0.5714 }, { lexeme: "bright", similarity: 0.4444 },
      { lexeme: "bridg", similarity: 0.3333 }, { lexeme: "broader", similarity: 0.1667 }, { lexeme: "brigd", similarity: 1 },
    ];
    expect(chooseCorrections("brigd", candidates).map((c) => c.lexeme)).toEqual(["brig", "bright", "bridg"]);
    expect(chooseCorrections("brigd", candidates.slice(2)).map((c) => c.lexeme)).toEqual(["bridg"]);
    expect(chooseCorrections("brigd", [{ lexeme: "bank", similarity: 0.1 }])).toEqual([]);
    expect(chooseCorrections("xy", [{ lexeme: "xz", similarity: 0.2 }])).toEqual([]);
  });
});
