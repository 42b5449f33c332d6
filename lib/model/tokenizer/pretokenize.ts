// GPT-2's pre-tokenizer: splits text into the pieces BPE runs on, with the recipe's exact
// character sets (unicode-classes.ts) instead of the host's \s, \p{L}, \p{N}.
import { LETTER, NUMBER, WHITESPACE } from "./unicode-classes";

const S = WHITESPACE;
const L = LETTER;
const N = NUMBER;

/** `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` */
export const GPT2_PRETOKENIZER = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?[${L}]+| ?[${N}]+| ?[^${S}${L}${N}]+|[${S}]+(?![^${S}])|[${S}]+`,
  "gu",
);

export function pretokenize(text: string): string[] {
  return text.match(GPT2_PRETOKENIZER) ?? [];
}
