/**
 * SQL pieces every search over features shares (lib/db/search.ts, lib/db/search-semantic.ts): the
 * filters, the keyset condition, and a matched label's row turned into its API shape.
 */
import { Prisma } from "../generated/prisma/client";
import type { LabelFilter, LabelSearchPage } from "../search/contracts";
import { featureUrl } from "../search/feature-url";
import type { TextRange } from "../search/highlight";

export interface FeatureFilters {
  model?: string;
  sae?: number;
  labels: LabelFilter;
  minDensity?: number;
  maxDensity?: number;
}

/**
 * Conditions on the feature `f`. `labelSource` is the column the human / model filter reads: the
 * matched label's source in label searches, the current label's in activation search.
 */
export function featureConditions(filters: FeatureFilters, labelSource: Prisma.Sql): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filters.sae !== undefined) conditions.push(Prisma.sql`f."saeId" = ${filters.sae}`);
  if (filters.model !== undefined) {
    conditions.push(Prisma.sql`f."saeId" IN (SELECT s2."id" FROM "Sae" s2 JOIN "Model" m2 ON m2."id" = s2."modelId" WHERE m2."name" = ${filters.model})`);
  }
  if (filters.labels === "human" || filters.labels === "model") {
    conditions.push(Prisma.sql`${labelSource} = ${filters.labels}::"LabelSource"`);
  }
  // the SAE table's meaning of "unlabelled": no label, or only a rejected one
  if (filters.labels === "unlabelled") conditions.push(Prisma.sql`(f."labelStatus" IS NULL OR f."labelStatus" = 'rejected')`);
  if (filters.minDensity !== undefined) conditions.push(Prisma.sql`f."density" >= ${filters.minDensity}::real`);
  if (filters.maxDensity !== undefined) conditions.push(Prisma.sql`f."density" <= ${filters.maxDensity}::real`);
  return conditions;
}

/**
 * The same filters on a SearchPosting row `p`, which carries its label's SAE and source and its
 * feature's density and labelled state, so a filtered search reads only the index.
 */
export function postingConditions(filters: FeatureFilters): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filters.sae !== undefined) conditions.push(Prisma.sql`p."saeId" = ${filters.sae}`);
  if (filters.model !== undefined) {
    conditions.push(Prisma.sql`p."saeId" = ANY (ARRAY(SELECT s2."id" FROM "Sae" s2 JOIN "Model" m2 ON m2."id" = s2."modelId" WHERE m2."name" = ${filters.model}))`);
  }
  if (filters.labels === "human" || filters.labels === "model") conditions.push(Prisma.sql`p."source" = ${filters.labels}::"LabelSource"`);
  if (filters.labels === "unlabelled") conditions.push(Prisma.sql`p."unlabelled"`);
  if (filters.minDensity !== undefined) conditions.push(Prisma.sql`p."density" >= ${filters.minDensity}::real`);
  if (filters.maxDensity !== undefined) conditions.push(Prisma.sql`p."density" <= ${filters.maxDensity}::real`);
  return conditions;
}

/** `AND c1 AND c2 …`, or nothing. */
export function andAll(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length ? Prisma.sql`AND ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
}

/**
 * Rows after the keyset cursor: `(score, featureId) < (cursor)`. The score is passed as text: the
 * driver rounds a number parameter to 15 significant digits, and a keyset comparison against a
 * rounded score repeats or skips rows that tie.
 */
export function afterCursor(score: Prisma.Sql, featureId: Prisma.Sql, cursor: { score: number; featureId: number } | null): Prisma.Sql {
  return cursor ? Prisma.sql`WHERE (${score}, ${featureId}) < (${String(cursor.score)}::float8, ${cursor.featureId}::int)` : Prisma.empty;
}

/** A matched label with its feature, as the label and semantic searches select it. */
export interface LabelHitRow {
  labelId: number;
  featureId: number;
  text: string;
  source: "human" | "model";
  status: "draft" | "accepted" | "rejected";
  voteScore: number;
  detectionScore: number | null;
  simulationScore: number | null;
  isCurrent: boolean | null;
  saeId: number;
  index: number;
  density: number;
  maxActivation: number;
  dead: boolean;
  score: number;
  saeName: string;
  hookName: string;
  modelName: string;
}

export type LabelHit = LabelSearchPage["results"][number];

type FeatureColumns = Pick<LabelHitRow, "modelName" | "saeId" | "saeName" | "hookName" | "index" | "density" | "maxActivation" | "dead">;

/** A result's feature, linking to its page. */
export function searchFeature(row: FeatureColumns): LabelHit["feature"] {
  return {
    modelName: row.modelName,
    saeId: row.saeId,
    saeName: row.saeName,
    hookName: row.hookName,
    index: row.index,
    density: row.density,
    maxActivation: row.maxActivation,
    dead: row.dead,
    url: featureUrl(row.modelName, row.saeName, row.index),
  };
}

export function labelHit(row: LabelHitRow, highlights: TextRange[]): LabelHit {
  return {
    feature: searchFeature(row),
    label: {
      id: row.labelId,
      text: row.text,
      source: row.source,
      status: row.status,
      voteScore: row.voteScore,
      detectionScore: row.detectionScore,
      simulationScore: row.simulationScore,
      isCurrent: row.isCurrent === true,
      highlights,
    },
    score: row.score,
  };
}
