/**
 * Token strings in imported dashboards, turned into the display text Featurescope's own tokenizer
 * gives (lib/model/tokenizer/bpe.ts bytesToDisplayText: UTF-8 decoded, stray bytes as \xNN).
 *
 * Dashboard files write a token as its *vocabulary string*, not as text. SAEDashboard's
 * NeuronpediaRunner.get_vocab_dict (sae_dashboard/neuronpedia/neuronpedia_runner.py, commit
 * db4839a) takes `tokenizer.vocab` and replaces only HTML_ANOMALIES ("Ġ"→" ", "Ċ"→"\n", "ĉ"→"\t" and
 * six mis-decoded punctuation marks), so a GPT-2 token like "é" arrives as "Ã©" and "…" as "âĢ¦";
 * a SentencePiece vocabulary (Gemma, Llama) arrives as "▁the" and byte fallbacks as "<0x0A>".
 * Which of the three forms a file uses is read from the file itself (detectTokenFormat) or given.
 */
import { bytesToDisplayText } from "@/lib/model/tokenizer/bpe";
import { CHAR_TO_BYTE } from "@/lib/model/tokenizer/byte-level";

export const TOKEN_FORMATS = ["byte-level", "sentencepiece", "text"] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

/** SAEDashboard's HTML_ANOMALIES replacements (neuronpedia_runner.py), as the text they stand for. */
const SAEDASHBOARD_REPLACED = new Set(["—", "–", "“", "”", "‘", "’", " ", "\n", "\t"]);
const SENTENCEPIECE_SPACE = "\u2581";
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;
const utf8 = new TextEncoder();

/** A byte-level vocabulary string → its bytes (SAEDashboard's replaced characters as their UTF-8), or null. */
function byteLevelBytes(token: string): Uint8Array | null {
  const bytes: number[] = [];
  for (const char of token) {
    const byte = CHAR_TO_BYTE.get(char);
    if (byte !== undefined) bytes.push(byte);
    else if (SAEDASHBOARD_REPLACED.has(char)) bytes.push(...utf8.encode(char));
    else return null;
  }
  return Uint8Array.from(bytes);
}

/** True when a byte sequence is non-ASCII and decodes as UTF-8 in full (no stray byte). */
function isWholeMultibyteUtf8(bytes: Uint8Array): boolean {
  if (bytes.every((b) => b < 0x80)) return false;
  return !bytesToDisplayText(bytes).partial;
}

/** Remapped control/space bytes of GPT-2's table (U+0100–U+0143) never occur in ordinary text. */
const REMAPPED_BYTE = /[\u0100-\u0143]/;

export interface TokenFormatGuess {
  format: TokenFormat;
  /** One sentence saying why, for the import report. */
  evidence: string;
}

/**
 * Reads the token strings of a file and says which form they are in. SentencePiece marks ("▁",
 * "<0xNN>") decide at once; byte-level when the non-ASCII tokens are made of GPT-2's byte
 * characters and more of them decode as whole UTF-8 characters than not (display text such as "é"
 * read as bytes is one stray byte, "Ã©" is a whole "é"), or when a remapped control byte appears.
 * Plain ASCII files read the same either way, so they are "text".
 */
export function detectTokenFormat(tokens: Iterable<string>): TokenFormatGuess {
  let sentencepiece = 0;
  let remapped = 0;
  let whole = 0;
  let broken = 0;
  let notByteLevel = 0;
  let seen = 0;
  for (const token of tokens) {
    seen += 1;
    if (token.includes(SENTENCEPIECE_SPACE) || BYTE_FALLBACK.test(token)) {
      sentencepiece += 1;
      continue;
    }
    if (/^[\x00-\x7f]*$/.test(token)) continue;
    const bytes = byteLevelBytes(token);
    if (!bytes) {
      notByteLevel += 1;
      continue;
    }
    if (REMAPPED_BYTE.test(token)) remapped += 1;
    if (isWholeMultibyteUtf8(bytes)) whole += 1;
    else broken += 1;
  }
  if (sentencepiece > 0) return { format: "sentencepiece", evidence: `${sentencepiece} of ${seen} token strings carry SentencePiece's "▁" or a <0xNN> byte fallback` };
  if (notByteLevel === 0 && (remapped > 0 || whole > broken) && whole + remapped > 0) {
    return { format: "byte-level", evidence: `non-ASCII token strings are GPT-2 byte-level characters (${whole} decode as whole UTF-8 characters, ${remapped} hold remapped control bytes)` };
  }
  return { format: "text", evidence: notByteLevel > 0 ? `${notByteLevel} token strings hold characters outside GPT-2's byte table: read as plain text` : "token strings read as plain text" };
}

/** A vocabulary string of the given form → the display text Featurescope shows for that token. */
export function displayText(token: string, format: TokenFormat): string {
  if (format === "text") return token;
  if (format === "sentencepiece") {
    const fallback = BYTE_FALLBACK.exec(token);
    if (fallback) return bytesToDisplayText(Uint8Array.of(parseInt(fallback[1], 16))).text;
    return token.replaceAll(SENTENCEPIECE_SPACE, " ");
  }
  const bytes = byteLevelBytes(token);
  return bytes ? bytesToDisplayText(bytes).text : token;
}
