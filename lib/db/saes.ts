/**
 * Read queries for one SAE: its header and its feature table (keyset-paginated, sortable,
 * filterable), plus the random-feature pick.
 */
import type { LogitEffectsRecord } from "@/lib/model/logit-effects-convention";
import { z } from "zod";
import { Prisma } from "../generated/prisma/client";
import { db } from "./client";

export const FEATURE_SORTS = ["index", "density", "maxActivation", "labelStatus", "labelScore"] as const;
export type FeatureSort = (typeof FEATURE_SORTS)[number];
export const LABEL_FILTERS = ["all", "labelled", "unlabelled", "drafted"] as const;
export const DEAD_FILTERS = ["all", "alive", "dead"] as const;

/** Empty strings (from an untouched form field) mean "not given". */
const optionalNumber = z.preprocess(
  (value) => (value === "" || value === null ? undefined : value),
  z.coerce.number().finite().min(0).max(1).optional(),
);

/** The SAE table's query: shared by the SAE page (search params) and GET /api/v1/saes/{id}/features. */
const CURSOR_MESSAGE = "Not a cursor from a previous page of this table; start again without it.";
const cursorField = z.string().max(200).refine((cursor) => decodeCursor(cursor) !== null, CURSOR_MESSAGE).optional();

export const featureTableQuerySchema = z
  .object({
    sort: z.enum(FEATURE_SORTS).default("index"),
    order: z.enum(["asc", "desc"]).optional(),
    label: z.enum(LABEL_FILTERS).default("all"),
    dead: z.enum(DEAD_FILTERS).default("all"),
    minDensity: optionalNumber,
    maxDensity: optionalNumber,
    after: cursorField,
    before: cursorField,
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .superRefine((query, context) => {
    // index and label-status sorts compare the cursor's value as a PostgreSQL integer
    if (query.sort !== "index" && query.sort !== "labelStatus") return;
    for (const key of ["after", "before"] as const) {
      const cursor = query[key] ? decodeCursor(query[key]) : null;
      if (cursor && !(Number.isInteger(cursor[0]) && Math.abs(cursor[0]) <= INT32_MAX)) {
        context.addIssue({ code: "custom", path: [key], message: CURSOR_MESSAGE });
      }
    }
  });
export type FeatureTableQuery = z.infer<typeof featureTableQuerySchema>;

/** The natural direction of each sort: densest / strongest / best-scored first, indices ascending. */
export const DEFAULT_ORDER: Record<FeatureSort, "asc" | "desc"> = {
  index: "asc",
  density: "desc",
  maxActivation: "desc",
  labelStatus: "asc",
  labelScore: "desc",
};

export interface SaeHeader {
  id: number;
  name: string;
  hookName: string;
  layer: number;
  /** null for a browse-only SAE */
  architecture: string | null;
  /** null for a browse-only SAE */
  dIn: number | null;
  dSae: number;
  /** false for a browse-only SAE (no SAE weights, or a model known by name only): nothing can be run through it */
  hasWeights: boolean;
  k: number | null;
  status: string;
  l0: number | null;
  explainedVariance: number | null;
  ceLossRecovered: number | null;
  deadFraction: number | null;
  denseFraction: number | null;
  dashboardCorpus: string | null;
  dashboardTokens: number | null;
  dashboardContextSize: number | null;
  /** How the stored logit effects were computed (lib/model/logit-effects-convention.ts), as the dashboard run recorded it. */
  logitEffects: LogitEffectsRecord;
  model: { id: number; name: string; displayName: string | null; architecture: string | null; dVocab: number | null };
}

/** An SAE by the names in its URL (/models/{model}/saes/{sae}), or null. */
export async function getSaeByNames(modelName: string, saeName: string): Promise<SaeHeader | null> {
  return saeHeaderWhere(Prisma.sql`m."name" = ${modelName} AND s."name" = ${saeName}`);
}

export async function getSaeById(id: number): Promise<SaeHeader | null> {
  return saeHeaderWhere(Prisma.sql`s."id" = ${id}`);
}

/** The columns of a SaeHeader from `"Sae" s JOIN "Model" m` (also read inside the feature page's statement). */
export const SAE_HEADER_COLUMNS = `
    s."id", s."name", s."hookName", s."layer", s."architecture", s."dIn", s."dSae", s."k", s."status"::text AS "status",
    s."l0", s."explainedVariance", s."ceLossRecovered", s."deadFraction", s."denseFraction",
    s."dashboardCorpus", s."dashboardTokens", s."dashboardContextSize", s."metricsDetails" -> 'logitEffects' AS "logitEffects",
    (s."path" IS NOT NULL AND m."packagePath" IS NOT NULL) AS "hasWeights",
    json_build_object('id', m."id", 'name', m."name", 'displayName', m."displayName",
                      'architecture', m."architecture", 'dVocab', m."dVocab") AS "model"`;

// Raw SQL: every browse request starts here, and a raw query skips the ORM's per-query planning.
async function saeHeaderWhere(condition: Prisma.Sql): Promise<SaeHeader | null> {
  const rows = await db().$queryRaw<(Omit<SaeHeader, "dashboardTokens"> & { dashboardTokens: bigint | null })[]>`
    SELECT ${Prisma.raw(SAE_HEADER_COLUMNS)}
    FROM "Sae" s JOIN "Model" m ON m."id" = s."modelId"
    WHERE ${condition}
    LIMIT 1`;
  const sae = rows[0];
  return sae ? { ...sae, dashboardTokens: sae.dashboardTokens === null ? null : Number(sae.dashboardTokens) } : null;
}

export interface FeatureTableRow {
  index: number;
  density: number;
  maxActivation: number;
  dead: boolean;
  labelStatus: "draft" | "accepted" | "rejected" | null;
  labelScore: number | null;
  labelText: string | null;
  labelSource: "human" | "model" | null;
}

export interface FeatureTablePage {
  rows: FeatureTableRow[];
  sort: FeatureSort;
  order: "asc" | "desc";
  /** Cursors for the neighbouring pages; null at either end. */
  nextCursor: string | null;
  prevCursor: string | null;
}

type CursorValue = number;

const INT32_MAX = 2_147_483_647;
/** Largest finite `real`: density, max activation and label score are float4 columns. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Opaque keyset cursors: the sort value and the index of a boundary row. */
export function encodeCursor(value: CursorValue, index: number): string {
  return Buffer.from(JSON.stringify([value, index])).toString("base64url");
}

export function decodeCursor(cursor: string): [CursorValue, number] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // only what the query can compare: a float4-sized value and an int4 index (else PostgreSQL fails the query)
    if (
      Array.isArray(parsed) && parsed.length === 2 && parsed.every((v) => typeof v === "number" && Number.isFinite(v)) &&
      Math.abs(parsed[0]) <= FLOAT32_MAX && Number.isInteger(parsed[1]) && parsed[1] >= 0 && parsed[1] <= INT32_MAX
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // fall through: a malformed cursor is treated as "from the start"
  }
  return null;
}

// accepted first, then model drafts awaiting review, then rejected, then none
const STATUS_RANK = Prisma.sql`(CASE f."labelStatus" WHEN 'accepted' THEN 0 WHEN 'draft' THEN 1 WHEN 'rejected' THEN 2 ELSE 3 END)`;

/**
 * The sort expression. Every expression is non-null, so a single row comparison
 * `(expr, index) > (value, index)` is the keyset condition, and the (saeId, column, index) indexes
 * serve index, density and maxActivation in both directions. Label score only ranks features that
 * have one (an unscored feature has no place in a score ranking).
 */
function sortExpression(sort: FeatureSort): { expr: Prisma.Sql; cast: Prisma.Sql; where: Prisma.Sql | null } {
  switch (sort) {
    case "index":
      return { expr: Prisma.sql`f."index"`, cast: Prisma.sql`int`, where: null };
    case "density":
      return { expr: Prisma.sql`f."density"`, cast: Prisma.sql`real`, where: null };
    case "maxActivation":
      return { expr: Prisma.sql`f."maxActivation"`, cast: Prisma.sql`real`, where: null };
    case "labelScore":
      return { expr: Prisma.sql`f."labelScore"`, cast: Prisma.sql`real`, where: Prisma.sql`f."labelScore" IS NOT NULL` };
    case "labelStatus":
      return { expr: STATUS_RANK, cast: Prisma.sql`int`, where: null };
  }
}

function filterConditions(query: FeatureTableQuery): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  switch (query.label) {
    case "labelled":
      conditions.push(Prisma.sql`f."labelStatus" = 'accepted'`);
      break;
    case "unlabelled":
      conditions.push(Prisma.sql`(f."labelStatus" IS NULL OR f."labelStatus" = 'rejected')`);
      break;
    case "drafted":
      conditions.push(Prisma.sql`f."labelStatus" = 'draft' AND l."source" = 'model'`);
      break;
  }
  if (query.dead === "alive") conditions.push(Prisma.sql`NOT f."dead"`);
  if (query.dead === "dead") conditions.push(Prisma.sql`f."dead"`);
  if (query.minDensity !== undefined) conditions.push(Prisma.sql`f."density" >= ${query.minDensity}::real`);
  if (query.maxDensity !== undefined) conditions.push(Prisma.sql`f."density" <= ${query.maxDensity}::real`);
  return conditions;
}

interface RawRow {
  index: number;
  density: number;
  maxActivation: number;
  dead: boolean;
  labelStatus: FeatureTableRow["labelStatus"];
  labelScore: number | null;
  labelText: string | null;
  labelSource: FeatureTableRow["labelSource"];
  sortValue: number;
}

/** One page of an SAE's features. `after` pages forward, `before` pages back. */
export async function listSaeFeatures(saeId: number, query: FeatureTableQuery): Promise<FeatureTablePage> {
  const sort = query.sort;
  const order = query.order ?? DEFAULT_ORDER[sort];
  const { expr, cast, where } = sortExpression(sort);
  const afterCursor = query.after ? decodeCursor(query.after) : null;
  const beforeCursor = !afterCursor && query.before ? decodeCursor(query.before) : null;
  // Paging back runs the query in the opposite direction and reverses the rows.
  const backwards = beforeCursor !== null;
  const ascending = (order === "asc") !== backwards;
  const cursor = afterCursor ?? beforeCursor;

  const conditions = [Prisma.sql`f."saeId" = ${saeId}`, ...filterConditions(query)];
  if (where) conditions.push(where);
  if (cursor) {
    const op = ascending ? Prisma.sql`>` : Prisma.sql`<`;
    conditions.push(Prisma.sql`(${expr}, f."index") ${op} (${cursor[0]}::${cast}, ${cursor[1]}::int)`);
  }
  const direction = ascending ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const rows = sort === "labelStatus"
    ? await listByLabelStatus(saeId, query, ascending, cursor)
    : await db().$queryRaw<RawRow[]>`
    SELECT f."index", f."density", f."maxActivation", f."dead", f."labelStatus"::text AS "labelStatus",
           f."labelScore", l."text" AS "labelText", l."source"::text AS "labelSource", ${expr} AS "sortValue"
    FROM "Feature" f
    LEFT JOIN "Label" l ON l."id" = f."currentLabelId"
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY ${expr} ${direction}, f."index" ${direction}
    LIMIT ${query.limit + 1}`;

  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (backwards) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const cursorOf = (row: RawRow) => encodeCursor(Number(row.sortValue), row.index);
  // Going forward, a previous page exists whenever we started from a cursor; going back, a next one does.
  const nextCursor = last && (backwards ? true : hasMore) ? cursorOf(last) : null;
  const prevCursor = first && (backwards ? hasMore : cursor !== null) ? cursorOf(first) : null;
  return {
    rows: page.map((row) => ({
      index: row.index, density: row.density, maxActivation: row.maxActivation, dead: row.dead,
      labelStatus: row.labelStatus, labelScore: row.labelScore, labelText: row.labelText, labelSource: row.labelSource,
    })),
    sort,
    order,
    nextCursor,
    prevCursor,
  };
}

/** The status of each rank of STATUS_RANK, as a condition an index on (saeId, labelStatus, index) serves. */
const RANK_STATUS: Prisma.Sql[] = [
  Prisma.sql`f."labelStatus" = 'accepted'`,
  Prisma.sql`f."labelStatus" = 'draft'`,
  Prisma.sql`f."labelStatus" = 'rejected'`,
  Prisma.sql`f."labelStatus" IS NULL`,
];

/**
 * The label-status sort without scanning the SAE: a CASE rank has no index, so each status is read
 * on its own through (saeId, labelStatus, index) in index order (at most a page each, from the
 * cursor on) and the few rows are concatenated in rank order.
 */
async function listByLabelStatus(
  saeId: number, query: FeatureTableQuery, ascending: boolean, cursor: [number, number] | null,
): Promise<RawRow[]> {
  const base = [Prisma.sql`f."saeId" = ${saeId}`, ...filterConditions(query)];
  const direction = ascending ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const parts: Prisma.Sql[] = [];
  RANK_STATUS.forEach((status, rank) => {
    if (cursor && (ascending ? rank < cursor[0] : rank > cursor[0])) return;
    const conditions = [...base, status];
    if (cursor && rank === cursor[0]) conditions.push(ascending ? Prisma.sql`f."index" > ${cursor[1]}::int` : Prisma.sql`f."index" < ${cursor[1]}::int`);
    parts.push(Prisma.sql`(
      SELECT f."index", f."density", f."maxActivation", f."dead", f."labelStatus"::text AS "labelStatus",
             f."labelScore", l."text" AS "labelText", l."source"::text AS "labelSource", ${rank}::int AS "sortValue"
      FROM "Feature" f
      LEFT JOIN "Label" l ON l."id" = f."currentLabelId"
      WHERE ${Prisma.join(conditions, " AND ")}
      ORDER BY f."index" ${direction}
      LIMIT ${query.limit + 1})`);
  });
  if (parts.length === 0) return [];
  return db().$queryRaw<RawRow[]>`
    SELECT * FROM (${Prisma.join(parts, " UNION ALL ")}) ranked
    ORDER BY "sortValue" ${direction}, "index" ${direction}
    LIMIT ${query.limit + 1}`;
}

/** Beyond this many matches the table says "N+": an exact count of a filter would read every match. */
export const FEATURE_COUNT_CAP = 1000;

/**
 * The table's "N features match" line at any scale: the exact count up to `cap` matches, else
 * `cap` with `atLeast` set (reading at most cap + 1 index entries instead of every match).
 */
export async function countSaeFeatures(
  saeId: number, query: FeatureTableQuery, dSae?: number, cap = FEATURE_COUNT_CAP,
): Promise<{ total: number; atLeast: boolean }> {
  // with no filter the answer is d_sae (import writes a row for every feature)
  const unfiltered = query.label === "all" && query.dead === "all" && query.minDensity === undefined &&
    query.maxDensity === undefined && query.sort !== "labelScore";
  if (unfiltered && dSae !== undefined) return { total: dSae, atLeast: false };
  const conditions = [Prisma.sql`f."saeId" = ${saeId}`, ...filterConditions(query)];
  const { where } = sortExpression(query.sort);
  if (where) conditions.push(where);
  const needsLabel = query.label === "drafted";
  const rows = await db().$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM (
      SELECT 1 FROM "Feature" f
      ${needsLabel ? Prisma.sql`LEFT JOIN "Label" l ON l."id" = f."currentLabelId"` : Prisma.empty}
      WHERE ${Prisma.join(conditions, " AND ")}
      LIMIT ${Number.isFinite(cap) ? cap + 1 : null}) matches`;
  const count = Number(rows[0]?.count ?? 0);
  return count > cap ? { total: cap, atLeast: true } : { total: count, atLeast: false };
}

/**
 * A uniformly random live feature: pick a random index and take the first live feature at or
 * after it (wrapping around), so it costs two index probes instead of a scan.
 */
export async function randomFeatureIndex(saeId: number, dSae: number, random = Math.random): Promise<number | null> {
  const start = Math.floor(random() * Math.max(1, dSae));
  const at = await db().feature.findFirst({
    where: { saeId, dead: false, index: { gte: start } },
    orderBy: { index: "asc" },
    select: { index: true },
  });
  if (at) return at.index;
  const wrapped = await db().feature.findFirst({
    where: { saeId, dead: false, index: { lt: start } },
    orderBy: { index: "asc" },
    select: { index: true },
  });
  return wrapped?.index ?? null;
}
