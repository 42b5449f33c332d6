import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BYTE_TO_CHAR, CHAR_TO_BYTE } from "./byte-level";
import { BpeTokenizer, bytesToDisplayText, parseMerges } from "./bpe";
import { pretokenize } from "./pretokenize";

const here = path.dirname(new URL(import.meta.url).pathname);
// Expected values come from the recipe's Python (regex module), see the *.gen.py files beside this test.
const pretokenizeCases = JSON.parse(readFileSync(path.join(here, "pretokenize.fixture.json"), "utf8")) as Array<{ text: string; pieces: string[] }>;
const bpeFixture = JSON.parse(readFileSync(path.join(here, "bpe.fixture.json"), "utf8")) as {
  vocab: Record<string, number>;
  merges: string[];
  cases: Array<{ text: string; ids: number[]; decoded: string }>;
};

function fixtureTokenizer(): BpeTokenizer {
  return new BpeTokenizer(bpeFixture.vocab, parseMerges(bpeFixture.merges.join("\n")), {
    bosToken: "<|endoftext|>", eosToken: "<|endoftext|>", specialTokens: { "<|endoftext|>": 0 },
  });
}

describe("byte-level table", () => {
  it("is GPT-2's bytes_to_unicode", () => {
    expect(BYTE_TO_CHAR[0x20]).toBe("Ġ");
    expect(BYTE_TO_CHAR[0x0a]).toBe("Ċ");
    expect(BYTE_TO_CHAR[0x41]).toBe("A");
    expect(BYTE_TO_CHAR[0xad]).toBe("Ń");
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    for (let b = 0; b < 256; b++) expect(CHAR_TO_BYTE.get(BYTE_TO_CHAR[b])).toBe(b);
  });
});

describe("GPT-2 pre-tokenizer", () => {
  it.each(pretokenizeCases.map((c) => [JSON.stringify(c.text).slice(0, 40), c] as const))("splits %s like the recipe", (_, c) => {
    expect(pretokenize(c.text)).toEqual(c.pieces);
  });

  it("uses the recipe's whitespace set (U+0085 is space, U+FEFF is not)", () => {
    expect(pretokenize("a\u0085b")).toEqual(["a", "\u0085", "b"]);
    expect(pretokenize("a\ufeffb")).toEqual(["a", "\ufeff", "b"]);
  });
});

describe("BPE", () => {
  const tokenizer = fixtureTokenizer();

  it.each(bpeFixture.cases.map((c) => [JSON.stringify(c.text), c] as const))("encodes %s exactly like the recipe", (_, c) => {
    expect(tokenizer.encode(c.text)).toEqual(c.ids);
    expect(tokenizer.decode(c.ids)).toBe(c.decoded);
  });

  it("applies merges by rank, not left to right", () => {
    // merges: "b c" ranks before "a b", so "abc" → a + bc
    const tiny = new BpeTokenizer({ a: 0, b: 1, c: 2, bc: 3, ab: 4 }, [["b", "c"], ["a", "b"]]);
    expect(tiny.encode("abc")).toEqual([0, 3]);
    expect(tiny.encode("abab")).toEqual([4, 4]);
  });

  it("prepends BOS on request and caches pieces", () => {
    const ids = tokenizer.encode("the cat", { prependBos: true });
    expect(ids[0]).toBe(0);
    expect(tokenizer.encode("the cat")).toEqual(ids.slice(1));
  });

  it("rejects malformed merges and unknown ids", () => {
    expect(() => parseMerges("#version: 0.2\na b\nbad\n")).toThrow(/merges.txt:3/);
    expect(() => tokenizer.decode([999_999])).toThrow(/not in the vocabulary/);
  });
});

describe("display decoding", () => {
  const tokenizer = fixtureTokenizer();

  it("escapes partial UTF-8 per token and attributes whole characters when streaming", () => {
    // "猫" is E7 8C AB: the fixture has no merges over these bytes, so each byte is its own token
    const ids = tokenizer.encode("a猫");
    const displays = tokenizer.tokenTexts(ids);
    expect(displays.map((d) => d.text).join("")).toBe("a\\xE7\\x8C\\xAB");
    expect(displays.map((d) => d.streamText)).toEqual(["a", "", "", "猫"]);
    expect(displays.map((d) => d.partial)).toEqual([false, true, true, true]);
    expect([...displays[1].bytes]).toEqual([0xe7]);
  });

  it("shows whole characters, whitespace and special tokens raw", () => {
    const ids = [0, ...tokenizer.encode(" the\n")];
    const displays = tokenizer.tokenTexts(ids);
    expect(displays[0]).toMatchObject({ special: true, text: "<|endoftext|>", bytes: new Uint8Array(0) });
    expect(displays.slice(1).map((d) => d.text).join("")).toBe(" the\n");
    expect(displays.slice(1).every((d) => !d.partial)).toBe(true);
  });

  it("marks invalid bytes", () => {
    expect(bytesToDisplayText(Uint8Array.from([0x68, 0xff, 0xc3, 0xa9]))).toEqual({ text: "h\\xFFé", partial: true });
    expect(bytesToDisplayText(Uint8Array.from([0xed, 0xa0, 0x80]))).toEqual({ text: "\\xED\\xA0\\x80", partial: true });
  });
});
