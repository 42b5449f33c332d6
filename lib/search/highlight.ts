/**
 * Highlighting for search results, computed here rather than by ts_headline so that typo and
 * prefix matches light up too (a word of the label is marked when it starts with a term's stem or
 * correction, is trigram-similar to the typed word, or is one edit from it), and so that results
 * carry character ranges, never markup: the page renders each segment as text (label text is
 * untrusted, like token text).
 */
import { MIN_PREFIX_LENGTH, type SearchTerm } from "./query";
import { isOneEditTypo } from "./typos";

export interface TextRange {
  start: number;
  end: number;
}

export interface TextSegment {
  text: string;
  match: boolean;
}

/** pg_trgm's trigrams of a string: each word lower-cased, padded with two spaces before and one after. */
export function trigrams(text: string): Set<string> {
  const result = new Set<string>();
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const padded = `  ${match[0]} `;
    // code points, not UTF-16 units, where the word has characters outside the BMP
    const chars = /[\uD800-\uDFFF]/.test(padded) ? [...padded] : null;
    const n = chars ? chars.length : padded.length;
    for (let i = 0; i + 3 <= n; i++) result.add(chars ? chars.slice(i, i + 3).join("") : padded.slice(i, i + 3));
  }
  return result;
}

function similarityOfSets(left: Set<string>, right: Set<string>): number {
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const trigram of left) if (right.has(trigram)) shared++;
  return shared / (left.size + right.size - shared);
}

/** pg_trgm's similarity(): shared trigrams over all trigrams of both strings. */
export function trigramSimilarity(a: string, b: string): number {
  return similarityOfSets(trigrams(a), trigrams(b));
}

/** Below this a word of the label is not highlighted as a typo match of a query word. */
export const HIGHLIGHT_MIN_SIMILARITY = 0.4;

/** Whether a word of a label matches one of the query's terms (each term's stems and trigrams prepared once). */
function wordMatcher(terms: SearchTerm[]): (word: string) => boolean {
  // stop words were not searched for, so they are not highlighted either
  const prepared = terms
    .filter((term) => term.lexeme !== null)
    .map((term) => ({
      word: term.word,
      stems: [term.lexeme as string, ...term.corrections.map((c) => c.lexeme)],
      trigrams: trigrams(term.word),
    }));
  return (word) => {
    const lower = word.toLowerCase();
    let wordTrigrams: Set<string> | null = null;
    for (const term of prepared) {
      // the stem as a prefix covers inflections (bridg → bridges); short stems must match whole
      if (term.stems.some((stem) => (stem.length >= MIN_PREFIX_LENGTH ? lower.startsWith(stem) : lower === stem))) return true;
      if (lower.length >= MIN_PREFIX_LENGTH) {
        wordTrigrams ??= trigrams(lower);
        if (similarityOfSets(wordTrigrams, term.trigrams) >= HIGHLIGHT_MIN_SIMILARITY) return true;
      }
      // swapped letters share few trigrams: "Bridge" for "brigde" is one edit away
      if (isOneEditTypo(lower, term.word)) return true;
    }
    return false;
  };
}

/** A function giving the ranges of the words of a text that match the query's terms (see highlightRanges). */
export function highlighter(terms: SearchTerm[]): (text: string) => TextRange[] {
  const matches = wordMatcher(terms);
  return (text) => {
    const ranges: TextRange[] = [];
    for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
      if (!matches(match[0])) continue;
      const start = match.index;
      const end = start + match[0].length;
      const last = ranges[ranges.length - 1];
      // "Golden Gate" is one highlight, not two
      if (last && /^\s*$/.test(text.slice(last.end, start))) last.end = end;
      else ranges.push({ start, end });
    }
    return ranges;
  };
}

/** Ranges of the words in `text` that match the query's terms, in order, merged when adjacent. */
export function highlightRanges(text: string, terms: SearchTerm[]): TextRange[] {
  return highlighter(terms)(text);
}

/** Splits text at the ranges: what a renderer walks to show matches without any markup. */
export function segments(text: string, ranges: TextRange[]): TextSegment[] {
  const result: TextSegment[] = [];
  let at = 0;
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const start = Math.max(at, Math.min(range.start, text.length));
    const end = Math.max(start, Math.min(range.end, text.length));
    if (start > at) result.push({ text: text.slice(at, start), match: false });
    if (end > start) result.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length) result.push({ text: text.slice(at), match: false });
  return result;
}

/**
 * A window of a long text around its first match, so a 600-character explanation shows the part
 * that matched; short texts come back whole. Ranges are shifted to the window.
 */
export function snippetWindow(text: string, ranges: TextRange[], maxLength = 220): { text: string; ranges: TextRange[]; clippedStart: boolean; clippedEnd: boolean } {
  if (text.length <= maxLength) return { text, ranges, clippedStart: false, clippedEnd: false };
  const first = ranges[0]?.start ?? 0;
  let start = Math.max(0, first - Math.floor(maxLength / 3));
  // start at a word boundary
  const space = text.lastIndexOf(" ", start);
  if (start > 0 && space > 0 && start - space < 20) start = space + 1;
  const end = Math.min(text.length, start + maxLength);
  return {
    text: text.slice(start, end),
    ranges: ranges
      .filter((r) => r.end > start && r.start < end)
      .map((r) => ({ start: Math.max(0, r.start - start), end: Math.min(end, r.end) - start })),
    clippedStart: start > 0,
    clippedEnd: end < text.length,
  };
}
