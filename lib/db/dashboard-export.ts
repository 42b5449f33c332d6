/**
 * Reads an SAE's dashboards and labels for export (lib/import/neuronpedia-export.ts), a page of
 * features at a time (keyset on index), so any size streams in bounded memory.
 */
import { rawSql } from "./dashboards";

export interface ExportedExample {
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

export interface ExportedLabel {
  id: number;
  text: string;
  source: "human" | "model";
  status: "draft" | "accepted" | "rejected";
  authorId: number | null;
  provenance: Record<string, unknown> | null;
  detectionScore: number | null;
  simulationScore: number | null;
}

export interface ExportedFeature {
  index: number;
  maxActivation: number;
  density: number;
  dead: boolean;
  histogramMin: number | null;
  histogramMax: number | null;
  histogramCounts: number[];
  intervalShares: number[];
  logitTopTokenIds: number[];
  logitTopValues: number[];
  logitBottomTokenIds: number[];
  logitBottomValues: number[];
  logitHistogramMin: number | null;
  logitHistogramMax: number | null;
  logitHistogramCounts: number[];
  neighborIndices: number[];
  neighborCosines: number[];
  correlatedIndices: number[];
  correlatedPearson: number[];
  correlatedCosines: number[];
  examples: ExportedExample[];
  labels: ExportedLabel[];
}

export interface ExportedSae {
  id: number;
  name: string;
  layer: number;
  hookName: string;
  modelId: number;
  modelName: string;
  dashboardCorpus: string | null;
  dashboardTokens: number | null;
  dashboardContextSize: number | null;
}

export async function saeForExport(saeId: number): Promise<ExportedSae | null> {
  const [row] = await rawSql()<ExportedSae[]>`
    SELECT s."id", s."name", s."layer", s."hookName", s."modelId", m."name" AS "modelName", s."dashboardCorpus",
      s."dashboardTokens"::float8 AS "dashboardTokens", s."dashboardContextSize"
    FROM "Sae" s JOIN "Model" m ON m."id" = s."modelId" WHERE s."id" = ${saeId}`;
  return row ?? null;
}

/** Features of the SAE in index order, `pageSize` at a time, each with its examples and labels (rejected ones left out). */
export async function* exportedFeaturePages(saeId: number, options: { pageSize?: number; from?: number; to?: number } = {}): AsyncGenerator<ExportedFeature[]> {
  const pageSize = options.pageSize ?? 128;
  let after = (options.from ?? 0) - 1;
  const to = options.to ?? 2 ** 31 - 1;
  const sql = rawSql();
  for (;;) {
    const rows = await sql<ExportedFeature[]>`
      SELECT f."index", f."maxActivation", f."density", f."dead", f."histogramMin", f."histogramMax",
        COALESCE(f."histogramCounts", '{}') AS "histogramCounts", COALESCE(f."intervalShares", '{}') AS "intervalShares",
        COALESCE(f."logitTopTokenIds", '{}') AS "logitTopTokenIds", COALESCE(f."logitTopValues", '{}') AS "logitTopValues",
        COALESCE(f."logitBottomTokenIds", '{}') AS "logitBottomTokenIds", COALESCE(f."logitBottomValues", '{}') AS "logitBottomValues",
        f."logitHistogramMin", f."logitHistogramMax", COALESCE(f."logitHistogramCounts", '{}') AS "logitHistogramCounts",
        COALESCE(f."neighborIndices", '{}') AS "neighborIndices", COALESCE(f."neighborCosines", '{}') AS "neighborCosines",
        COALESCE(f."correlatedIndices", '{}') AS "correlatedIndices", COALESCE(f."correlatedPearson", '{}') AS "correlatedPearson",
        COALESCE(f."correlatedCosines", '{}') AS "correlatedCosines",
        COALESCE((SELECT json_agg(json_build_object('kind', e."kind", 'rank', e."rank", 'intervalIndex', e."intervalIndex",
            'intervalMin', e."intervalMin", 'intervalMax', e."intervalMax", 'tokenIds', e."tokenIds", 'values', e."values",
            'maxValue', e."maxValue", 'maxPosition', e."maxPosition")
          ORDER BY e."kind", e."intervalIndex" DESC NULLS FIRST, e."rank")
          FROM "ActivationExample" e WHERE e."featureId" = f."id"), '[]') AS "examples",
        COALESCE((SELECT json_agg(json_build_object('id', l."id", 'text', l."text", 'source', l."source", 'status', l."status",
            'authorId', l."authorId", 'provenance', l."provenance", 'detectionScore', l."detectionScore", 'simulationScore', l."simulationScore")
          ORDER BY l."id")
          FROM "Label" l WHERE l."featureId" = f."id" AND l."status" <> 'rejected'), '[]') AS "labels"
      FROM "Feature" f
      WHERE f."saeId" = ${saeId} AND f."index" > ${after} AND f."index" <= ${to}
      ORDER BY f."index" LIMIT ${pageSize}`;
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1].index;
    if (rows.length < pageSize) return;
  }
}

/** Token id → display text for the whole model (an export touches most of it). */
export async function exportVocabulary(modelId: number): Promise<Map<number, string>> {
  const rows = await rawSql()<Array<{ tokenId: number; text: string }>>`SELECT "tokenId", "text" FROM "Token" WHERE "modelId" = ${modelId}`;
  return new Map(rows.map((row) => [row.tokenId, row.text]));
}
