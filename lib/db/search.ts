/**
 * The SQL of search: label search (the quality-ordered SearchPosting index kept by
 * lib/db/search-postings.ts, the GIN index on Label.searchVector for words that rarely meet, typo
 * correction through the trigram-indexed SearchLexeme vocabulary, ranking with votes and auto-interp
 * scores), activation-text search (the GIN index on ActivationExample.tokenIds), and the vocabulary
 * upkeep they need.
 * docs/SEARCH.md explains the design; lib/search holds the parts that need no database.
 */
import { Prisma } from "../generated/prisma/client";
import { db } from "./client";
import { queryPrepared } from "./prepared";
import { ensureSearchRoutines } from "./search-postings";
import { afterCursor, andAll, featureConditions, labelHit, postingConditions, searchFeature, type LabelHitRow } from "./search-sql";
import { tokenTexts, unknownToken } from "./features";
import type { ActivationSearchPage, ActivationSearchQuery, LabelSearchPage, LabelSearchQuery } from "../search/contracts";
import { decodeSearchCursor, encodeSearchCursor } from "../search/cursor";
import { highlighter } from "../search/highlight";
import { everyWordTsquery, MIN_PREFIX_LENGTH, queryWords, wordLexemes, type SearchTerm } from "../search/query";
import {
  CANDIDATE_LIMIT, CURRENT_LABEL_BONUS, INDEX_MAX_EXPECTED, MAX_PREFIX_LEXEMES, MIN_WALK_SHORTLIST, SHORTLIST_LIMIT,
  SPECIFICITY_WEIGHT, WALK_LIMIT,
} from "../search/ranking";
import { chooseCorrections, CORRECTION_CANDIDATES } from "../search/typos";
import { buildVocabularyIndex, MAX_TOKEN_PIECES, tokenPieces, type VocabularyIndex } from "../search/tokens";
import { ApiError, badRequest, notFound } from "../api/errors";

// ---------------------------------------------------------------------------------------------
// The label vocabulary (SearchLexeme)
// ---------------------------------------------------------------------------------------------

/** A search reads new labels into the vocabulary at most this often (per process). */
const LEXICON_SYNC_INTERVAL_MS = 10_000;
/**
 * Rows younger than this are read again on the next sync instead of advancing the watermark past
 * them: a label inserted by a transaction that commits later gets a smaller id than rows already
 * visible, and would otherwise be skipped.
 */
const LEXICON_SETTLE_SECONDS = 60;

let lastLexiconSync = 0;
let lexiconSync: Promise<void> | null = null;

async function readNewLexemes(table: "Label" | "LabelRevision", after: number): Promise<{ settled: number; added: number }> {
  const name = Prisma.raw(`"${table}"`);
  const rows = await db().$queryRaw<{ settled: number | null; added: number }[]>`
    WITH fresh AS (
      SELECT t."id", t."text", t."createdAt" FROM ${name} t WHERE t."id" > ${after}
    ), inserted AS (
      INSERT INTO "SearchLexeme" ("lexeme")
      SELECT DISTINCT lexeme FROM fresh, unnest(tsvector_to_array(to_tsvector('english', fresh."text"))) AS lexeme
      ORDER BY lexeme
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    SELECT max(fresh."id") FILTER (WHERE fresh."createdAt" < now() - make_interval(secs => ${LEXICON_SETTLE_SECONDS})) AS settled,
           (SELECT count(*) FROM inserted)::int AS added
    FROM fresh`;
  return { settled: rows[0]?.settled ?? after, added: rows[0]?.added ?? 0 };
}

/**
 * Adds the lexemes of labels and label revisions written since the last sync to SearchLexeme.
 * Throttled per process unless `force`; concurrent callers share one sync.
 */
export async function syncSearchLexicon(force = false): Promise<void> {
  if (!force && Date.now() - lastLexiconSync < LEXICON_SYNC_INTERVAL_MS) return;
  if (lexiconSync) return lexiconSync;
  lexiconSync = (async () => {
    try {
      await db().$executeRaw`INSERT INTO "SearchLexiconState" ("id") VALUES (1) ON CONFLICT DO NOTHING`;
      const [state] = await db().$queryRaw<{ lastLabelId: number; lastRevisionId: number }[]>`
        SELECT "lastLabelId", "lastRevisionId" FROM "SearchLexiconState" WHERE "id" = 1`;
      const labels = await readNewLexemes("Label", state.lastLabelId);
      const revisions = await readNewLexemes("LabelRevision", state.lastRevisionId);
      await db().$executeRaw`
        UPDATE "SearchLexiconState"
        SET "lastLabelId" = GREATEST("lastLabelId", ${labels.settled}), "lastRevisionId" = GREATEST("lastRevisionId", ${revisions.settled}),
            "syncedAt" = now()
        WHERE "id" = 1`;
      lastLexiconSync = Date.now();
      // corrections and prefixes change with the vocabulary
      if (labels.added + revisions.added > 0) analysedWords.clear();
    } finally {
      lexiconSync = null;
    }
  })();
  return lexiconSync;
}

/** Rebuilds SearchLexeme from every label and revision (after a bulk load, or to drop stale lexemes). */
export async function rebuildSearchLexicon(): Promise<number> {
  await db().$transaction([
    db().$executeRaw`TRUNCATE "SearchLexeme"`,
    db().$executeRaw`INSERT INTO "SearchLexiconState" ("id") VALUES (1) ON CONFLICT ("id") DO UPDATE SET "lastLabelId" = 0, "lastRevisionId" = 0`,
  ]);
  lastLexiconSync = 0;
  await syncSearchLexicon(true);
  const [{ count }] = await db().$queryRaw<{ count: number }[]>`SELECT count(*)::int AS count FROM "SearchLexeme"`;
  return count;
}

/** What the database says about a typed word: its term, and the lexemes it would complete to. */
interface AnalysedWord {
  term: SearchTerm;
  /** The vocabulary's lexemes its lexeme is a prefix of (shortest first), if it is the word being typed. */
  completions: string[];
}

/** A word of one query: the lexemes whose postings it reads, with their weights (best first). */
interface QueryWord {
  term: SearchTerm;
  lexemes: string[];
  weights: number[];
  /** Postings of those lexemes, counted up to POSTINGS_COUNT_CAP each (then estimated); null until needed. */
  postings: number | null;
}

/** Postings counted exactly up to this; a lexeme with more is estimated from the table's statistics. */
const POSTINGS_COUNT_CAP = 5000;
const MAX_CACHED_WORDS = 5000;
/** How long an analysed word, a lexeme's posting count and the posting statistics are reused. */
const ANALYSIS_TTL_MS = 60_000;
/** Words analysed in the last minute, while the vocabulary stayed the same (a sync that adds lexemes drops them). */
const analysedWords = new Map<string, AnalysedWord>();
const postingCounts = new Map<string, number>();
let analysedSince = 0;

/**
 * Each query word's lexeme, whether the vocabulary knows it, and, if not, its likely corrections:
 * the stem's trigram neighbours (`%`, the GIN index), chosen by lib/search/typos.ts; with the
 * vocabulary's lexemes the stem is a prefix of (shortest first). One query for the words not seen
 * since the vocabulary last synced.
 */
async function analyseWords(words: string[]): Promise<AnalysedWord[]> {
  if (Date.now() - analysedSince > ANALYSIS_TTL_MS) {
    analysedWords.clear();
    postingCounts.clear();
    analysedSince = Date.now();
  }
  const missing = words.filter((word) => !analysedWords.has(word));
  if (missing.length > 0) {
    const rows = await db().$queryRaw<{
      word: string; lexeme: string | null;
      corrections: { lexeme: string; similarity: number }[] | null; prefixes: string[] | null;
    }[]>`
      SELECT w.word, lx.lexeme,
        CASE WHEN lx.lexeme IS NULL OR EXISTS (SELECT 1 FROM "SearchLexeme" k WHERE k."lexeme" = lx.lexeme) THEN NULL
        ELSE (
          SELECT json_agg(json_build_object('lexeme', c."lexeme", 'similarity', c.sim) ORDER BY c.sim DESC, c."lexeme")
          FROM (
            SELECT s."lexeme", similarity(s."lexeme", lx.lexeme)::float8 AS sim
            FROM "SearchLexeme" s
            WHERE s."lexeme" % lx.lexeme
            ORDER BY sim DESC, s."lexeme"
            LIMIT ${CORRECTION_CANDIDATES}
          ) c
        ) END AS corrections,
        CASE WHEN length(lx.lexeme) >= ${MIN_PREFIX_LENGTH} THEN ARRAY(
          SELECT s."lexeme" FROM "SearchLexeme" s
          WHERE s."lexeme" LIKE replace(replace(replace(lx.lexeme, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'
            AND s."lexeme" <> lx.lexeme
          ORDER BY length(s."lexeme"), s."lexeme" LIMIT ${MAX_PREFIX_LEXEMES}
        ) END AS prefixes
      FROM unnest(${missing}::text[]) AS w(word)
      LEFT JOIN LATERAL (
        SELECT x AS lexeme FROM unnest(tsvector_to_array(to_tsvector('english', w.word))) AS x LIMIT 1
      ) lx ON true`;
    if (analysedWords.size + rows.length > MAX_CACHED_WORDS) analysedWords.clear();
    for (const row of rows) {
      const term: SearchTerm = {
        word: row.word,
        lexeme: row.lexeme,
        corrections: row.lexeme === null ? [] : chooseCorrections(row.lexeme, (row.corrections ?? []).map((c) => ({ lexeme: c.lexeme, similarity: Number(c.similarity.toFixed(4)) }))),
      };
      analysedWords.set(row.word, { term, completions: row.prefixes ?? [] });
    }
  }
  return words.map((word) => analysedWords.get(word) as AnalysedWord);
}

/**
 * The words of one query with the lexemes each reads: its own and its corrections, and for the
 * last word — the one being typed — the vocabulary's lexemes it is a prefix of (`landm` finds
 * "landmarks"; an earlier `log` does not drag in "logic" and "logo").
 */
function queryWordsOf(analysed: AnalysedWord[]): QueryWord[] {
  return analysed.map((word, i) => {
    const matches = wordLexemes(word.term, i === analysed.length - 1 ? word.completions : []);
    return { term: word.term, lexemes: matches.map((m) => m.lexeme), weights: matches.map((m) => m.weight), postings: null };
  });
}

/** How many labels there are, and the most common lexemes' share of postings (PostgreSQL's statistics). */
interface PostingStatistics {
  labels: number;
  postings: number;
  common: Map<string, number>;
}
let postingStatistics: { at: number; value: Promise<PostingStatistics> } | null = null;

function readPostingStatistics(): Promise<PostingStatistics> {
  if (postingStatistics && Date.now() - postingStatistics.at < ANALYSIS_TTL_MS) return postingStatistics.value;
  const value = db().$queryRaw<{ labels: number; postings: number; lexemes: string[] | null; freqs: number[] | null }[]>`
    SELECT (SELECT reltuples FROM pg_class WHERE oid = '"Label"'::regclass)::float8 AS labels,
           (SELECT reltuples FROM pg_class WHERE oid = '"SearchPosting"'::regclass)::float8 AS postings,
           s.most_common_vals::text::text[] AS lexemes, s.most_common_freqs::float8[] AS freqs
    FROM (SELECT 1) one
    LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = 'SearchPosting' AND s.attname = 'lexeme'`
    .then(([row]) => ({
      labels: Math.max(0, row?.labels ?? 0),
      postings: Math.max(0, row?.postings ?? 0),
      common: new Map((row?.lexemes ?? []).map((lexeme, i) => [lexeme, row?.freqs?.[i] ?? 0])),
    }));
  value.catch(() => { postingStatistics = null; });
  postingStatistics = { at: Date.now(), value };
  return value;
}

/**
 * Fills in how many postings each word's lexemes have, where not known yet: counted up to
 * POSTINGS_COUNT_CAP, and beyond that estimated from the statistics of SearchPosting.lexeme.
 */
async function countPostings(words: QueryWord[]): Promise<void> {
  const uncounted = [...new Set(words.flatMap((w) => w.lexemes))].filter((lexeme) => !postingCounts.has(lexeme));
  const statistics = await readPostingStatistics();
  if (uncounted.length > 0) {
    const rows = await db().$queryRaw<{ lexeme: string; postings: number }[]>`
      SELECT x.lexeme, c.n::int AS postings
      FROM unnest(${uncounted}::text[]) AS x(lexeme)
      CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM (SELECT 1 FROM "SearchPosting" p WHERE p."lexeme" = x.lexeme LIMIT ${POSTINGS_COUNT_CAP}) s
      ) c`;
    for (const row of rows) {
      const common = statistics.common.get(row.lexeme);
      postingCounts.set(row.lexeme, row.postings >= POSTINGS_COUNT_CAP && common !== undefined ? Math.max(row.postings, common * statistics.postings) : row.postings);
    }
  }
  for (const word of words) word.postings = word.lexemes.reduce((sum, lexeme) => sum + (postingCounts.get(lexeme) ?? 0), 0);
}

// ---------------------------------------------------------------------------------------------
// Label search
// ---------------------------------------------------------------------------------------------

/** The weight of the best of `word`'s lexemes among `lexemes` (a text[] of one label's lexemes); null if none. */
function bestLexemeWeightSql(word: QueryWord, lexemes: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT max(t.weight) FROM unnest(${word.lexemes}::text[], ${word.weights}::float8[]) AS t(lexeme, weight)
    WHERE t.lexeme = ANY (${lexemes}))`;
}

/**
 * A label's score as lib/search/ranking.ts defines it, from its parts: the sum of each word's match
 * weight, the label's number of lexemes (specific labels first), its quality, whether it is shown.
 */
function scoreSql(parts: { matchSum: Prisma.Sql; words: number; lexemeCount: Prisma.Sql; quality: Prisma.Sql; isCurrent: Prisma.Sql }): Prisma.Sql {
  const n = parts.words;
  return Prisma.sql`((${parts.matchSum}) / ${n}::float8)
    * (${1 - SPECIFICITY_WEIGHT}::float8 + ${SPECIFICITY_WEIGHT}::float8 * LEAST(1, ${n}::float8 / GREATEST(${parts.lexemeCount}, 1)))
    * ${parts.quality} * (CASE WHEN ${parts.isCurrent} THEN ${CURRENT_LABEL_BONUS}::float8 ELSE 1 END)`;
}

/** The columns of a shortlisted label (`l`) that scoring needs. */
const SHORTLIST_COLUMNS = Prisma.sql`l."id" AS "labelId", l."featureId", l."text", l."searchVector" AS tsv, l."source"::text AS "source",
  l."status"::text AS "status", l."voteScore", l."detectionScore", l."simulationScore"`;

/**
 * The shortlist (a CTE named `shortlist`, written by `shortlistSql`) scored in full, one result
 * per feature, keyset-paginated; with how many labels were shortlisted and read.
 */
function rankShortlistSql(shortlistSql: Prisma.Sql, words: QueryWord[], query: LabelSearchQuery, read: Prisma.Sql): Prisma.Sql {
  const cursor = decodeSearchCursor(query.after);
  return Prisma.sql`
    ${shortlistSql}, scored AS (
      SELECT c.*, ${scoreSql({
        matchSum: Prisma.join(words.map((word) => Prisma.sql`COALESCE(${bestLexemeWeightSql(word, Prisma.sql`tsvector_to_array(c.tsv)`)}, 0)`), " + "),
        words: words.length,
        lexemeCount: Prisma.sql`length(c.tsv)`,
        quality: Prisma.sql`featurescope_label_quality(c."status"::"LabelStatus", c."voteScore", c."detectionScore", c."simulationScore")`,
        isCurrent: Prisma.sql`c."isCurrent"`,
      })} AS score
      FROM (
        SELECT s.*, f."saeId", f."index", f."density", f."maxActivation", f."dead",
               (f."currentLabelId" = s."labelId") AS "isCurrent"
        FROM shortlist s JOIN "Feature" f ON f."id" = s."featureId"
      ) c
    ), best AS (
      SELECT DISTINCT ON ("featureId") * FROM scored ORDER BY "featureId", score DESC, "labelId"
    )
    SELECT r.*, st."shortlisted", st."read"
    FROM (SELECT (SELECT count(*) FROM shortlist)::int AS "shortlisted", (${read})::int AS "read") st
    LEFT JOIN LATERAL (
      SELECT b."labelId", b."featureId", b."text", b."source", b."status", b."voteScore", b."detectionScore",
             b."simulationScore", b."isCurrent", b."saeId", b."index", b."density", b."maxActivation", b."dead", b.score,
             s."name" AS "saeName", s."hookName", m."name" AS "modelName"
      FROM best b
      JOIN "Sae" s ON s."id" = b."saeId"
      JOIN "Model" m ON m."id" = s."modelId"
      ${afterCursor(Prisma.sql`b.score`, Prisma.sql`b."featureId"`, cursor)}
      ORDER BY b.score DESC, b."featureId" DESC
      LIMIT ${query.limit + 1}
    ) r ON true
    ORDER BY r.score DESC, r."featureId" DESC`;
}

/** Result rows, and one row of nulls but the counts when there are no results. */
type RankedRow = (LabelHitRow | { [K in keyof LabelHitRow]: null }) & { shortlisted: number; read: number };

/** The scored rows of a ranking query, and its counts: labels shortlisted, postings or candidates read. */
function rankedResult(rows: RankedRow[]): { hits: LabelHitRow[]; shortlisted: number; read: number } {
  return {
    hits: rows.filter((row): row is LabelHitRow & { shortlisted: number; read: number } => row.labelId !== null),
    shortlisted: rows[0]?.shortlisted ?? 0,
    read: rows[0]?.read ?? 0,
  };
}

interface Ranking {
  rows: LabelHitRow[];
  /** Labels that were scored. */
  ranked: number;
  /** Whether more labels may match than were scored. */
  truncated: boolean;
}

/** A word with more lexemes than this is looked up in the label's own lexemes rather than by key probes. */
const MAX_PROBED_LEXEMES = 4;

/**
 * How well a walked label `w` matches `word`: the weight of the best of the word's lexemes the
 * label has; null if none. Few lexemes: probes of SearchPosting's key (every posting of a label
 * has the label's prior), best lexeme first, stopping at the first the label has. Many (a word
 * being typed, with its completions): the label's lexemes, read from Label.
 */
function wordWeightSql(word: QueryWord): Prisma.Sql {
  if (word.lexemes.length <= MAX_PROBED_LEXEMES) {
    return Prisma.sql`(SELECT t.weight FROM unnest(${word.lexemes}::text[], ${word.weights}::float8[]) AS t(lexeme, weight)
      WHERE EXISTS (SELECT 1 FROM "SearchPosting" q WHERE q."lexeme" = t.lexeme AND q."prior" = w."prior" AND q."labelId" = w."labelId")
      LIMIT 1)`;
  }
  return bestLexemeWeightSql(word, Prisma.sql`(SELECT tsvector_to_array(lw."searchVector") FROM "Label" lw WHERE lw."id" = w."labelId")`);
}

/**
 * Ranks from the postings alone: reads the `walking` word's postings (or, relaxed, every word's)
 * in prior order, best first, within the filters; keeps the labels that have every other word
 * (strict) up to SHORTLIST_LIMIT, scores them from what their postings carry (text relevance ×
 * quality × current-label bonus, as lib/search/ranking.ts defines it), one result per feature,
 * and reads Label and Feature only for the page it returns. `walk` postings at most are read.
 */
async function rankByPostings(words: QueryWord[], walking: QueryWord | null, walk: number, query: LabelSearchQuery): Promise<RankedRow[]> {
  const cursor = decodeSearchCursor(query.after);
  const walked = walking ? [walking] : words;
  const lexemes = walked.flatMap((w) => w.lexemes);
  const weights = walked.flatMap((w) => w.weights);
  const probed = walking ? words.filter((w) => w !== walking) : words;
  const matchSum = Prisma.join([
    ...(walking ? [Prisma.sql`m.w0`] : []),
    ...probed.map((_, i) => Prisma.raw(`COALESCE(m.w${i + 1}, 0)`)),
  ], " + ");
  return queryPrepared<RankedRow>(Prisma.sql`
    WITH walked AS MATERIALIZED (
      SELECT w.*, lx.weight FROM unnest(${lexemes}::text[], ${weights}::float8[]) AS lx(lexeme, weight)
      CROSS JOIN LATERAL (
        SELECT p."prior", p."labelId", p."featureId", p."quality", p."lexemeCount", p."isCurrent" FROM "SearchPosting" p
        WHERE p."lexeme" = lx.lexeme ${andAll(postingConditions(query))}
        ORDER BY p."prior" DESC, p."labelId" DESC
        LIMIT ${walk}
      ) w
      ORDER BY w."prior" DESC, w."labelId" DESC
      LIMIT ${walk}
    ), labels AS (
      ${lexemes.length === 1
        ? Prisma.sql`SELECT "prior", "labelId", "featureId", "quality", "lexemeCount", "isCurrent", weight AS w0 FROM walked`
        // a label reached through two of the lexemes counts once, with the better
        : Prisma.sql`SELECT "prior", "labelId", min("featureId") AS "featureId", min("quality") AS "quality", min("lexemeCount") AS "lexemeCount",
             bool_or("isCurrent") AS "isCurrent", max(weight) AS w0
          FROM walked GROUP BY "prior", "labelId"`}
    ), matched AS MATERIALIZED (
      SELECT m."labelId", m."featureId", m."isCurrent",
             ${scoreSql({ matchSum, words: words.length, lexemeCount: Prisma.sql`m."lexemeCount"`, quality: Prisma.sql`m."quality"`, isCurrent: Prisma.sql`m."isCurrent"` })} AS score
      FROM (
        SELECT w.* ${probed.length ? Prisma.sql`, ${Prisma.join(probed.map((word, i) => Prisma.sql`${wordWeightSql(word)} AS ${Prisma.raw(`w${i + 1}`)}`), ", ")}` : Prisma.empty}
        FROM labels w
        ORDER BY w."prior" DESC, w."labelId" DESC
        -- OFFSET 0 keeps the other words' checks out of this subquery, so they run on labels in
        -- prior order only until the shortlist is full
        OFFSET 0
      ) m
      ${walking && probed.length ? Prisma.sql`WHERE ${Prisma.join(probed.map((_, i) => Prisma.raw(`m.w${i + 1} IS NOT NULL`)), " AND ")}` : Prisma.empty}
      ORDER BY m."prior" DESC, m."labelId" DESC
      LIMIT ${SHORTLIST_LIMIT}
    ), best AS (
      SELECT DISTINCT ON ("featureId") * FROM matched ORDER BY "featureId", score DESC, "labelId"
    ), page AS (
      SELECT * FROM best b ${afterCursor(Prisma.sql`b.score`, Prisma.sql`b."featureId"`, cursor)}
      ORDER BY score DESC, "featureId" DESC LIMIT ${query.limit + 1}
    )
    SELECT r.*, st."shortlisted", st."read"
    FROM (
      SELECT sl.n AS "shortlisted",
             -- how far the walk went matters only when the shortlist is not full
             CASE WHEN sl.n >= ${SHORTLIST_LIMIT} THEN ${walk} ELSE (SELECT count(*) FROM walked)::int END AS "read"
      FROM (SELECT count(*)::int AS n FROM matched) sl
    ) st
    LEFT JOIN LATERAL (
      SELECT b."labelId", b."featureId", l."text", l."source"::text AS "source", l."status"::text AS "status", l."voteScore",
             l."detectionScore", l."simulationScore", b."isCurrent", f."saeId", f."index", f."density", f."maxActivation", f."dead",
             b.score, s."name" AS "saeName", s."hookName", mo."name" AS "modelName"
      FROM page b
      JOIN "Label" l ON l."id" = b."labelId"
      JOIN "Feature" f ON f."id" = b."featureId"
      JOIN "Sae" s ON s."id" = f."saeId"
      JOIN "Model" mo ON mo."id" = s."modelId"
    ) r ON true
    ORDER BY r.score DESC, r."featureId" DESC`);
}

/**
 * The fallback for words that rarely occur together: the GIN index intersects them, the first
 * CANDIDATE_LIMIT + 1 labels found are ordered by prior, and the best SHORTLIST_LIMIT ranked.
 */
async function rankByIndex(tsquery: string, words: QueryWord[], query: LabelSearchQuery): Promise<RankedRow[]> {
  const conditions = featureConditions(query, Prisma.sql`l."source"`);
  const shortlist = Prisma.sql`
    WITH candidates AS MATERIALIZED (
      SELECT ${SHORTLIST_COLUMNS},
             featurescope_label_prior(l."status", l."voteScore", l."detectionScore", l."simulationScore", length(l."text")) AS "prior"
      FROM "Label" l
      ${conditions.length > 0 ? Prisma.sql`JOIN "Feature" f ON f."id" = l."featureId"` : Prisma.empty}
      WHERE l."searchVector" @@ ${tsquery}::tsquery ${andAll(conditions)}
      LIMIT ${CANDIDATE_LIMIT + 1}
    ), shortlist AS MATERIALIZED (
      SELECT * FROM candidates c ORDER BY c."prior" DESC, c."labelId" DESC LIMIT ${SHORTLIST_LIMIT}
    )`;
  return queryPrepared<RankedRow>(rankShortlistSql(shortlist, words, query, Prisma.sql`SELECT count(*) FROM candidates`));
}

/**
 * One ranking of the query's words: every word (`all`) or any. The rarest word's postings are
 * read best-prior first; with several words, the labels among them that have the others too.
 */
async function rank(words: QueryWord[], all: boolean, query: LabelSearchQuery): Promise<Ranking> {
  const searched = words.filter((w) => w.lexemes.length > 0);
  if (!all || searched.length === 1) {
    const { hits, shortlisted, read } = rankedResult(await rankByPostings(searched, all ? searched[0] : null, SHORTLIST_LIMIT, query));
    return { rows: hits, ranked: shortlisted, truncated: read >= SHORTLIST_LIMIT };
  }
  const [, statistics] = await Promise.all([countPostings(searched), readPostingStatistics()]);
  const rarest = searched.reduce((a, b) => ((b.postings ?? Infinity) < (a.postings ?? Infinity) ? b : a));
  // labels expected to have every word, as if words were independent: few, and the GIN index
  // intersects the words (its cost follows the matches); many, and the rarest word's best postings
  // are walked (its cost follows how far the walk goes to find them)
  const share = searched.filter((w) => w !== rarest).reduce((p, w) => p * Math.min(1, (w.postings ?? 0) / Math.max(statistics.labels, 1)), 1);
  const expected = (rarest.postings ?? 0) * share;
  if (statistics.labels === 0 || expected >= INDEX_MAX_EXPECTED) {
    const walked = rankedResult(await rankByPostings(searched, rarest, WALK_LIMIT, query));
    // enough of the best-prior labels with every word (they are the best there are), or the rarest
    // word had no more postings
    if (walked.shortlisted >= MIN_WALK_SHORTLIST || walked.read < WALK_LIMIT) {
      return { rows: walked.hits, ranked: walked.shortlisted, truncated: walked.read >= WALK_LIMIT || walked.shortlisted >= SHORTLIST_LIMIT };
    }
  }
  const indexed = rankedResult(await rankByIndex(everyWordTsquery(searched.map((w) => w.lexemes)) as string, searched, query));
  return { rows: indexed.hits, ranked: indexed.shortlisted, truncated: indexed.read > CANDIDATE_LIMIT };
}

/**
 * Features whose labels match the query, best first, one result per feature (its best-matching
 * label), keyset-paginated by (score, feature id). Labels must contain every term (each through
 * its lexeme, as a prefix, or through a typo correction); when none does, any term will do and
 * the page says it was relaxed.
 */
export async function searchLabels(query: LabelSearchQuery): Promise<LabelSearchPage> {
  const empty: LabelSearchPage = { terms: [], relaxed: false, candidates: 0, truncated: false, results: [], nextCursor: null };
  const queryWordList = queryWords(query.q);
  if (queryWordList.length === 0) return empty;
  await Promise.all([ensureSearchRoutines(), syncSearchLexicon()]);
  const words = queryWordsOf(await analyseWords(queryWordList));
  const terms = words.map((w) => w.term);
  if (words.every((w) => w.lexemes.length === 0)) return { ...empty, terms };

  const searchedWords = words.filter((w) => w.lexemes.length > 0).length;
  let relaxed = false;
  let ranking = await rank(words, true, query);
  if (ranking.rows.length === 0 && !query.after && searchedWords > 1) {
    ranking = await rank(words, false, query);
    relaxed = true;
  } else if (query.after && searchedWords > 1) {
    // a later page of a relaxed search: the cursor came from the relaxed ranking
    const probe = await rank(words, true, { ...query, after: undefined, limit: 1 });
    if (probe.rows.length === 0) {
      ranking = await rank(words, false, query);
      relaxed = true;
    }
  }

  const { rows } = ranking;
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const highlight = highlighter(terms);
  return {
    terms,
    relaxed,
    candidates: ranking.ranked,
    truncated: ranking.truncated,
    results: page.map((row) => labelHit(row, highlight(row.text))),
    nextCursor: hasMore && last ? encodeSearchCursor(last.score, last.featureId) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Activation-text search
// ---------------------------------------------------------------------------------------------

/** Examples examined per query; beyond this a very common token's ranking covers the first found. */
export const EXAMPLE_CANDIDATE_LIMIT = 20_000;
/** A feature whose top examples contain the match this many times gets the full coverage share. */
const COVERAGE_EXAMPLES = 10;

const VOCABULARY_TTL_MS = 10 * 60_000;
const vocabularies = new Map<number, { loadedAt: number; index: Promise<VocabularyIndex> }>();

/** A model's vocabulary, loaded once per process (and again after ten minutes). */
export function modelVocabulary(modelId: number): Promise<VocabularyIndex> {
  const cached = vocabularies.get(modelId);
  if (cached && Date.now() - cached.loadedAt < VOCABULARY_TTL_MS) return cached.index;
  const index = db()
    .token.findMany({ where: { modelId }, select: { tokenId: true, text: true } })
    .then(buildVocabularyIndex);
  index.catch(() => vocabularies.delete(modelId));
  vocabularies.set(modelId, { loadedAt: Date.now(), index });
  return index;
}

/** The model a search runs on: the SAE's, the named one, or the only one there is. */
async function resolveModel(filters: { model?: string; sae?: number }): Promise<{ id: number; name: string }> {
  if (filters.sae !== undefined) {
    const sae = await db().sae.findUnique({ where: { id: filters.sae }, select: { model: { select: { id: true, name: true } } } });
    if (!sae) throw notFound(`There is no SAE with id ${filters.sae}.`);
    if (filters.model !== undefined && sae.model.name !== filters.model) {
      throw badRequest(`SAE ${filters.sae} belongs to model ${sae.model.name}, not ${filters.model}.`);
    }
    return sae.model;
  }
  if (filters.model !== undefined) {
    const model = await db().model.findUnique({ where: { name: filters.model }, select: { id: true, name: true } });
    if (!model) throw notFound(`There is no model named ${filters.model}.`);
    return model;
  }
  const models = await db().model.findMany({ select: { id: true, name: true }, take: 2, orderBy: { id: "asc" } });
  if (models.length === 1) return models[0];
  if (models.length === 0) throw notFound("There are no models yet.");
  throw badRequest("Token ids belong to one model: choose a model (or an SAE) for activation-text search.");
}

interface ActivationRow {
  featureId: number;
  exampleId: number;
  pos: number;
  act: number;
  examples: number;
  score: number;
  tokenIds: number[];
  values: number[];
  maxValue: number;
  maxPosition: number;
  index: number;
  saeId: number;
  density: number;
  maxActivation: number;
  dead: boolean;
  saeName: string;
  hookName: string;
  labelText: string | null;
  candidateCount: number;
}

/**
 * Features whose top examples contain the query as consecutive tokens, ranked by how strongly the
 * feature fires there (relative to its max) and how many of its top examples contain it. The GIN
 * index on tokenIds finds the examples; positions are checked only in those.
 */
export async function searchActivations(query: ActivationSearchQuery): Promise<ActivationSearchPage> {
  const model = await resolveModel(query);
  const vocabulary = await modelVocabulary(model.id);
  const pieces = tokenPieces(query.q, vocabulary);
  const emptyPage = { modelName: model.name, pieces: pieces ?? [], results: [], truncated: false, nextCursor: null };
  if (pieces === null || pieces.length === 0) return emptyPage;
  if (pieces.length > MAX_TOKEN_PIECES) {
    throw new ApiError("bad_request", `That is ${pieces.length} tokens; activation-text search matches up to ${MAX_TOKEN_PIECES}.`);
  }
  const cursor = decodeSearchCursor(query.after);
  const conditions = featureConditions(query, Prisma.sql`cl."source"`);
  const overlap = pieces.map((piece) => Prisma.sql`e."tokenIds" && ${piece.tokenIds}::int[]`);
  const atPosition = pieces.map((piece, offset) => Prisma.sql`c."tokenIds"[p + ${offset}] = ANY(${piece.tokenIds}::int[])`);
  const activation = pieces.length === 1
    ? Prisma.sql`c."values"[p]`
    : Prisma.sql`GREATEST(${Prisma.join(pieces.map((_, offset) => Prisma.sql`c."values"[p + ${offset}]`), ", ")})`;
  const needsLabel = query.labels === "human" || query.labels === "model";

  const rows = await db().$queryRaw<ActivationRow[]>`
    WITH candidates AS MATERIALIZED (
      SELECT e."id", e."featureId", e."tokenIds", e."values", e."maxValue", e."maxPosition", f."maxActivation"
      FROM "ActivationExample" e
      JOIN "Feature" f ON f."id" = e."featureId"
      JOIN "Sae" s ON s."id" = f."saeId"
      ${needsLabel ? Prisma.sql`LEFT JOIN "Label" cl ON cl."id" = f."currentLabelId"` : Prisma.empty}
      WHERE ${Prisma.join(overlap, " AND ")} AND e."kind" = 'top' AND s."modelId" = ${model.id} ${andAll(conditions)}
      LIMIT ${EXAMPLE_CANDIDATE_LIMIT + 1}
    ), hits AS (
      SELECT c."id", c."featureId", p, (${activation})::float8 AS act, c."maxActivation"
      FROM candidates c, generate_subscripts(c."tokenIds", 1) AS p
      WHERE ${Prisma.join(atPosition, " AND ")}
    ), per_feature AS (
      SELECT "featureId", count(DISTINCT "id")::int AS examples FROM hits GROUP BY "featureId"
    ), best AS (
      SELECT DISTINCT ON (h."featureId") h."featureId", h."id" AS "exampleId", h.p AS pos, h.act,
             pf.examples,
             (0.7 * LEAST(1, h.act / NULLIF(h."maxActivation"::float8, 0)) + 0.3 * LEAST(1, pf.examples / ${COVERAGE_EXAMPLES}::float8))::float8 AS score
      FROM hits h JOIN per_feature pf USING ("featureId")
      ORDER BY h."featureId", h.act DESC, h."id", h.p
    )
    SELECT b."featureId", b."exampleId", b.pos, b.act, b.examples, COALESCE(b.score, 0) AS score,
           e."tokenIds", e."values", e."maxValue", e."maxPosition",
           f."index", f."saeId", f."density", f."maxActivation", f."dead", s."name" AS "saeName", s."hookName",
           l."text" AS "labelText", (SELECT count(*) FROM candidates)::int AS "candidateCount"
    FROM best b
    JOIN "ActivationExample" e ON e."id" = b."exampleId"
    JOIN "Feature" f ON f."id" = b."featureId"
    JOIN "Sae" s ON s."id" = f."saeId"
    LEFT JOIN "Label" l ON l."id" = f."currentLabelId"
    ${afterCursor(Prisma.sql`COALESCE(b.score, 0)`, Prisma.sql`b."featureId"`, cursor)}
    ORDER BY COALESCE(b.score, 0) DESC, b."featureId" DESC
    LIMIT ${query.limit + 1}`;

  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const texts = await tokenTexts(model.id, page.flatMap((row) => row.tokenIds));
  const last = page[page.length - 1];
  return {
    modelName: model.name,
    pieces,
    truncated: (page[0]?.candidateCount ?? 0) > EXAMPLE_CANDIDATE_LIMIT,
    results: page.map((row) => ({
      feature: searchFeature({ ...row, modelName: model.name }),
      labelText: row.labelText,
      score: row.score,
      matchActivation: row.act ?? 0,
      matchingExamples: row.examples,
      example: {
        id: row.exampleId,
        tokenIds: row.tokenIds,
        tokens: row.tokenIds.map((id) => texts.get(id) ?? unknownToken(id)),
        values: row.values,
        maxValue: row.maxValue,
        maxPosition: row.maxPosition,
        // PostgreSQL arrays count from 1
        matchStart: row.pos - 1,
        matchLength: pieces.length,
      },
    })),
    nextCursor: hasMore && last ? encodeSearchCursor(last.score, last.featureId) : null,
  };
}
