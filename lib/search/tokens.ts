/**
 * Activation-text search's half of the tokenizer: a string becomes a sequence of token-id sets
 * using only the model's vocabulary (the Token table), so it works for every model in the
 * database, including ones whose tokenizer files are not on this machine. Matching ignores case and
 * leading/trailing whitespace of tokens ("paris" finds " Paris" and "Paris").
 */

/** The form both vocabulary entries and queries are compared in. */
export function normaliseTokenText(text: string): string {
  return text.normalize("NFKC").toLowerCase().trim();
}

export interface VocabularyIndex {
  /** normalised text → every token id with that text */
  byText: Map<string, number[]>;
  /** length of the longest normalised entry, in UTF-16 units */
  longest: number;
  size: number;
}

export function buildVocabularyIndex(tokens: Iterable<{ tokenId: number; text: string }>): VocabularyIndex {
  const byText = new Map<string, number[]>();
  let longest = 0;
  let size = 0;
  for (const { tokenId, text } of tokens) {
    size++;
    const key = normaliseTokenText(text);
    // whitespace-only tokens cannot be searched for, and would match every gap
    if (key.length === 0) continue;
    const ids = byText.get(key);
    if (ids) ids.push(tokenId);
    else byText.set(key, [tokenId]);
    longest = Math.max(longest, key.length);
  }
  for (const ids of byText.values()) ids.sort((a, b) => a - b);
  return { byText, longest, size };
}

export interface TokenPiece {
  /** the normalised text this piece matched */
  text: string;
  tokenIds: number[];
}

/** Longer queries are refused: every piece is one more condition on every candidate example. */
export const MAX_TOKEN_PIECES = 8;

/**
 * Splits a query into consecutive vocabulary entries, longest first at each position (skipping
 * whitespace between them). Returns null when some character is not in the vocabulary.
 */
export function tokenPieces(query: string, vocabulary: VocabularyIndex): TokenPiece[] | null {
  const text = normaliseTokenText(query).replace(/\s+/g, " ");
  const pieces: TokenPiece[] = [];
  let at = 0;
  while (at < text.length) {
    if (text[at] === " ") {
      at++;
      continue;
    }
    let found: TokenPiece | null = null;
    for (let length = Math.min(vocabulary.longest, text.length - at); length > 0; length--) {
      const candidate = text.slice(at, at + length);
      const ids = vocabulary.byText.get(candidate);
      if (ids) {
        found = { text: candidate, tokenIds: ids };
        break;
      }
    }
    if (!found) return null;
    pieces.push(found);
    at += found.text.length;
  }
  return pieces;
}
