/**
 * Which generated tokens differ between the default and the steered completion. The two share a
 * seed, so they agree up to the first token steering changed; after that a longest-common-
 * subsequence alignment on token ids still lines up the stretches they have in common.
 */

export interface TokenLike {
  id: number;
}

export interface TokenDiff {
  /** Per default token: true when the steered completion has no counterpart for it. */
  defaultChanged: boolean[];
  /** Per steered token: true when the default completion has no counterpart for it. */
  steeredChanged: boolean[];
  /** Index of the first step where the two completions sample different tokens (null: identical). */
  firstDivergence: number | null;
}

export function diffTokens(defaultTokens: readonly TokenLike[], steeredTokens: readonly TokenLike[]): TokenDiff {
  const a = defaultTokens.map((t) => t.id);
  const b = steeredTokens.map((t) => t.id);
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = LCS length of a[i..] and b[j..]; completions are ≤ a few hundred tokens
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const defaultChanged = new Array<boolean>(n).fill(true);
  const steeredChanged = new Array<boolean>(m).fill(true);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      defaultChanged[i++] = false;
      steeredChanged[j++] = false;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      i++;
    } else {
      j++;
    }
  }
  let firstDivergence: number | null = null;
  for (let k = 0; k < Math.max(n, m); k++) {
    if (a[k] !== b[k]) {
      firstDivergence = k;
      break;
    }
  }
  return { defaultChanged, steeredChanged, firstDivergence };
}

/** p = exp(logprob), as a percentage people can read ("31.2%", "<0.1%"). */
export function formatProbability(logprob: number): string {
  const p = Math.exp(logprob);
  if (p >= 0.999) return ">99.9%";
  if (p < 0.001) return "<0.1%";
  return `${(p * 100).toFixed(1)}%`;
}
