/**
 * Read queries for one feature's dashboard: its statistics, labels, neighbours, prev/next, and its
 * activation examples one page at a time (never all of them at once).
 */
import { z } from "zod";
import { Prisma } from "../generated/prisma/client";
import { db } from "./client";
import type { SaeHeader } from "./saes";
import { getSaeByNames } from "./saes";

/** Examples shown before "more": enough to read a feature, little enough to load instantly. */
export const TOP_EXAMPLES_FIRST_PAGE = 10;
export const INTERVAL_EXAMPLES_FIRST_PAGE = 2;

/** The examples query: shared by the feature page's "more" buttons and GET .../examples. */
export const exampleQuerySchema = z.object({
  kind: z.enum(["top", "interval", "random"]).default("top"),
  interval: z.coerce.number().int().min(0).max(1000).optional(),
  /** Rank of the last example already shown. */
  after: z.coerce.number().int().min(-1).optional(),
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
  intervalShares: number[];
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

const featureSelect = {
  id: true, index: true, maxActivation: true, density: true, dead: true, ultraRare: true,
  histogramMin: true, histogramMax: true, histogramCounts: true, intervalShares: true,
  logitTopTokenIds: true, logitTopValues: true, logitBottomTokenIds: true, logitBottomValues: true,
  logitHistogramMin: true, logitHistogramMax: true, logitHistogramCounts: true,
  neighborIndices: true, neighborCosines: true, labelStatus: true, labelScore: true, currentLabelId: true,
} as const;

/** Display text for token ids of one model (one indexed query). */
export async function tokenTexts(modelId: number, tokenIds: Iterable<number>): Promise<Map<number, string>> {
  const ids = [...new Set(tokenIds)];
  if (ids.length === 0) return new Map();
  const rows = await db().token.findMany({
    where: { modelId, tokenId: { in: ids } },
    select: { tokenId: true, text: true },
  });
  return new Map(rows.map((row) => [row.tokenId, row.text]));
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
 * Everything the feature page renders on first paint, in a handful of indexed queries: the first
 * page of top examples and of each interval group, not every example.
 */
export async function getFeaturePage(modelName: string, saeName: string, index: number): Promise<FeaturePageData | null> {
  const sae = await getSaeByNames(modelName, saeName);
  return sae ? getFeatureDashboard(sae, index) : null;
}

/** The same data for an SAE already looked up (the API addresses SAEs by id). */
export async function getFeatureDashboard(sae: SaeHeader, index: number): Promise<FeaturePageData | null> {
  const feature = await db().feature.findUnique({
    where: { saeId_index: { saeId: sae.id, index } },
    select: featureSelect,
  });
  if (!feature) return null;

  const [labels, topRows, intervalRows, counts, neighbourRows, prev, next] = await Promise.all([
    db().label.findMany({
      where: { featureId: feature.id },
      orderBy: [{ voteScore: "desc" }, { id: "asc" }],
      take: 20,
      select: {
        id: true, text: true, source: true, status: true, version: true, provenance: true,
        detectionScore: true, simulationScore: true, voteScore: true, updatedAt: true,
        author: { select: { name: true } },
      },
    }),
    db().activationExample.findMany({
      where: { featureId: feature.id, kind: "top" },
      orderBy: { rank: "asc" },
      take: TOP_EXAMPLES_FIRST_PAGE,
      select: exampleSelect,
    }),
    // the first few examples of every interval group, in one query
    db().$queryRaw<ExampleRow[]>`
      SELECT "id", "kind"::text AS "kind", "rank", "intervalIndex", "intervalMin", "intervalMax",
             "tokenIds", "values", "maxValue", "maxPosition"
      FROM (
        SELECT e.*, row_number() OVER (PARTITION BY e."intervalIndex" ORDER BY e."rank") AS n
        FROM "ActivationExample" e
        WHERE e."featureId" = ${feature.id} AND e."kind" = 'interval'
      ) ranked
      WHERE n <= ${INTERVAL_EXAMPLES_FIRST_PAGE}
      ORDER BY "intervalIndex" DESC, "rank"`,
    db().$queryRaw<{ intervalIndex: number | null; kind: string; total: bigint; min: number | null; max: number | null }[]>`
      SELECT "intervalIndex", "kind"::text AS "kind", count(*) AS total,
             min("intervalMin") AS min, max("intervalMax") AS max
      FROM "ActivationExample" WHERE "featureId" = ${feature.id}
      GROUP BY "kind", "intervalIndex"`,
    feature.neighborIndices.length
      ? db().feature.findMany({
          where: { saeId: sae.id, index: { in: feature.neighborIndices } },
          select: { index: true, density: true, dead: true, currentLabel: { select: { text: true } } },
        })
      : Promise.resolve([]),
    db().feature.findFirst({
      where: { saeId: sae.id, index: { lt: index } }, orderBy: { index: "desc" }, select: { index: true },
    }),
    db().feature.findFirst({
      where: { saeId: sae.id, index: { gt: index } }, orderBy: { index: "asc" }, select: { index: true },
    }),
  ]);

  const texts = await tokenTexts(sae.model.id, [
    ...topRows.flatMap((row) => row.tokenIds),
    ...intervalRows.flatMap((row) => row.tokenIds),
    ...feature.logitTopTokenIds,
    ...feature.logitBottomTokenIds,
  ]);

  const topTotal = Number(counts.find((c) => c.kind === "top")?.total ?? 0);
  const intervalTotals = new Map(
    counts.filter((c) => c.kind === "interval" && c.intervalIndex !== null).map((c) => [c.intervalIndex as number, c]),
  );
  const groups = new Map<number, IntervalGroup>();
  for (const [intervalIndex, count] of intervalTotals) {
    groups.set(intervalIndex, {
      intervalIndex,
      min: count.min ?? 0,
      max: count.max ?? 0,
      share: feature.intervalShares[intervalIndex] ?? null,
      examples: [],
      nextAfter: null,
      total: Number(count.total),
    });
  }
  for (const row of intervalRows) {
    const group = groups.get(row.intervalIndex ?? -1);
    if (group) group.examples.push(toExampleView(row, texts));
  }
  for (const group of groups.values()) {
    const last = group.examples[group.examples.length - 1];
    group.nextAfter = last && group.total > group.examples.length ? last.rank : null;
  }

  const neighbourByIndex = new Map(neighbourRows.map((row) => [row.index, row]));
  const topExamples = topRows.map((row) => toExampleView({ ...row, kind: "top" }, texts));
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
      intervalShares: feature.intervalShares,
      logitTop: tokenValues(feature.logitTopTokenIds, feature.logitTopValues),
      logitBottom: tokenValues(feature.logitBottomTokenIds, feature.logitBottomValues),
      logitHistogram:
        feature.logitHistogramCounts.length && feature.logitHistogramMin !== null && feature.logitHistogramMax !== null
          ? { min: feature.logitHistogramMin, max: feature.logitHistogramMax, counts: feature.logitHistogramCounts }
          : null,
      neighbours: feature.neighborIndices.map((neighbourIndex, i) => {
        const row = neighbourByIndex.get(neighbourIndex);
        return {
          index: neighbourIndex,
          cosine: feature.neighborCosines[i] ?? 0,
          labelText: row?.currentLabel?.text ?? null,
          density: row?.density ?? null,
          dead: row?.dead ?? false,
        };
      }),
      labelStatus: feature.labelStatus,
      labelScore: feature.labelScore,
    },
    labels: labels.map((label) => ({
      id: label.id,
      text: label.text,
      source: label.source,
      status: label.status,
      version: label.version,
      authorName: label.author?.name ?? null,
      provenance: label.provenance,
      detectionScore: label.detectionScore,
      simulationScore: label.simulationScore,
      voteScore: label.voteScore,
      isCurrent: label.id === feature.currentLabelId,
      updatedAt: label.updatedAt.toISOString(),
    })),
    topExamples,
    topNextAfter: topTotal > topExamples.length ? (topExamples[topExamples.length - 1]?.rank ?? null) : null,
    topTotal,
    intervals: [...groups.values()].sort((a, b) => b.intervalIndex - a.intervalIndex),
    prevIndex: prev?.index ?? null,
    nextIndex: next?.index ?? null,
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
