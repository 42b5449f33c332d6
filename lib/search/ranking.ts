/**
 * The numbers that rank label search results, in one place so docs/SEARCH.md, the SQL in
 * lib/db/search.ts and the tests agree. A result's score is
 *
 *   text relevance × review status × (1 + votes + auto-interp scores)  [× a small bonus for the
 *   feature's current label]
 *
 * Text relevance (0–1) is the mean over query terms of how well each matched (exact lexeme 1,
 * prefix 0.75, typo correction 0.8 × trigram similarity), nudged up for labels that say little else.
 */

/** How much each kind of term match counts toward text relevance. */
export const MATCH_WEIGHT = { exact: 1, prefix: 0.75, correction: 0.8 } as const;

/** Share of text relevance that rewards specific labels (query terms / label lexemes). */
export const SPECIFICITY_WEIGHT = 0.25;

/** Review status: accepted labels first; drafts nearly as good; rejected ones sink. */
export const STATUS_FACTOR = { accepted: 1, draft: 0.85, rejected: 0.4 } as const;

/** The label a feature currently shows gets this multiplier. */
export const CURRENT_LABEL_BONUS = 1.05;

/** Votes: ±VOTE_WEIGHT × ln(1 + |votes|), capped at ±VOTE_CAP, so the hundredth vote counts less than the first. */
export const VOTE_WEIGHT = 0.08;
export const VOTE_CAP = 0.3;

/**
 * Auto-interp scores: detection is a balanced accuracy (0.5 is chance), simulation a correlation
 * (0 is chance); a label without a score is treated as chance, neither rewarded nor punished.
 */
export const DETECTION_WEIGHT = 0.3;
export const SIMULATION_WEIGHT = 0.15;

/** Candidate labels considered per query; beyond this the ranking covers the first ones found. */
export const CANDIDATE_LIMIT = 2000;

/**
 * Candidates fully scored per query. Text relevance needs each label's tsvector, recomputed from
 * its text (~20–40 µs a label): the candidates are first ordered by what costs nothing — review
 * status, votes, scores and brevity (BREVITY_CHARS / length) — and only this many get the full
 * score. A query that matches fewer labels is ranked exactly; one that matches more returns at most
 * this many features.
 */
export const SHORTLIST_LIMIT = 300;
export const BREVITY_CHARS = 24;

/** Typo corrections: trigram similarity to a vocabulary lexeme at least this, at most this many. */
export const CORRECTION_MIN_SIMILARITY = 0.35;
export const MAX_CORRECTIONS = 3;

/** The quality multiplier in TypeScript, for tests and for documentation. */
export function qualityMultiplier(voteScore: number, detectionScore: number | null, simulationScore: number | null): number {
  const votes = Math.sign(voteScore) * Math.min(VOTE_CAP, VOTE_WEIGHT * Math.log1p(Math.abs(voteScore)));
  const scores = DETECTION_WEIGHT * ((detectionScore ?? 0.5) - 0.5) + SIMULATION_WEIGHT * (simulationScore ?? 0);
  return 1 + votes + scores;
}
