/**
 * Which vocabulary lexemes count as corrections of a mistyped stem. Trigram similarity alone misses
 * the commonest typo on short words: two swapped letters ("brigde" → stem "brigd") share only the
 * first trigrams with the right stem ("bridg": similarity 1/3). So a candidate PostgreSQL finds with
 * `%` is kept when it is similar enough, or when it is one edit away (insert, delete, replace, or
 * swap two neighbours) from a stem long enough for that to be meaningful.
 */
import { CORRECTION_MIN_SIMILARITY, MAX_CORRECTIONS } from "./ranking";

/** One edit means little for shorter words: "cat" is one edit from "car", "hat", "at"… */
export const MIN_EDIT_WORD_LENGTH = 4;

/**
 * The optimal string alignment distance (Levenshtein plus a swap of two neighbouring characters),
 * counted in Unicode code points. Stops early and returns `limit + 1` once it must exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > limit) return limit + 1;
  let before = new Array<number>(t.length + 1).fill(0);
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) value = Math.min(value, before[j - 2] + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[t.length];
}

/** A likely typo of one another: one edit apart, both long enough for one edit to mean a typo. */
export function isOneEditTypo(a: string, b: string): boolean {
  if ([...a].length < MIN_EDIT_WORD_LENGTH || [...b].length < MIN_EDIT_WORD_LENGTH) return false;
  return editDistance(a, b, 1) === 1;
}

/** How many `%` neighbours the SQL hands over to choose corrections from. */
export const CORRECTION_CANDIDATES = 12;

/**
 * The corrections of `stem` among its trigram neighbours (best first, as PostgreSQL ranked them):
 * similar enough, or one edit away; at most MAX_CORRECTIONS, most similar first.
 */
export function chooseCorrections(stem: string, candidates: { lexeme: string; similarity: number }[]): { lexeme: string; similarity: number }[] {
  return candidates
    .filter((c) => c.lexeme !== stem && (c.similarity >= CORRECTION_MIN_SIMILARITY || isOneEditTypo(stem, c.lexeme)))
    .sort((a, b) => b.similarity - a.similarity || (a.lexeme < b.lexeme ? -1 : a.lexeme > b.lexeme ? 1 : 0))
    .slice(0, MAX_CORRECTIONS);
}
