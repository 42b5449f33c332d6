/**
 * The labelling workflow's reads: the "next unlabelled feature" queue of an SAE, per-SAE progress
 * (share labelled, by whom), and the export of every label with provenance.
 */
import { db } from "./client";
import type { ProgressDto } from "../labels/contracts";

/**
 * Features needing a person: live features without an accepted shown label (none, an unreviewed
 * draft, or — in imported data — a rejected one),
 * in index order after `after` (wrapping around to the start). Uses the (saeId, index) key.
 */
export async function nextUnlabelled(saeId: number, after: number | null, skip: number[] = []): Promise<{ index: number | null; remaining: number }> {
  const start = after ?? -1;
  const skipped = skip.length ? skip : [-1];
  const rows = await db().$queryRaw<{ index: number | null; remaining: number }[]>`
    WITH queue AS (
      SELECT "index" FROM "Feature"
      WHERE "saeId" = ${saeId} AND NOT "dead" AND "labelStatus" IS DISTINCT FROM 'accepted'
        AND NOT ("index" = ANY (${skipped}::int[]))
    )
    SELECT COALESCE((SELECT min("index") FROM queue WHERE "index" > ${start}), (SELECT min("index") FROM queue)) AS "index",
           (SELECT count(*)::int FROM queue) AS "remaining"`;
  return rows[0] ?? { index: null, remaining: 0 };
}

export async function labellingProgress(saeId: number): Promise<ProgressDto> {
  const [counts] = await db().$queryRaw<{ features: number; labelled: number; drafted: number }[]>`
    SELECT count(*)::int AS "features",
           count(*) FILTER (WHERE "labelStatus" = 'accepted')::int AS "labelled",
           count(*) FILTER (WHERE "labelStatus" = 'draft')::int AS "drafted"
    FROM "Feature" WHERE "saeId" = ${saeId} AND NOT "dead"`;
  // who wrote the accepted current labels: humans by author, machine drafts by model name
  const byAuthor = await db().$queryRaw<{ authorId: number | null; name: string; source: "human" | "model"; labelled: number }[]>`
    SELECT l."authorId", l."source"::text AS "source",
           COALESCE(u."name", split_part(u."email", '@', 1), l."provenance"->>'model', 'unknown') AS "name",
           count(*)::int AS "labelled"
    FROM "Feature" f JOIN "Label" l ON l."id" = f."currentLabelId" LEFT JOIN "User" u ON u."id" = l."authorId"
    WHERE f."saeId" = ${saeId} AND NOT f."dead" AND f."labelStatus" = 'accepted'
    GROUP BY 1, 2, 3 ORDER BY 4 DESC, 3 LIMIT 50`;
  const features = counts?.features ?? 0;
  const labelled = counts?.labelled ?? 0;
  const drafted = counts?.drafted ?? 0;
  return {
    saeId,
    features,
    labelled,
    drafted,
    unlabelled: features - labelled - drafted,
    share: features ? labelled / features : 0,
    byAuthor,
  };
}

export interface ExportRow {
  label_id: number;
  sae_id: number;
  model: string;
  sae: string;
  hook_name: string;
  feature_index: number;
  text: string;
  source: "human" | "model";
  status: "draft" | "accepted" | "rejected";
  is_current: boolean;
  version: number;
  vote_score: number;
  author: string | null;
  detection_score: number | null;
  simulation_score: number | null;
  provenance: unknown;
  created_at: string;
  updated_at: string;
}

export const EXPORT_COLUMNS: (keyof ExportRow)[] = [
  "label_id", "sae_id", "model", "sae", "hook_name", "feature_index", "text", "source", "status", "is_current", "version",
  "vote_score", "author", "detection_score", "simulation_score", "provenance", "created_at", "updated_at",
];

/** Every label of an SAE, in batches (keyset on label id), so an export never holds them all. */
export async function* exportLabels(saeId: number, batchSize = 1000): AsyncGenerator<ExportRow[]> {
  let after = 0;
  for (;;) {
    const rows = await db().$queryRaw<ExportRow[]>`
      SELECT l."id" AS "label_id", s."id" AS "sae_id", m."name" AS "model", s."name" AS "sae", s."hookName" AS "hook_name",
             f."index" AS "feature_index", l."text", l."source"::text AS "source", l."status"::text AS "status",
             (f."currentLabelId" = l."id") IS TRUE AS "is_current", l."version", l."voteScore" AS "vote_score",
             COALESCE(u."name", u."email") AS "author", l."detectionScore" AS "detection_score",
             l."simulationScore" AS "simulation_score", l."provenance",
             to_char(l."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "created_at",
             to_char(l."updatedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updated_at"
      FROM "Label" l JOIN "Feature" f ON f."id" = l."featureId" JOIN "Sae" s ON s."id" = f."saeId"
      JOIN "Model" m ON m."id" = s."modelId" LEFT JOIN "User" u ON u."id" = l."authorId"
      WHERE f."saeId" = ${saeId} AND l."id" > ${after}
      ORDER BY l."id" LIMIT ${batchSize}`;
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1].label_id;
    if (rows.length < batchSize) return;
  }
}
