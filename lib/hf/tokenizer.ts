// A checkpoint's tokenizer.json through @huggingface/tokenizers (Hugging Face's pure-JS port of
// their Rust `tokenizers`, also what transformers.js uses): one maintained implementation of
// byte-level BPE, SentencePiece BPE with byte fallback and Metaspace, with the checkpoint's
// special tokens. Chosen over @huggingface/transformers for size: 0.36 MB unpacked, no
// dependencies, against 10 MB plus onnxruntime-web and sharp (docs/IMPORT.md).
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { HfCheckpointError } from "./errors";

export interface HfTokenizer {
  /** Token ids without the template's special tokens (BOS is the runtime's to add). */
  encode(text: string): number[];
  decode(ids: number[]): string;
}

async function readJson(file: string, required: boolean): Promise<unknown> {
  if (!(await stat(file).catch(() => null))?.isFile()) {
    if (required) throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${file} is missing`);
    return {};
  }
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${file}: not valid JSON (${(error as Error).message})`);
  }
}

export async function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  const json = await readJson(path.join(dir, "tokenizer.json"), true);
  const config = await readJson(path.join(dir, "tokenizer_config.json"), false);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config as object);
  } catch (error) {
    throw new HfCheckpointError("HF_TOKENIZER_MISSING", `${dir}/tokenizer.json: not a tokenizer @huggingface/tokenizers can run (${(error as Error).message})`);
  }
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tokenizer.decode(ids, { skip_special_tokens: false }),
  };
}
