/**
 * What a researcher typed, turned into search terms: the words of a label query, and the tsquery
 * text PostgreSQL runs against the label index once each word has its lexeme and corrections.
 */
import { MATCH_WEIGHT } from "./ranking";

/** More words than this add nothing to label search but cost one more check per candidate. */
export const MAX_QUERY_WORDS = 8;
export const MAX_WORD_LENGTH = 48;

/**
 * The words of a query, lower-cased, in order, without repeats: runs of letters and digits. Anything
 * else (punctuation, operators) only separates words; label search is not a query language.
 */
export function queryWords(query: string): string[] {
  const words: string[] = [];
  for (const match of query.normalize("NFKC").toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0].slice(0, MAX_WORD_LENGTH);
    if (!words.includes(word)) words.push(word);
    if (words.length === MAX_QUERY_WORDS) break;
  }
  return words;
}

/** One query word after PostgreSQL has looked at it. */
export interface SearchTerm {
  word: string;
  /** to_tsvector('english', word)'s lexeme; null for stop words ("the", "of"), which are dropped. */
  lexeme: string | null;
  /** Lexemes of the label vocabulary that look like this one (typos), best first, with similarity. */
  corrections: { lexeme: string; similarity: number }[];
}

/** Prefix matching (`bridg:*`) only for stems this long: `a:*` would match half the vocabulary. */
export const MIN_PREFIX_LENGTH = 3;

/** A lexeme as a tsquery operand: quoted, with quotes and backslashes escaped. */
export function tsqueryLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * The lexemes that count as a word, with how much each counts (MATCH_WEIGHT), best first: its own
 * lexeme, its corrections, and `completions` — for the word being typed, the vocabulary's lexemes
 * its lexeme is a prefix of. Stop words have none.
 */
export function wordLexemes(term: SearchTerm, completions: string[] = []): { lexeme: string; weight: number }[] {
  if (term.lexeme === null) return [];
  const weights = new Map<string, number>([[term.lexeme, MATCH_WEIGHT.exact]]);
  const add = (lexeme: string, weight: number) => weights.set(lexeme, Math.max(weight, weights.get(lexeme) ?? 0));
  for (const correction of term.corrections) add(correction.lexeme, MATCH_WEIGHT.correction * correction.similarity);
  if (term.lexeme.length >= MIN_PREFIX_LENGTH) for (const lexeme of completions) add(lexeme, MATCH_WEIGHT.prefix);
  return [...weights].map(([lexeme, weight]) => ({ lexeme, weight })).sort((x, y) => y.weight - x.weight);
}

/**
 * The tsquery that selects labels having every word, each word given as the lexemes that count as
 * it (its stem, the stems it is a prefix of, its corrections): explicit lexemes only, since GIN
 * intersects exact entries far faster than `prefix:*` ones. Null when no word has a lexeme.
 */
export function everyWordTsquery(words: string[][]): string | null {
  const groups = words.filter((lexemes) => lexemes.length > 0).map((lexemes) => `(${lexemes.map((lexeme) => tsqueryLexeme(lexeme)).join(" | ")})`);
  return groups.length === 0 ? null : groups.join(" & ");
}
