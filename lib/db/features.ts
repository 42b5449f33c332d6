/**
 * Read queries for one feature's dashboard: its statistics, labels, neighbours, prev/next, and its
 * activation examples one page at a time (never all of them at once).
 */
import { z } from "zod";
import { Prisma } from "../generated/prisma/client";
import { db } from "./client";
import { SAE_HEADER_COLUMNS, type SaeHeader } from "./saes";
import { vocabularyTexts } from "./vocabulary";

/** Examples shown before "more": enough to read a feature, little enough to load instantly. */
export const TOP_EXAMPLES_FIRST_PAGE = 10;
export const INTERVAL_EXAMPLES_FIRST_PAGE = 2;

/** The examples query: shared by the feature page's "more" buttons and GET .../examples. */
export const exampleQuerySchema = z.object({
  kind: z.enum(["top", "interval", "random"]).default("top"),
  interval: z.coerce.number().int().min(0).max(1000).optional(),
  /** Rank of the last example already shown. */
  after: z.coerce.number().int().min(-1).max(2_147_483_647).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
}).refine((query) => query.kind !== "interval" || query.interval !== undefined, {
  message: "interval is required when kind is interval",
  path: ["interval"],
});
export type ExampleQuery = z.infer<typeof exampleQuerySchema>;

/** One context with its tokens as display text and per-token activations. */
export interface ActivationExampleView {
  id: number;
  kind: "top" | "interval" | "random";
  rank: number;
  intervalIndex: number | null;
  tokenIds: number[];
  tokens: string[];
  values: number[];
  maxValue: number;
  maxPosition: number;
}

export interface IntervalGroup {
  intervalIndex: number;
  min: number;
  max: number;
  /** Share of the feature's active tokens whose activation lies in this interval. */
  share: number | null;
  examples: ActivationExampleView[];
  /** Rank of the last example shown, for fetching more; null when the group has no more. */
  nextAfter: number | null;
  total: number;
}

export interface LabelView {
  id: number;
  text: string;
  source: "human" | "model";
  status: "draft" | "accepted" | "rejected";
  version: number;
  authorName: string | null;
  provenance: unknown;
  detectionScore: number | null;
  simulationScore: number | null;
  voteScore: number;
  isCurrent: boolean;
  updatedAt: string;
}

export interface TokenValue {
  tokenId: number;
  text: string;
  value: number;
}

export interface NeighbourView {
  index: number;
  cosine: number;
  labelText: string | null;
  density: number | null;
  dead: boolean;
}

export interface FeatureView {
  id: number;
  index: number;
  maxActivation: number;
  density: number;
  dead: boolean;
  ultraRare: boolean;
  histogram: { min: number; max: number; counts: number[] } | null;
  intervalShares: (number | null)[];
  logitTop: TokenValue[];
  logitBottom: TokenValue[];
  logitHistogram: { min: number; max: number; counts: number[] } | null;
  neighbours: NeighbourView[];
  labelStatus: "draft" | "accepted" | "rejected" | null;
  labelScore: number | null;
}

export interface FeaturePageData {
  sae: SaeHeader;
  feature: FeatureView;
  labels: LabelView[];
  topExamples: ActivationExampleView[];
  topNextAfter: number | null;
  topTotal: number;
  intervals: IntervalGroup[];
  prevIndex: number | null;
  nextIndex: number | null;
}

/** Display text for token ids of one model, from the per-process vocabulary cache. */
export async function tokenTexts(modelId: number, tokenIds: Iterable<number>): Promise<Map<number, string>> {
  const vocabulary = await vocabularyTexts(modelId);
  const texts = new Map<number, string>();
  for (const id of tokenIds) {
    const text = vocabulary.get(id);
    if (text !== undefined) texts.set(id, text);
  }
  return texts;
}

/** Text for a token id that the vocabulary table lacks: visible, and never mistaken for real text. */
export function unknownToken(tokenId: number): string {
  return `<unk ${tokenId}>`;
}

interface ExampleRow {
  id: number;
  kind: "top" | "interval" | "random";
  rank: number;
  intervalIndex: number | null;
  intervalMin: number | null;
  intervalMax: number | null;
  tokenIds: number[];
  values: number[];
  maxValue: number;
  maxPosition: number;
}

function toExampleView(row: ExampleRow, texts: Map<number, string>): ActivationExampleView {
  return {
    id: row.id,
    kind: row.kind,
    rank: row.rank,
    intervalIndex: row.intervalIndex,
    tokenIds: row.tokenIds,
    tokens: row.tokenIds.map((id) => texts.get(id) ?? unknownToken(id)),
    values: row.values,
    maxValue: row.maxValue,
    maxPosition: row.maxPosition,
  };
}

/**
 * Everything the feature page renders on first paint: the first page of top examples and of each
 * interval group (never every example), labels, neighbours, prev/next and the display text of every
 * token shown, assembled by PostgreSQL as JSON in one round trip (each part is an indexed lookup).
 */
export async function getFeaturePage(modelName: string, saeName: string, index: number): Promise<FeaturePageData | null> {
  // the SAE header comes in the same statement (one round trip per page)
  const rows = await db().$queryRawUnsafe<(DashboardRow & { sae: (Omit<SaeHeader, "dashboardTokens"> & { dashboardTokens: number | null }) | null })[]>(
    featureDashboardSql(`m."name" = $1 AND s."name" = $2`, 3), modelName, saeName, index, TOP_EXAMPLES_FIRST_PAGE, INTERVAL_EXAMPLES_FIRST_PAGE);
  const sae = rows[0]?.sae;
  if (!sae) return null;
  return dashboardFromRow(sae, rows[0], await vocabularyTexts(sae.model.id));
}

interface DashboardRow {
  feature: {
    id: number; index: number; maxActivation: number; density: number; dead: boolean; ultraRare: boolean;
    histogramMin: number | null; histogramMax: number | null; histogramCounts: number[]; intervalShares: number[];
    logitTopTokenIds: number[]; logitTopValues: number[]; logitBottomTokenIds: number[]; logitBottomValues: number[];
    logitHistogramMin: number | null; logitHistogramMax: number | null; logitHistogramCounts: number[];
    neighborIndices: number[]; neighborCosines: number[];
    labelStatus: FeatureView["labelStatus"]; labelScore: number | null; currentLabelId: number | null;
  };
  top: ExampleRow[] | null;
  intervals: ExampleRow[] | null;
  counts: { kind: string; intervalIndex: number | null; total: number; min: number | null; max: number | null }[] | null;
  labels: (Omit<LabelView, "isCurrent"> & { updatedAt: string })[] | null;
  neighbours: { index: number; density: number; dead: boolean; labelText: string | null }[] | null;
  prevIndex: number | null;
  nextIndex: number | null;
}

/**
 * The dashboard statement: $1 SAE id, $2 feature index, $3 top examples, $4 examples per interval.
 * PostgreSQL assembles every part as JSON; each part is an index lookup (prev/next are ORDER BY …
 * LIMIT 1 probes on the parameters, never max() over a join).
 */
function featureDashboardSql(saeWhere: string, first: number): string {
  const [i, top, per] = [first, first + 1, first + 2].map((n) => `$${n}`);
  return `
  WITH sae AS (
    SELECT ${SAE_HEADER_COLUMNS} FROM "Sae" s JOIN "Model" m ON m."id" = s."modelId" WHERE ${saeWhere} LIMIT 1
  ), f AS (
    SELECT * FROM "Feature" WHERE "saeId" = (SELECT "id" FROM sae) AND "index" = ${i}
  ), top AS (
    SELECT e."id", e."kind"::text AS "kind", e."rank", e."intervalIndex", e."intervalMin", e."intervalMax",
           e."tokenIds", e."values", e."maxValue", e."maxPosition"
    FROM "ActivationExample" e, f
    WHERE e."featureId" = f."id" AND e."kind" = 'top'
    ORDER BY e."rank" LIMIT ${top}
  ), intervals AS (
    SELECT "id", "kind", "rank", "intervalIndex", "intervalMin", "intervalMax", "tokenIds", "values", "maxValue", "maxPosition"
    FROM (
      SELECT e."id", e."kind"::text AS "kind", e."rank", e."intervalIndex", e."intervalMin", e."intervalMax",
             e."tokenIds", e."values", e."maxValue", e."maxPosition",
             row_number() OVER (PARTITION BY e."intervalIndex" ORDER BY e."rank") AS n
      FROM "ActivationExample" e, f
      WHERE e."featureId" = f."id" AND e."kind" = 'interval'
    ) ranked
    WHERE n <= ${per}
  )
  SELECT
    (SELECT row_to_json(f) FROM f) AS "feature",
    (SELECT json_agg(top ORDER BY "rank") FROM top) AS "top",
    (SELECT json_agg(intervals ORDER BY "intervalIndex" DESC, "rank") FROM intervals) AS "intervals",
    (SELECT json_agg(c) FROM (
       SELECT e."kind"::text AS "kind", e."intervalIndex", count(*)::int AS "total",
              min(e."intervalMin") AS "min", max(e."intervalMax") AS "max"
       FROM "ActivationExample" e, f WHERE e."featureId" = f."id" GROUP BY e."kind", e."intervalIndex") c) AS "counts",
    (SELECT json_agg(l ORDER BY l."voteScore" DESC, l."id") FROM (
       SELECT l."id", l."text", l."source"::text AS "source", l."status"::text AS "status", l."version",
              u."name" AS "authorName", l."provenance", l."detectionScore", l."simulationScore", l."voteScore",
              to_char(l."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"
       FROM "Label" l JOIN f ON l."featureId" = f."id" LEFT JOIN "User" u ON u."id" = l."authorId"
       ORDER BY l."voteScore" DESC, l."id" LIMIT 20) l) AS "labels",
    (SELECT json_agg(json_build_object('index', n."index", 'density', n."density", 'dead', n."dead", 'labelText', nl."text"))
       FROM f, "Feature" n LEFT JOIN "Label" nl ON nl."id" = n."currentLabelId"
       WHERE n."saeId" = f."saeId" AND n."index" = ANY (f."neighborIndices")) AS "neighbours",
    (SELECT p."index" FROM "Feature" p WHERE p."saeId" = (SELECT "id" FROM sae) AND p."index" < ${i} ORDER BY p."index" DESC LIMIT 1) AS "prevIndex",
    (SELECT q."index" FROM "Feature" q WHERE q."saeId" = (SELECT "id" FROM sae) AND q."index" > ${i} ORDER BY q."index" LIMIT 1) AS "nextIndex",
    (SELECT row_to_json(sae) FROM sae) AS "sae"`;
}

/** The same data for an SAE already looked up (the API addresses SAEs by id). */
export async function getFeatureDashboard(sae: SaeHeader, index: number): Promise<FeaturePageData | null> {
  // token texts come from the per-process vocabulary cache, fetched alongside the query
  const [rows, vocabulary] = await Promise.all([
    db().$queryRawUnsafe<DashboardRow[]>(featureDashboardSql(`s."id" = $1`, 2), sae.id, index, TOP_EXAMPLES_FIRST_PAGE, INTERVAL_EXAMPLES_FIRST_PAGE),
    vocabularyTexts(sae.model.id),
  ]);
  return dashboardFromRow(sae, rows[0], vocabulary);
}

function dashboardFromRow(sae: SaeHeader, row: DashboardRow | undefined, vocabulary: Map<number, string>): FeaturePageData | null {
  if (!row?.feature) return null;
  // Prisma's list columns are nullable arrays in SQL; the ORM maps NULL to [], so do we
  const raw = row.feature;
  const list = <T>(value: T[] | null | undefined): T[] => value ?? [];
  const feature = {
    ...raw,
    histogramCounts: list(raw.histogramCounts), intervalShares: list(raw.intervalShares),
    logitTopTokenIds: list(raw.logitTopTokenIds), logitTopValues: list(raw.logitTopValues),
    logitBottomTokenIds: list(raw.logitBottomTokenIds), logitBottomValues: list(raw.logitBottomValues),
    logitHistogramCounts: list(raw.logitHistogramCounts),
    neighborIndices: list(raw.neighborIndices), neighborCosines: list(raw.neighborCosines),
  };
  const texts = vocabulary;

  const counts = row.counts ?? [];
  const topTotal = counts.find((c) => c.kind === "top")?.total ?? 0;
  const groups = new Map<number, IntervalGroup>();
  for (const count of counts) {
    if (count.kind !== "interval" || count.intervalIndex === null) continue;
    groups.set(count.intervalIndex, {
      intervalIndex: count.intervalIndex,
      min: count.min ?? 0,
      max: count.max ?? 0,
      // an imported dashboard may not state every interval's share (stored as NaN)
      share: Number.isFinite(feature.intervalShares[count.intervalIndex]) ? feature.intervalShares[count.intervalIndex] : null,
      examples: [],
      nextAfter: null,
      total: count.total,
    });
  }
  for (const example of row.intervals ?? []) {
    groups.get(example.intervalIndex ?? -1)?.examples.push(toExampleView(example, texts));
  }
  for (const group of groups.values()) {
    const last = group.examples[group.examples.length - 1];
    group.nextAfter = last && group.total > group.examples.length ? last.rank : null;
  }

  const neighbourByIndex = new Map((row.neighbours ?? []).map((n) => [n.index, n]));
  const topExamples = (row.top ?? []).map((example) => toExampleView(example, texts));
  const tokenValues = (ids: number[], values: number[]): TokenValue[] =>
    ids.map((tokenId, i) => ({ tokenId, text: texts.get(tokenId) ?? unknownToken(tokenId), value: values[i] ?? 0 }));

  return {
    sae,
    feature: {
      id: feature.id,
      index: feature.index,
      maxActivation: feature.maxActivation,
      density: feature.density,
      dead: feature.dead,
      ultraRare: feature.ultraRare,
      histogram:
        feature.histogramCounts.length && feature.histogramMin !== null && feature.histogramMax !== null
          ? { min: feature.histogramMin, max: feature.histogramMax, counts: feature.histogramCounts }
          : null,
      intervalShares: feature.intervalShares.map((share) => (Number.isFinite(share) ? share : null)),
      logitTop: tokenValues(feature.logitTopTokenIds, feature.logitTopValues),
      logitBottom: tokenValues(feature.logitBottomTokenIds, feature.logitBottomValues),
      logitHistogram:
        feature.logitHistogramCounts.length && feature.logitHistogramMin !== null && feature.logitHistogramMax !== null
          ? { min: feature.logitHistogramMin, max: feature.logitHistogramMax, counts: feature.logitHistogramCounts }
          : null,
      neighbours: feature.neighborIndices.map((neighbourIndex, i) => {
        const neighbour = neighbourByIndex.get(neighbourIndex);
        return {
          index: neighbourIndex,
          cosine: feature.neighborCosines[i] ?? 0,
          labelText: neighbour?.labelText ?? null,
          density: neighbour?.density ?? null,
          dead: neighbour?.dead ?? false,
        };
      }),
      labelStatus: feature.labelStatus,
      labelScore: feature.labelScore,
    },
    labels: (row.labels ?? []).map((label) => ({ ...label, isCurrent: label.id === feature.currentLabelId })),
    topExamples,
    topNextAfter: topTotal > topExamples.length ? (topExamples[topExamples.length - 1]?.rank ?? null) : null,
    topTotal,
    intervals: [...groups.values()].sort((a, b) => b.intervalIndex - a.intervalIndex),
    prevIndex: row.prevIndex,
    nextIndex: row.nextIndex,
  };
}

const exampleSelect = {
  id: true, rank: true, intervalIndex: true, intervalMin: true, intervalMax: true,
  tokenIds: true, values: true, maxValue: true, maxPosition: true,
} as const satisfies Prisma.ActivationExampleSelect;

export interface ExamplePage {
  examples: ActivationExampleView[];
  /** Pass as `after` for the next page; null when there is none. */
  nextAfter: number | null;
}

/** One page of a feature's examples of one kind (and interval), ordered by rank (keyset on rank). */
export async function listExamples(
  featureId: number,
  modelId: number,
  query: ExampleQuery,
): Promise<ExamplePage> {
  const rows = await db().activationExample.findMany({
    where: {
      featureId,
      kind: query.kind,
      ...(query.kind === "interval" && query.interval !== undefined ? { intervalIndex: query.interval } : {}),
      ...(query.after !== undefined ? { rank: { gt: query.after } } : {}),
    },
    orderBy: [{ intervalIndex: "desc" }, { rank: "asc" }],
    take: query.limit + 1,
    select: exampleSelect,
  });
  const page = rows.slice(0, query.limit);
  const texts = await tokenTexts(modelId, page.flatMap((row) => row.tokenIds));
  return {
    examples: page.map((row) => toExampleView({ ...row, kind: query.kind }, texts)),
    nextAfter: rows.length > query.limit ? (page[page.length - 1]?.rank ?? null) : null,
  };
}

/** The feature's identity for API routes that address it by (saeId, index). */
export async function findFeature(saeId: number, index: number) {
  return db().feature.findUnique({
    where: { saeId_index: { saeId, index } },
    select: { id: true, index: true, sae: { select: { id: true, name: true, modelId: true, model: { select: { name: true } } } } },
  });
}
