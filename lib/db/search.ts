/**
 * The SQL of search: label search (full-text on the Label GIN index, typo correction through the
 * trigram-indexed SearchLexeme vocabulary, ranking with votes and auto-interp scores), activation-
 * text search (the GIN index on ActivationExample.tokenIds), and the vocabulary upkeep they need.
 * docs/SEARCH.md explains the design; lib/search holds the parts that need no database.
 */
import { Prisma } from "../generated/prisma/client";
import { db } from "./client";
import { afterCursor, andAll, featureConditions, labelHit, searchFeature, type LabelHitRow } from "./search-sql";
import { tokenTexts, unknownToken } from "./features";
import type { ActivationSearchPage, ActivationSearchQuery, LabelSearchPage, LabelSearchQuery } from "../search/contracts";
import { decodeSearchCursor, encodeSearchCursor } from "../search/cursor";
import { highlightRanges } from "../search/highlight";
import { candidateTsquery, queryWords, termVariants, type SearchTerm } from "../search/query";
import {
  BREVITY_CHARS, CANDIDATE_LIMIT, SHORTLIST_LIMIT, CURRENT_LABEL_BONUS, DETECTION_WEIGHT, MATCH_WEIGHT,
  SIMULATION_WEIGHT, SPECIFICITY_WEIGHT, STATUS_FACTOR, VOTE_CAP, VOTE_WEIGHT,
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

async function readNewLexemes(table: "Label" | "LabelRevision", after: number): Promise<number> {
  const name = Prisma.raw(`"${table}"`);
  const rows = await db().$queryRaw<{ settled: number | null }[]>`
    WITH fresh AS (
      SELECT t."id", t."text", t."createdAt" FROM ${name} t WHERE t."id" > ${after}
    ), inserted AS (
      INSERT INTO "SearchLexeme" ("lexeme")
      SELECT DISTINCT lexeme FROM fresh, unnest(tsvector_to_array(to_tsvector('english', fresh."text"))) AS lexeme
      ORDER BY lexeme
      ON CONFLICT DO NOTHING
    )
    SELECT max(fresh."id") FILTER (WHERE fresh."createdAt" < now() - make_interval(secs => ${LEXICON_SETTLE_SECONDS})) AS settled
    FROM fresh`;
  return rows[0]?.settled ?? after;
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
        SET "lastLabelId" = GREATEST("lastLabelId", ${labels}), "lastRevisionId" = GREATEST("lastRevisionId", ${revisions}),
            "syncedAt" = now()
        WHERE "id" = 1`;
      lastLexiconSync = Date.now();
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

/**
 * Each query word's lexeme, whether the vocabulary knows it, and, if not, its likely corrections:
 * the stem's trigram neighbours (`%`, the GIN index), chosen by lib/search/typos.ts.
 */
export async function analyseQuery(words: string[]): Promise<SearchTerm[]> {
  if (words.length === 0) return [];
  const rows = await db().$queryRaw<{ word: string; lexeme: string | null; corrections: { lexeme: string; similarity: number }[] | null }[]>`
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
      ) END AS corrections
    FROM unnest(${words}::text[]) WITH ORDINALITY AS w(word, ord)
    LEFT JOIN LATERAL (
      SELECT x AS lexeme FROM unnest(tsvector_to_array(to_tsvector('english', w.word))) AS x LIMIT 1
    ) lx ON true
    ORDER BY w.ord`;
  return rows.map((row) => ({
    word: row.word,
    lexeme: row.lexeme,
    corrections: row.lexeme === null ? [] : chooseCorrections(row.lexeme, (row.corrections ?? []).map((c) => ({ lexeme: c.lexeme, similarity: Number(c.similarity.toFixed(4)) }))),
  }));
}

// ---------------------------------------------------------------------------------------------
// Label search
// ---------------------------------------------------------------------------------------------

/** Text relevance of candidate `c` (0–1): mean best match per term, nudged toward specific labels. */
function textScoreSql(terms: SearchTerm[]): Prisma.Sql {
  const perTerm = terms
    .map(termVariants)
    .filter((variants) => variants.length > 0)
    .map((variants) => {
      const cases = variants.map((variant) => {
        const weight = variant.kind === "correction" ? MATCH_WEIGHT.correction * variant.similarity : MATCH_WEIGHT[variant.kind];
        return Prisma.sql`CASE WHEN c.tsv @@ ${variant.tsquery}::tsquery THEN ${weight}::float8 ELSE 0 END`;
      });
      return cases.length === 1 ? cases[0] : Prisma.sql`GREATEST(${Prisma.join(cases, ", ")})`;
    });
  const n = perTerm.length;
  return Prisma.sql`((${Prisma.join(perTerm, " + ")}) / ${n}::float8)
    * (${1 - SPECIFICITY_WEIGHT}::float8 + ${SPECIFICITY_WEIGHT}::float8 * LEAST(1, ${n}::float8 / GREATEST(length(c.tsv), 1)))`;
}

/** Review status, votes and auto-interp scores of candidate `c` (and the current-label bonus when known). */
function qualitySql(withCurrent: boolean): Prisma.Sql {
  return Prisma.sql`
  (CASE c."status" WHEN 'accepted' THEN ${STATUS_FACTOR.accepted}::float8 WHEN 'draft' THEN ${STATUS_FACTOR.draft}::float8
                   ELSE ${STATUS_FACTOR.rejected}::float8 END)
  ${withCurrent ? Prisma.sql`* (CASE WHEN c."isCurrent" THEN ${CURRENT_LABEL_BONUS}::float8 ELSE 1 END)` : Prisma.empty}
  * (1 + sign(c."voteScore"::float8) * LEAST(${VOTE_CAP}::float8, ${VOTE_WEIGHT}::float8 * ln(1 + abs(c."voteScore"::float8)))
       + ${DETECTION_WEIGHT}::float8 * (COALESCE(c."detectionScore", 0.5)::float8 - 0.5)
       + ${SIMULATION_WEIGHT}::float8 * COALESCE(c."simulationScore", 0)::float8)`;
}

interface LabelRow extends LabelHitRow {
  candidateCount: number;
}

async function rankLabels(tsquery: string, terms: SearchTerm[], query: LabelSearchQuery): Promise<LabelRow[]> {
  const cursor = decodeSearchCursor(query.after);
  const conditions = featureConditions(query, Prisma.sql`l."source"`);
  // Feature is joined before the limit only when a filter needs it
  const filtered = conditions.length > 0;
  return db().$queryRaw<LabelRow[]>`
    WITH candidates AS MATERIALIZED (
      SELECT l."id" AS "labelId", l."featureId", l."text", l."searchVector" AS tsv, l."source"::text AS "source", l."status"::text AS "status",
             l."voteScore", l."detectionScore", l."simulationScore"
      FROM "Label" l
      ${filtered ? Prisma.sql`JOIN "Feature" f ON f."id" = l."featureId"` : Prisma.empty}
      WHERE l."searchVector" @@ ${tsquery}::tsquery ${andAll(conditions)}
      LIMIT ${CANDIDATE_LIMIT + 1}
    ), shortlist AS MATERIALIZED (
      SELECT c.* FROM candidates c
      ORDER BY ${qualitySql(false)} * (0.75 + 0.25 * LEAST(1, ${BREVITY_CHARS}::float8 / GREATEST(length(c."text"), 1))) DESC, c."labelId"
      LIMIT ${SHORTLIST_LIMIT}
    ), scored AS (
      SELECT c.*, (${textScoreSql(terms)}) * ${qualitySql(true)} AS score
      FROM (
        SELECT s.*, f."saeId", f."index", f."density", f."maxActivation", f."dead",
               (f."currentLabelId" = s."labelId") AS "isCurrent"
        FROM shortlist s JOIN "Feature" f ON f."id" = s."featureId"
      ) c
    ), best AS (
      SELECT DISTINCT ON ("featureId") * FROM scored ORDER BY "featureId", score DESC, "labelId"
    )
    SELECT b."labelId", b."featureId", b."text", b."source", b."status", b."voteScore", b."detectionScore",
           b."simulationScore", b."isCurrent", b."saeId", b."index", b."density", b."maxActivation", b."dead", b.score,
           s."name" AS "saeName", s."hookName", m."name" AS "modelName",
           (SELECT count(*) FROM candidates)::int AS "candidateCount"
    FROM best b
    JOIN "Sae" s ON s."id" = b."saeId"
    JOIN "Model" m ON m."id" = s."modelId"
    ${afterCursor(Prisma.sql`b.score`, Prisma.sql`b."featureId"`, cursor)}
    ORDER BY b.score DESC, b."featureId" DESC
    LIMIT ${query.limit + 1}`;
}

/**
 * Features whose labels match the query, best first, one result per feature (its best-matching
 * label), keyset-paginated by (score, feature id). Labels must contain every term (each through
 * its lexeme, as a prefix, or through a typo correction); when none does, any term will do and
 * the page says it was relaxed.
 */
export async function searchLabels(query: LabelSearchQuery): Promise<LabelSearchPage> {
  const empty: LabelSearchPage = { terms: [], relaxed: false, candidates: 0, truncated: false, results: [], nextCursor: null };
  const words = queryWords(query.q);
  if (words.length === 0) return empty;
  await syncSearchLexicon();
  const terms = await analyseQuery(words);
  const strict = candidateTsquery(terms, true);
  if (strict === null) return { ...empty, terms };

  let relaxed = false;
  let rows = await rankLabels(strict, terms, query);
  const searchedTerms = terms.filter((t) => t.lexeme !== null).length;
  if (rows.length === 0 && !query.after && searchedTerms > 1) {
    rows = await rankLabels(candidateTsquery(terms, false) as string, terms, query);
    relaxed = true;
  } else if (query.after && searchedTerms > 1) {
    // a later page of a relaxed search: the cursor came from the relaxed ranking
    const probe = await rankLabels(strict, terms, { ...query, after: undefined, limit: 1 });
    if (probe.length === 0) {
      rows = await rankLabels(candidateTsquery(terms, false) as string, terms, query);
      relaxed = true;
    }
  }

  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const candidates = page[0]?.candidateCount ?? 0;
  return {
    terms,
    relaxed,
    candidates: Math.min(candidates, CANDIDATE_LIMIT),
    truncated: candidates > CANDIDATE_LIMIT,
    results: page.map((row) => labelHit(row, highlightRanges(row.text, terms))),
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
