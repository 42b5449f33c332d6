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

/**
 * Labels fully scored per query (text relevance × quality). Label search reads a word's labels from
 * SearchPosting in order of their prior (labelPrior: review status, votes, auto-interp scores and
 * brevity, what needs no query), so these are the best-prior labels that match; a query that
 * matches fewer is ranked exactly, one that matches more returns at most this many features.
 */
export const SHORTLIST_LIMIT = 300;
export const BREVITY_CHARS = 24;

/**
 * Postings of the rarest word a query with several words reads, in prior order, looking for labels
 * that also have the other words (SHORTLIST_LIMIT of them).
 */
export const WALK_LIMIT = 2000;

/**
 * A walk that found at least this many labels with every word is kept (they are the best-prior
 * matches there are, only fewer than SHORTLIST_LIMIT); below it the GIN index takes over. The GIN
 * index is also used at once when fewer are expected (as if the words were independent).
 */
export const MIN_WALK_SHORTLIST = SHORTLIST_LIMIT / 2;

/**
 * Words expected (as if independent) to share fewer labels than this are intersected in the GIN
 * index, whose cost follows the number of matches, instead of walking the rarest word's postings.
 */
export const INDEX_MAX_EXPECTED = 600;

/** Candidate labels the GIN fallback collects (unordered) before ranking by prior. */
export const CANDIDATE_LIMIT = 2000;

/** Prefix matching reads at most this many vocabulary lexemes that start with the word (shortest first). */
export const MAX_PREFIX_LEXEMES = 64;

/** Typo corrections: trigram similarity to a vocabulary lexeme at least this, at most this many. */
export const CORRECTION_MIN_SIMILARITY = 0.35;
export const MAX_CORRECTIONS = 3;

/** The quality multiplier in TypeScript, for tests and for documentation. */
export function qualityMultiplier(voteScore: number, detectionScore: number | null, simulationScore: number | null): number {
  const votes = Math.sign(voteScore) * Math.min(VOTE_CAP, VOTE_WEIGHT * Math.log1p(Math.abs(voteScore)));
  const scores = DETECTION_WEIGHT * ((detectionScore ?? 0.5) - 0.5) + SIMULATION_WEIGHT * (simulationScore ?? 0);
  return 1 + votes + scores;
}

/** What a label's prior depends on (all columns of Label). */
export interface PriorInputs {
  status: keyof typeof STATUS_FACTOR;
  voteScore: number;
  detectionScore: number | null;
  simulationScore: number | null;
  /** length(text) in PostgreSQL: characters (code points). */
  textLength: number;
}

/**
 * A label's search prior: review status × quality multiplier × brevity (short labels say one thing).
 * SearchPosting orders each word's labels by it; lib/db/search-postings.ts generates the SQL
 * function that computes it from these same constants. Rounded to float32 (the column is real).
 */
export function labelPrior(label: PriorInputs): number {
  const brevity = 0.75 + 0.25 * Math.min(1, BREVITY_CHARS / Math.max(label.textLength, 1));
  return Math.fround(STATUS_FACTOR[label.status] * qualityMultiplier(label.voteScore, label.detectionScore, label.simulationScore) * brevity);
}

/** A label's quality: review status × quality multiplier (what its score multiplies text relevance by). */
export function labelQuality(label: Omit<PriorInputs, "textLength">): number {
  return Math.fround(STATUS_FACTOR[label.status] * qualityMultiplier(label.voteScore, label.detectionScore, label.simulationScore));
}
