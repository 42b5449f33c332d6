import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CORPUS_WALK_LIMITS, buildContexts, contextTokens, corpusFiles, readCorpus, seededOrder } from "./corpus";

/** One token per character: code point + 1 (0 is BOS/EOS). */
const tokenizer = { encode: (text: string) => Array.from(text, (c) => c.codePointAt(0)! + 1) };

async function folder(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fs-corpus-"));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

const all = async (dir: string) => {
  const docs = [];
  for await (const doc of readCorpus(dir)) docs.push(doc);
  return docs;
};

describe("the dashboard corpus", () => {
  it("reads .jsonl, .jsonl.gz and .txt in path order, with explicit and named held-out splits", async () => {
    const dir = await folder({
      "a.jsonl": `${JSON.stringify({ text: "one" })}\n\n${JSON.stringify("two")}\n${JSON.stringify({ text: "three", split: "validation" })}\n`,
      "b.jsonl.gz": gzipSync(`${JSON.stringify({ text: "four" })}\n`),
      "c.txt": "five\nlines",
      "heldout.jsonl": `${JSON.stringify({ text: "six" })}\n`,
      "notes.json": "{}",
    });
    expect((await all(dir)).map((d) => [d.text, d.heldout])).toEqual([
      ["one", false], ["two", false], ["three", true], ["four", false], ["five\nlines", false], ["six", true],
    ]);
  });

  it("treats a lone held-out-named shard as a whole corpus (every 20th document held out)", async () => {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `doc ${i}` })).join("\n");
    const docs = await all(await folder({ "heldout_shard.jsonl.gz": gzipSync(lines) }));
    expect(docs.filter((d) => d.heldout).map((d) => d.text)).toEqual(["doc 19", "doc 39"]);
  });

  it("rejects malformed lines with the file and line", async () => {
    const dir = await folder({ "bad.jsonl": `${JSON.stringify({ text: "ok" })}\n{oops\n` });
    await expect(all(dir)).rejects.toMatchObject({ code: "CORPUS_MALFORMED", message: expect.stringMatching(/bad\.jsonl:2/) });
    await expect(all(path.join(dir, "missing"))).rejects.toMatchObject({ code: "CORPUS_INVALID" });
  });

  it("refuses every path that is not a corpus with one message, reading no file", async () => {
    const dir = await folder({ "passwd": "root:x:0:0:root:/root:/bin/bash\n", "notes.json": "{}" });
    const empty = await folder({});
    const deep = await folder({});
    const nested = path.join(deep, ...Array.from({ length: CORPUS_WALK_LIMITS.depth + 1 }, (_, i) => `d${i}`));
    await mkdir(nested, { recursive: true });
    await writeFile(path.join(nested, "buried.jsonl"), JSON.stringify({ text: "too deep" }));
    // /dev/zero would never end if it were read; a missing path must read exactly like an existing non-corpus
    for (const target of [path.join(dir, "passwd"), path.join(dir, "missing"), path.join(dir, "missing", "x.jsonl"), dir, empty, deep, "/dev/zero"]) {
      const error = await corpusFiles(target).then(() => null, (e: Error & { code?: string }) => e);
      expect(error, target).toMatchObject({ code: "CORPUS_INVALID" });
      expect(error!.message.replace(target, "<path>")).toBe(
        "<path>: not a corpus. Give a .jsonl or .txt file (optionally .gz), or a folder holding such files (searched 8 levels deep, at most 10,000 entries).",
      );
    }
    // a folder too big to search is refused too (small limits: 10,000 files are slow to make)
    const wide = await folder(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.json`, ""])));
    await writeFile(path.join(wide, "z.jsonl"), JSON.stringify({ text: "found only past the limit" }));
    expect(await corpusFiles(wide, { depth: 8, entries: 100 })).toEqual([path.join(wide, "z.jsonl")]);
    await expect(corpusFiles(wide, { depth: 8, entries: 20 })).rejects.toMatchObject({ code: "CORPUS_INVALID" });
  }, 30_000);

  it("packs documents joined by EOS into BOS-first contexts, in file order when the corpus fits", async () => {
    const dir = await folder({ "train.jsonl": ["abcdefg", "hij", "klmnopqrstu"].map((t) => JSON.stringify({ text: t })).join("\n"), "test.jsonl": JSON.stringify({ text: "xyz" }) });
    const built = await buildContexts(tokenizer, { corpusPath: dir, tokens: 100, heldoutTokens: 100, contextSize: 5, bosTokenId: 0, eosTokenId: 0 });
    const ids = (s: string) => tokenizer.encode(s);
    const contexts = Array.from({ length: built.dashboard.count }, (_, c) => Array.from(contextTokens(built.dashboard, c)));
    expect(contexts.flatMap((c) => c.slice(1))).toEqual([...ids("abcdefg"), 0, ...ids("hij"), 0, ...ids("klmnopqrstu"), 0]);
    expect(contexts.every((c) => c[0] === 0 && c.length <= 5)).toBe(true);
    expect(built.dashboard.countedTokens).toBe(7 + 3 + 11); // BOS and the three EOS left out
    expect(Array.from(contextTokens(built.heldout, 0))).toEqual([0, ...ids("xyz"), 0]);
  });

  it("samples documents in a seeded order when the corpus holds more than the budget, and stays within it", async () => {
    // a corpus sorted by kind, as the demo shard is: the budget must not see only the first kind
    const texts = [...Array.from({ length: 30 }, (_, i) => `prose${i}`), ...Array.from({ length: 30 }, (_, i) => `قرآن${i}`)];
    const dir = await folder({ "train.jsonl": texts.map((t) => JSON.stringify({ text: t })).join("\n") });
    const options = { corpusPath: dir, tokens: 120, heldoutTokens: 0, contextSize: 8, bosTokenId: 0, eosTokenId: 0 };
    const built = await buildContexts(tokenizer, options);
    expect(built.dashboard.totalTokens).toBeLessThanOrEqual(120);
    const text = String.fromCodePoint(...Array.from(built.dashboard.tokens).filter((t) => t !== 0).map((t) => t - 1));
    expect(text).toMatch(/prose/);
    expect(text).toMatch(/قرآن/); // read in file order, 120 tokens would hold prose only
    // the documents come in seededOrder's order (the corpus exceeds the budget)
    const order = Array.from(seededOrder(texts.length, 1));
    const firstDoc = texts[order[0]];
    expect(Array.from(contextTokens(built.dashboard, 0)).slice(1, 1 + firstDoc.length)).toEqual(tokenizer.encode(firstDoc));
    expect((await buildContexts(tokenizer, options)).hash).toBe(built.hash);
    expect((await buildContexts(tokenizer, { ...options, seed: 2 })).hash).not.toBe(built.hash);
    // a budget leaving room for BOS alone ends the packing: no context without a token to predict
    const lengths = Array.from({ length: built.dashboard.count }, (_, c) => contextTokens(built.dashboard, c).length);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(2);
    const tight = await buildContexts(tokenizer, { ...options, tokens: 17 });
    expect(Array.from({ length: tight.dashboard.count }, (_, c) => contextTokens(tight.dashboard, c).length)).toEqual([8, 8]);
  });

  it("orders contexts by a seeded permutation", () => {
    const order = seededOrder(50, 3);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(seededOrder(50, 3))).toEqual(Array.from(order));
    expect(Array.from(seededOrder(50, 4))).not.toEqual(Array.from(order));
  });
});
