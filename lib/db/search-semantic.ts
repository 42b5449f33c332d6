/**
 * Semantic label search over LabelEmbedding: indexing labels through the configured embeddings
 * endpoint, and exact ranking by cosine (unit vectors, dot product in SQL). Without pgvector this
 * is a scan of every vector of the model; docs/SEARCH.md gives its cost and the pgvector path.
 */
import { Prisma } from "../generated/prisma/client";
import { db } from "./client";
import { afterCursor, featureConditions, labelHit, type LabelHitRow } from "./search-sql";
import type { LabelSearchQuery, SemanticSearchPage } from "../search/contracts";
import { decodeSearchCursor, encodeSearchCursor } from "../search/cursor";
import { embeddingsConfig, embedTexts, textHash, type EmbeddingsConfig } from "../search/embeddings";

/**
 * Embeds every label that has no vector from the configured model, or whose text changed since,
 * and deletes vectors of labels that no longer exist. Returns how many were embedded and purged.
 */
export async function embedPendingLabels(
  config: EmbeddingsConfig | null = embeddingsConfig(),
  onProgress?: (done: number) => void,
): Promise<{ embedded: number; purged: number }> {
  if (!config) throw new Error("Semantic search is off: set FEATURESCOPE_EMBEDDINGS_URL (and _MODEL, _KEY) first.");
  const purged = await db().$executeRaw`
    DELETE FROM "LabelEmbedding" e
    WHERE e."model" = ${config.model} AND NOT EXISTS (
      SELECT 1 FROM "Label" l
      WHERE l."id" = e."labelId" AND encode(sha256(convert_to(l."text", 'UTF8')), 'hex') = e."textHash")`;
  let embedded = 0;
  let after = 0;
  for (;;) {
    const pending = await db().$queryRaw<{ id: number; text: string }[]>`
      SELECT l."id", l."text" FROM "Label" l
      WHERE l."id" > ${after}
        AND NOT EXISTS (SELECT 1 FROM "LabelEmbedding" e WHERE e."labelId" = l."id" AND e."model" = ${config.model})
      ORDER BY l."id" LIMIT ${config.batchSize}`;
    if (pending.length === 0) break;
    const vectors = await embedTexts(pending.map((label) => label.text), config);
    await db().$executeRaw`
      INSERT INTO "LabelEmbedding" ("labelId", "model", "textHash", "vector")
      SELECT r."labelId", ${config.model}, r."textHash", r."vector"
      FROM jsonb_to_recordset(${JSON.stringify(pending.map((label, i) => ({ labelId: label.id, textHash: textHash(label.text), vector: vectors[i] })))}::jsonb)
        AS r("labelId" int, "textHash" text, "vector" real[])
      ON CONFLICT ("labelId", "model") DO UPDATE SET "textHash" = EXCLUDED."textHash", "vector" = EXCLUDED."vector", "createdAt" = now()`;
    embedded += pending.length;
    after = pending[pending.length - 1].id;
    onProgress?.(embedded);
  }
  return { embedded, purged };
}

/** Features whose labels mean something close to the query, by cosine similarity, one per feature. */
export async function searchSemantic(query: LabelSearchQuery, config: EmbeddingsConfig | null = embeddingsConfig()): Promise<SemanticSearchPage> {
  if (!config) return { enabled: false, embeddingModel: null, results: [], nextCursor: null };
  const [vector] = await embedTexts([query.q], config);
  const cursor = decodeSearchCursor(query.after);
  const conditions = [Prisma.sql`e."model" = ${config.model}`, ...featureConditions(query, Prisma.sql`l."source"`)];

  const rows = await db().$queryRaw<LabelHitRow[]>`
    WITH scored AS (
      SELECT l."id" AS "labelId", l."featureId", l."text", l."source"::text AS "source", l."status"::text AS "status",
             l."voteScore", l."detectionScore", l."simulationScore", (f."currentLabelId" = l."id") AS "isCurrent",
             f."saeId", f."index", f."density", f."maxActivation", f."dead",
             (SELECT sum(a * b) FROM unnest(e."vector", ${vector}::real[]) AS t(a, b))::float8 AS score
      FROM "LabelEmbedding" e
      JOIN "Label" l ON l."id" = e."labelId"
      JOIN "Feature" f ON f."id" = l."featureId"
      WHERE ${Prisma.join(conditions, " AND ")}
    ), best AS (
      SELECT DISTINCT ON ("featureId") * FROM scored ORDER BY "featureId", score DESC, "labelId"
    )
    SELECT b.*, s."name" AS "saeName", s."hookName", m."name" AS "modelName"
    FROM best b JOIN "Sae" s ON s."id" = b."saeId" JOIN "Model" m ON m."id" = s."modelId"
    ${afterCursor(Prisma.sql`b.score`, Prisma.sql`b."featureId"`, cursor)}
    ORDER BY b.score DESC, b."featureId" DESC
    LIMIT ${query.limit + 1}`;

  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    enabled: true,
    embeddingModel: config.model,
    results: page.map((row) => labelHit(row, [])),
    nextCursor: hasMore && last ? encodeSearchCursor(last.score, last.featureId) : null,
  };
}
