// The GPT-2-style (byte-level BPE) tokenizer files of a checkpoint, in the form the package's
// tokenizer reads (lib/model/tokenizer/bpe.ts): vocab.json + merges.txt as published, or the same
// vocabulary and merges taken from tokenizer.json's BPE model when only that file is present;
// special tokens from config.json's ids and tokenizer_config.json's added_tokens_decoder.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { TokenizerFiles } from "@/lib/model/gpt2-package";
import { HfCheckpointError } from "./errors";

const tokenizerJsonSchema = z.object({
  pre_tokenizer: z.object({ type: z.string() }).passthrough().nullish(),
  model: z.object({
    type: z.literal("BPE"),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    // older files write "a b", newer ones ["a", "b"]
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
  }).passthrough(),
}).passthrough();

const addedTokensSchema = z.record(z.string(), z.object({ content: z.string(), special: z.boolean().default(false) }).passthrough());

async function readIfPresent(file: string): Promise<string | undefined> {
  if (!(await stat(file).catch(() => null))?.isFile()) return undefined;
  return readFile(file, "utf8");
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${file}: not valid JSON (${(error as Error).message})`);
  }
}

/** Byte-level BPE files for the package, or an error naming what is missing. */
export async function byteLevelBpeFiles(dir: string, ids: { bos: number; eos: number }): Promise<TokenizerFiles> {
  let vocabJson = await readIfPresent(path.join(dir, "vocab.json"));
  let mergesTxt = await readIfPresent(path.join(dir, "merges.txt"));
  if (vocabJson === undefined || mergesTxt === undefined) {
    const file = path.join(dir, "tokenizer.json");
    const text = await readIfPresent(file);
    if (text === undefined) {
      throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${dir} has neither vocab.json + merges.txt nor tokenizer.json`);
    }
    const parsed = tokenizerJsonSchema.safeParse(parseJson(file, text));
    if (!parsed.success) throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${file}: not a BPE tokenizer (${z.prettifyError(parsed.error)})`);
    if (parsed.data.pre_tokenizer?.type !== "ByteLevel") {
      throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${file}: pre_tokenizer is ${parsed.data.pre_tokenizer?.type ?? "none"}, GPT-2 packages need ByteLevel`);
    }
    vocabJson = JSON.stringify(parsed.data.model.vocab);
    mergesTxt = "#version: 0.2\n" + parsed.data.model.merges.map((m) => (typeof m === "string" ? m : m.join(" "))).join("\n") + "\n";
  }
  const vocab = z.record(z.string(), z.number().int().nonnegative()).safeParse(parseJson("vocab.json", vocabJson));
  if (!vocab.success) throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${dir}/vocab.json: ${z.prettifyError(vocab.error)}`);
  const tokenOf = new Map(Object.entries(vocab.data).map(([token, id]) => [id, token]));
  const specialTokens: Record<string, number> = {};
  const configFile = path.join(dir, "tokenizer_config.json");
  const configText = await readIfPresent(configFile);
  if (configText !== undefined) {
    const added = addedTokensSchema.safeParse((parseJson(configFile, configText) as { added_tokens_decoder?: unknown }).added_tokens_decoder ?? {});
    if (!added.success) throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${configFile}: added_tokens_decoder ${z.prettifyError(added.error)}`);
    for (const [id, token] of Object.entries(added.data)) if (token.special) specialTokens[token.content] = Number(id);
  }
  for (const [role, id] of Object.entries(ids)) {
    const token = tokenOf.get(id);
    if (token === undefined) throw new HfCheckpointError("HF_TOKENIZER_MISSING", `config.json's ${role}_token_id ${id} is not in the vocabulary`);
    specialTokens[token] = id;
  }
  const tokenizerConfigJson = JSON.stringify({ bosToken: tokenOf.get(ids.bos), eosToken: tokenOf.get(ids.eos), specialTokens }, null, 2);
  return { vocabJson, mergesTxt, tokenizerConfigJson };
}
