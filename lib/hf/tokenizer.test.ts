// @huggingface/tokenizers on a GPT-2 byte-level BPE tokenizer.json against the package's own
// recipe-exact tokenizer (lib/model/tokenizer/bpe.ts, whose parity with the recipe's Python encoder
// is tested in lib/model): two independent implementations must give the same ids on a
// multilingual set with emoji, CJK, whitespace runs, contractions and lone surrogates.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BpeTokenizer } from "@/lib/model/tokenizer/bpe";
import { HfCheckpointError } from "./errors";
import { loadHfTokenizer } from "./tokenizer";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const TEXTS = [
  "Hello world", " leading space", "trailing space ", "The quick brown fox's tail isn't 42.",
  "tabs\tand\nnewlines\n\n\n  and   runs     of      spaces", "   ", "\n", "",
  "日本語のテキストと中文字符", "한국어 텍스트", "Ελληνικά και русский текст", "emoji 🤗🚀 family 👨‍👩‍👧 flags 🇫🇷",
  "mixed123numbers4567 and $%^&*() punctuation!!!", "e\u0301 combining and \u00e9 precomposed",
  "lone surrogate \ud800 here", "zero\u200bwidth and nbsp\u00a0x", "def f(x):\n    return x ** 2  # comment",
  "I'm you're we'll they'd it's", "ÀÉÎÕÜ àéîõü ß",
];

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("tokenizer.json through @huggingface/tokenizers", () => {
  for (const [label, folder] of [["the demo model's GPT-2 vocabulary", "demo/model/tokenizer"], ["the test fixture vocabulary", "lib/model/tokenizer"]] as const) {
    it(`gives the package tokenizer's ids on ${label}`, async () => {
      dir = await mkdtemp(path.join(tmpdir(), "hf-tok-"));
      let vocab: Record<string, number>;
      let merges: string[];
      if (folder === "lib/model/tokenizer") {
        ({ vocab, merges } = JSON.parse(readFileSync(path.join(repo, folder, "bpe.fixture.json"), "utf8")));
        await writeFile(path.join(dir, "vocab.json"), JSON.stringify(vocab));
        await writeFile(path.join(dir, "merges.txt"), `#version: 0.2\n${merges.join("\n")}\n`);
        await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({ bosToken: "<|endoftext|>", eosToken: "<|endoftext|>", specialTokens: { "<|endoftext|>": 0 } }));
      } else {
        vocab = JSON.parse(readFileSync(path.join(repo, folder, "vocab.json"), "utf8"));
        merges = readFileSync(path.join(repo, folder, "merges.txt"), "utf8").split("\n").filter((l) => l && !l.startsWith("#version"));
        for (const f of ["vocab.json", "merges.txt", "tokenizer_config.json"]) await writeFile(path.join(dir, f), readFileSync(path.join(repo, folder, f)));
      }
      const eot = vocab["<|endoftext|>"];
      // tokenizer.json as transformers' GPT2TokenizerFast writes it (ByteLevel pre-tokenizer and decoder)
      await writeFile(path.join(dir, "tokenizer.json"), JSON.stringify({
        version: "1.0", truncation: null, padding: null,
        added_tokens: [{ id: eot, content: "<|endoftext|>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
        normalizer: null, pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
        post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
        decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, vocab, merges: merges.map((m) => m.split(" ")) },
      }));
      const ours = await BpeTokenizer.load(dir);
      const library = await loadHfTokenizer(dir);
      const mismatches: string[] = [];
      for (const text of TEXTS) {
        const want = ours.encode(text);
        const got = library.encode(text);
        if (got.join() !== want.join()) mismatches.push(`${JSON.stringify(text)}: package [${want}] library [${got}]`);
      }
      expect(mismatches).toEqual([]);
      // the one difference, a policy and not a bug: the library (like transformers) matches special
      // tokens written in the text, the package's tokenizer (like the recipe's encoder) reads them as text
      expect(library.encode("<|endoftext|> is")).toEqual([eot, ...ours.encode(" is")]);
      expect(ours.encode("<|endoftext|> is")).toEqual(ours.encode("<|endoftext|>").concat(ours.encode(" is")));
      // and back: decoding gives the text wherever it was valid UTF-16
      expect(library.decode(library.encode("日本語 🤗  x"))).toBe("日本語 🤗  x");
    });
  }

  it("names a missing tokenizer.json", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "hf-tok-empty-"));
    const error = await loadHfTokenizer(empty).catch((e: unknown) => e);
    await rm(empty, { recursive: true });
    expect(error).toBeInstanceOf(HfCheckpointError);
    expect((error as Error).message).toMatch(/tokenizer.json is missing/);
  });
});
