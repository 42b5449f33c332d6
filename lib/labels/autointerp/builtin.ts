/**
 * The built-in explainer: a machine draft for every live feature without an LLM. It reads what the
 * feature fires on from the explain set (material.ts) — the tokens at its max-activating positions
 * and the token just before them, kept when over-represented against the dashboard corpus — and
 * what it promotes (its logit effects), and writes it in a small fixed grammar:
 *
 *   " thou" (also " thee", " thy"), promotes " shalt"
 *   " import" after " sympy" (or " os"), promotes " numpy"
 *   the token after "data:image", promotes "png"
 *
 * Tokens are JSON string literals (so any token, quote or newline included, is unambiguous).
 *
 * The deterministic simulator (tokenSimulator) reads an explanation in that grammar — from its
 * text alone, so a human label written the same way is simulated the same way — and predicts,
 * per token: 10 for the first "fires on" token, 6 for an "also" token; with an "after" list, the
 * full value only when the previous token is in it and 3 otherwise; "the token after X" predicts
 * 10 wherever the previous token is X. Detection counts a text as a match when some token is
 * predicted ≥ 5. "promotes" says what the feature writes, not where it fires: it is not simulated.
 * Both scorers of pipeline.ts run through it, on examples the explainer never saw.
 *
 * The baseline explainer names only the single most frequent max-activating token, so the two can
 * be compared on the same scorers.
 */
import type { Explainer, ShownRecord, Simulator } from "./pipeline";
import { pearson } from "./scoring";

export const BUILTIN_METHOD = "featurescope-token-explainer";
export const BUILTIN_VERSION = "tokens-v1";
export const BASELINE_METHOD = "most-frequent-max-token";

/** How often each token id occurs in the dashboard corpus (counted positions). */
export interface TokenBackground {
  counts: ArrayLike<number>;
  total: number;
}

export interface TokenExplanation {
  fires: string[];
  after: string[];
  promotes: string[];
}

const quote = (token: string) => JSON.stringify(token);

export function formatTokenExplanation(e: TokenExplanation): string {
  const parts: string[] = [];
  if (e.fires.length) {
    let text = quote(e.fires[0]);
    if (e.fires.length > 1) text += ` (also ${e.fires.slice(1).map(quote).join(", ")})`;
    if (e.after.length) text += ` after ${quote(e.after[0])}${e.after.length > 1 ? ` (or ${e.after.slice(1).map(quote).join(", ")})` : ""}`;
    parts.push(text);
  } else if (e.after.length) {
    parts.push(`the token after ${quote(e.after[0])}${e.after.length > 1 ? ` (or ${e.after.slice(1).map(quote).join(", ")})` : ""}`);
  }
  if (e.promotes.length) parts.push(`promotes ${e.promotes.map(quote).join(", ")}`);
  return parts.join(", ");
}

const STRING = /"(?:[^"\\]|\\.)*"/g;

/** The token lists of an explanation in the grammar above (words between the quoted tokens say which list). */
export function parseTokenExplanation(text: string): TokenExplanation {
  const result: TokenExplanation = { fires: [], after: [], promotes: [] };
  let list: keyof TokenExplanation = "fires";
  let last = 0;
  for (const match of text.matchAll(STRING)) {
    const between = text.slice(last, match.index).toLowerCase();
    if (/\bpromotes\b/.test(between)) list = "promotes";
    else if (/\bafter\b/.test(between)) list = "after";
    last = match.index + match[0].length;
    try {
      const token = JSON.parse(match[0]) as unknown;
      if (typeof token === "string") result[list].push(token);
    } catch {
      // not a JSON string literal: ignored
    }
  }
  return result;
}

/** Predicted activation 0–10 per token of a record, from a parsed explanation. */
export function simulateTokens(explanation: TokenExplanation, tokens: string[]): number[] {
  const weight = new Map<string, number>();
  explanation.fires.forEach((token, i) => {
    if (!weight.has(token)) weight.set(token, i === 0 ? 10 : 6);
  });
  const after = new Set(explanation.after);
  return tokens.map((token, t) => {
    const previousMatches = t > 0 && after.has(tokens[t - 1]);
    if (weight.size === 0) return previousMatches ? 10 : 0;
    const w = weight.get(token) ?? 0;
    if (after.size === 0 || w === 0) return w;
    return previousMatches ? w : 3;
  });
}

export const tokenSimulator: Simulator = {
  name: `${BUILTIN_METHOD}-simulator`,
  async simulate(explanation: string, record: ShownRecord) {
    return simulateTokens(parseTokenExplanation(explanation), record.tokens);
  },
  async detect(explanation: string, records: ShownRecord[]) {
    const parsed = parseTokenExplanation(explanation);
    return records.map((record) => simulateTokens(parsed, record.tokens).some((v) => v >= 5));
  },
};

interface Peak {
  token: string;
  tokenId: number | undefined;
  previous: string | undefined;
  previousId: number | undefined;
}

/** Each record's max-activating position: its token and the one before it. */
function peaks(records: Array<ShownRecord & { activations: number[] }>): Peak[] {
  const out: Peak[] = [];
  for (const record of records) {
    let best = -1;
    for (let t = 0; t < record.activations.length; t++) if (record.activations[t] > 0 && (best < 0 || record.activations[t] > record.activations[best])) best = t;
    if (best < 0) continue;
    out.push({
      token: record.tokens[best], tokenId: record.tokenIds?.[best],
      previous: best > 0 ? record.tokens[best - 1] : undefined, previousId: best > 0 ? record.tokenIds?.[best - 1] : undefined,
    });
  }
  return out;
}

/** Tokens by how often they are the peak (then by lift over the corpus), with their counts. */
function ranked(values: Array<{ key: string; id: number | undefined }>, background: TokenBackground | null): Array<{ key: string; count: number; lift: number }> {
  const counts = new Map<string, { count: number; id: number | undefined }>();
  for (const v of values) counts.set(v.key, { count: (counts.get(v.key)?.count ?? 0) + 1, id: v.id });
  const n = values.length;
  const vocab = background ? background.counts.length : 1;
  return [...counts].map(([key, { count, id }]) => {
    const p = background && id !== undefined && id < vocab ? (background.counts[id] + 1) / (background.total + vocab) : 1 / 1000;
    return { key, count, lift: count / n / p };
  }).sort((a, b) => b.count - a.count || b.lift - a.lift || (a.key < b.key ? -1 : 1));
}

/** Pearson r of the simulator's predictions against the explain set's own (quantised) activations. */
function fit(explanation: TokenExplanation, records: Array<ShownRecord & { activations: number[] }>): number {
  const predicted: number[] = [];
  const actual: number[] = [];
  for (const record of records) {
    predicted.push(...simulateTokens(explanation, record.tokens));
    actual.push(...record.activations);
  }
  return pearson(predicted, actual) ?? -1;
}

/**
 * The built-in explainer. Candidates: the most frequent peak token; with up to two more peak
 * tokens that recur and are over-represented (lift ≥ 2); each of those restricted to a recurring,
 * over-represented previous token; and "the token after X". The candidate the simulator fits best
 * on the explain set wins (a more complex one must fit better by 0.02).
 */
export function builtinExplainer(background: TokenBackground | null): Explainer {
  return {
    name: BUILTIN_METHOD,
    version: BUILTIN_VERSION,
    async explain(records, material) {
      const found = peaks(records);
      if (found.length === 0) return "";
      const tokens = ranked(found.map((p) => ({ key: p.token, id: p.tokenId })), background);
      const previous = ranked(found.filter((p) => p.previous !== undefined).map((p) => ({ key: p.previous!, id: p.previousId })), background);
      const main = tokens[0].key;
      const also = tokens.slice(1).filter((t) => t.count >= 2 && t.lift >= 2).slice(0, 2).map((t) => t.key);
      const contexts = previous.filter((t) => t.count >= Math.max(2, found.length * 0.3) && t.lift >= 2).slice(0, 2).map((t) => t.key);
      const promotes = (material.promotes ?? []).slice(0, 2);
      const candidates: Array<{ e: TokenExplanation; complexity: number }> = [
        { e: { fires: [main], after: [], promotes }, complexity: 0 },
      ];
      if (also.length) candidates.push({ e: { fires: [main, ...also], after: [], promotes }, complexity: 1 });
      if (contexts.length) {
        candidates.push({ e: { fires: [main], after: contexts, promotes }, complexity: 1 });
        if (also.length) candidates.push({ e: { fires: [main, ...also], after: contexts, promotes }, complexity: 2 });
        candidates.push({ e: { fires: [], after: contexts, promotes }, complexity: 1 });
      }
      let best = candidates[0];
      let bestFit = fit(best.e, records);
      for (const candidate of candidates.slice(1)) {
        const score = fit(candidate.e, records);
        if (score > bestFit + 0.02 * (candidate.complexity - best.complexity)) {
          best = candidate;
          bestFit = score;
        }
      }
      return formatTokenExplanation(best.e);
    },
  };
}

/** The trivial baseline: the single most frequent max-activating token of the explain set. */
export const baselineExplainer: Explainer = {
  name: BASELINE_METHOD,
  version: "baseline-v1",
  async explain(records) {
    const found = peaks(records);
    if (found.length === 0) return "";
    return formatTokenExplanation({ fires: [ranked(found.map((p) => ({ key: p.token, id: p.tokenId })), null)[0].key], after: [], promotes: [] });
  },
};
