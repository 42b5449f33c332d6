/**
 * Explanations of a Neuronpedia export → draft model labels, set-based in each file's transaction,
 * without ever deleting a label or writing to one people have touched (docs/IMPORT.md, "Re-importing").
 */
import path from "node:path";
import { copyInto, copyLine, LeaseLostError, rawSql, type ProgressUpdate, type TransactionSql } from "@/lib/db/dashboards";
import { bestScore, chooseCurrentLabel, type RankableLabel } from "@/lib/labels/ranking";


/** What an import did to labels, summed over its explanations files (kept in the checkpoint). */
export interface LabelImportCounts {
  /** new imported labels (explanations not seen before for that feature) */
  added: number;
  /** imported labels nobody touched whose explanation text changed: updated in place, as a new revision */
  updated: number;
  /** imported labels people touched since (edited, reviewed, voted, pinned, commented): left exactly as they are */
  keptEditedByPeople: number;
  /** imported labels nobody touched whose text is the same: nothing written */
  unchanged: number;
  /** rows not imported: no description, repeated in the same file, or for a feature the SAE does not have */
  skipped: number;
}

export const emptyCounts = (): LabelImportCounts => ({ added: 0, updated: 0, keptEditedByPeople: 0, unchanged: 0, skipped: 0 });
/** How many label ids of each kind the audit event lists (the counts are always complete). */
export const AUDIT_ID_LIMIT = 200;

/** What a run's checkpoint holds: files done, the label counts of the explanations files among them, and the import report. */
export interface ImportCheckpoint<Report = unknown> {
  done: number;
  labels: LabelImportCounts;
  updatedLabelIds: number[];
  keptLabelIds: number[];
  report: Report;
}

export function addCounts(a: LabelImportCounts, b: LabelImportCounts): LabelImportCounts {
  return {
    added: a.added + b.added,
    updated: a.updated + b.updated,
    keptEditedByPeople: a.keptEditedByPeople + b.keptEditedByPeople,
    unchanged: a.unchanged + b.unchanged,
    skipped: a.skipped + b.skipped,
  };
}

/**
 * Like withCheckpoint (lib/db/dashboards.ts), but the checkpoint is what `fn` returns: an
 * explanations file's label counts are known only inside its transaction, and they must commit with
 * the file's rows and the "file done" mark, or a resumed run would count that file twice or never.
 */
export async function withFileCheckpoint<C extends ImportCheckpoint>(
  runId: number, owner: string, leaseMs: number, update: Required<Pick<ProgressUpdate, "phase" | "batchesDone" | "batchesTotal" | "progress" | "message">>,
  fn: (tx: TransactionSql) => Promise<C>,
): Promise<C> {
  return rawSql().begin(async (tx) => {
    const state = await fn(tx);
    const checkpoint = Buffer.from(JSON.stringify(state));
    const result = await tx`
      UPDATE "DashboardRun" SET "phase" = ${update.phase}, "progress" = ${update.progress}, "batchesDone" = ${update.batchesDone},
        "batchesTotal" = ${update.batchesTotal}, "message" = ${update.message}, "checkpoint" = ${checkpoint},
        "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
      WHERE "id" = ${runId} AND "leaseOwner" = ${owner}`;
    if (result.count === 0) throw new LeaseLostError(runId);
    return state;
  }) as Promise<C>;
}

export interface ExplanationContext {
  saeId: number;
  runId: number;
  exportDir: string;
  file: string;
}

/**
 * Scores an explanation row carries: Neuronpedia's Explanation columns scoreV1 / scoreV2 and its
 * ExplanationScore rows (explanationScoreTypeName, explanationScoreModelName, value, jsonDetails;
 * apps/webapp/prisma/schema.prisma). Kept in the label's provenance as the file gives them; they are
 * other methods than Featurescope's detection / simulation scores, so they do not rank labels.
 */
export function explanationScores(row: Record<string, unknown>): { scores?: Record<string, unknown> } {
  const scores: Record<string, unknown> = {};
  for (const key of ["scoreV1", "scoreV2"]) {
    const value = row[key];
    if (typeof value === "number" && Number.isFinite(value)) scores[key] = value;
  }
  if (Array.isArray(row.scores)) {
    const rows = row.scores.flatMap((score) => {
      if (!score || typeof score !== "object") return [];
      const s = score as Record<string, unknown>;
      if (typeof s.value !== "number" || !Number.isFinite(s.value)) return [];
      return [{
        type: optionalString(s.explanationScoreTypeName), model: optionalString(s.explanationScoreModelName), value: s.value,
        ...(typeof s.jsonDetails === "string" && s.jsonDetails ? { details: s.jsonDetails } : {}),
      }];
    });
    if (rows.length) scores.scores = rows;
  }
  return Object.keys(scores).length ? { scores } : {};
}

export const optionalString = (value: unknown): string | null =>
  (typeof value === "string" && value.trim()) || (typeof value === "number" && Number.isFinite(value)) ? String(value).trim() : null;

/**
 * An explanation's identity within its feature, so a re-import finds the label it made before: the
 * Neuronpedia explanation id when the export has one, else (method, explainer model, author). Rows
 * of one file that share an identity with different text get `#2`, `#3`… in file order.
 * Labels written before explanation keys existed (provenance `importedFrom`, no key) are matched on
 * their stored typeName and explanationModelName, preferring one with the same text, see LEGACY_KEY.
 */
function baseExplanationKey(row: Record<string, unknown>): string {
  const id = optionalString(row.id);
  if (id) return `id:${id}`;
  return `m:${optionalString(row.typeName) ?? ""}|${optionalString(row.explanationModelName) ?? ""}|${optionalString(row.authorId) ?? ""}`;
}

const IMPORTED_LABEL = `l."source" = 'model' AND COALESCE(l."provenance"->>'source', l."provenance"->>'importedFrom') = 'neuronpedia'`;
const LEGACY_KEY = `'m:' || COALESCE(l."provenance"->>'typeName', '') || '|' || COALESCE(l."provenance"->>'explanationModelName', '') || '|'`;

/**
 * One explanations file, set-based in the batch's transaction: COPY the rows into a temporary
 * table, classify each against the label an earlier import made for the same explanation (add /
 * update / kept / unchanged), insert and update with their revisions in two statements, and re-choose
 * the shown label of the features that got a new or changed label with the normal ranking rule.
 * Imported labels are never deleted, and a label people touched is never written to.
 */
export async function writeExplanations(
  tx: TransactionSql, ctx: ExplanationContext, rows: Array<Record<string, unknown>>,
): Promise<{ counts: LabelImportCounts; updatedLabelIds: number[]; keptLabelIds: number[] }> {
  const counts = emptyCounts();
  const exportFile = path.relative(ctx.exportDir, ctx.file) || path.basename(ctx.file);
  const seenText = new Set<string>();
  const keyUses = new Map<string, number>();
  const loads: string[] = [];
  for (const row of rows) {
    const index = Number(row.index); // checked by the caller (lib/import/neuronpedia.ts)
    const text = typeof row.description === "string" ? row.description.replaceAll("\u0000", "").trim() : "";
    if (!text) {
      counts.skipped += 1;
      continue;
    }
    const base = baseExplanationKey(row);
    const textKey = `${index}\u0000${base}\u0000${text}`;
    if (seenText.has(textKey)) {
      counts.skipped += 1; // the same explanation twice in one file
      continue;
    }
    seenText.add(textKey);
    const uses = (keyUses.get(`${index}\u0000${base}`) ?? 0) + 1;
    keyUses.set(`${index}\u0000${base}`, uses);
    const key = uses === 1 ? base : `${base}#${uses}`;
    const provenance = {
      source: "neuronpedia",
      provider: "neuronpedia",
      model: optionalString(row.explanationModelName),
      method: optionalString(row.typeName),
      author: optionalString(row.authorId),
      explanationId: optionalString(row.id),
      explanationKey: key,
      exportDir: ctx.exportDir,
      exportFile,
      runId: ctx.runId,
      // scores, when the row has them (Neuronpedia's Explanation.scoreV1/scoreV2, ExplanationScore rows)
      ...explanationScores(row),
    };
    const legacyKey = `m:${provenance.method ?? ""}|${provenance.model ?? ""}|`;
    loads.push(copyLine([index, key, legacyKey, text, JSON.stringify(provenance)]));
  }
  if (loads.length === 0) return { counts, updatedLabelIds: [], keptLabelIds: [] };

  await tx.unsafe(`DROP TABLE IF EXISTS "LabelLoad"`);
  await tx.unsafe(`DROP TABLE IF EXISTS "LabelPlan"`);
  await tx.unsafe(`CREATE TEMP TABLE "LabelLoad" ("featureIndex" int, "key" text, "legacyKey" text, "text" text, "provenance" jsonb) ON COMMIT DROP`);
  await copyInto(tx, `"LabelLoad"`, ["featureIndex", "key", "legacyKey", "text", "provenance"], loads);
  // Label writes lock the feature row first (lib/db/labels.ts), so holding these locks means no
  // person edits, votes on or pins one of these features' labels between the plan and the writes.
  await tx`
    SELECT count(*) FROM (
      SELECT f."id" FROM "Feature" f
      WHERE f."saeId" = ${ctx.saeId} AND f."index" IN (SELECT "featureIndex" FROM "LabelLoad")
      ORDER BY f."id" FOR UPDATE) locked`;
  // "touched by people": any version past the one the import wrote, a review, a vote, a pin, an
  // audited action on the label (label.update/accept/reject/reopen/vote/pin/unpin), or a comment on
  // its feature since the label was imported.
  await tx.unsafe(`
    CREATE TEMP TABLE "LabelPlan" ON COMMIT DROP AS
    SELECT ld."featureIndex", f."id" AS "featureId", ld."key", ld."text", ld."provenance", m."id" AS "labelId",
      CASE WHEN f."id" IS NULL THEN 'skip'
           WHEN m."id" IS NULL THEN 'add'
           WHEN m."touched" THEN 'kept'
           WHEN m."text" = ld."text" THEN 'same'
           ELSE 'update' END AS "action"
    FROM "LabelLoad" ld
    LEFT JOIN "Feature" f ON f."saeId" = ${Number(ctx.saeId)} AND f."index" = ld."featureIndex"
    LEFT JOIN LATERAL (
      SELECT l."id", l."text", (
        l."version" <> COALESCE((l."provenance"->>'importedVersion')::int, 1)
        OR l."status" <> 'draft'
        OR l."pinnedAt" IS NOT NULL
        OR EXISTS (SELECT 1 FROM "Vote" v WHERE v."labelId" = l."id")
        OR EXISTS (SELECT 1 FROM "AuditEvent" a WHERE a."targetType" = 'label' AND a."targetId" = l."id")
        OR EXISTS (SELECT 1 FROM "Comment" c WHERE c."featureId" = l."featureId" AND c."deletedAt" IS NULL AND c."createdAt" >= l."createdAt")
      ) AS "touched"
      FROM "Label" l
      WHERE l."featureId" = f."id" AND ${IMPORTED_LABEL}
        AND (l."provenance"->>'explanationKey' = ld."key"
             OR (l."provenance"->>'explanationKey' IS NULL AND ${LEGACY_KEY} = ld."legacyKey"))
      ORDER BY (l."provenance"->>'explanationKey' IS NOT NULL) DESC, (l."text" = ld."text") DESC, l."id" LIMIT 1
    ) m ON true`);

  const note = `imported from Neuronpedia export run ${ctx.runId} (${exportFile})`;
  await tx`
    WITH inserted AS (
      INSERT INTO "Label" ("featureId", "text", "source", "status", "version", "provenance", "updatedAt")
      SELECT "featureId", "text", 'model', 'draft', 1, "provenance" || '{"importedVersion": 1}'::jsonb, now()
      FROM "LabelPlan" WHERE "action" = 'add' ORDER BY "featureIndex", "key"
      RETURNING "id", "text", "status"
    )
    INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "note")
    SELECT "id", 1, "text", "status", ${note} FROM inserted`;
  // labels written without history get their starting point recorded first (as updateLabel does)
  await tx`
    INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "editorId", "createdAt")
    SELECT l."id", l."version", l."text", l."status", l."authorId", l."createdAt"
    FROM "LabelPlan" p JOIN "Label" l ON l."id" = p."labelId" WHERE p."action" = 'update'
    ON CONFLICT ("labelId", "version") DO NOTHING`;
  await tx`
    WITH updated AS (
      UPDATE "Label" l SET "text" = p."text", "version" = l."version" + 1,
        "provenance" = p."provenance" || jsonb_build_object('importedVersion', l."version" + 1), "updatedAt" = now()
      FROM "LabelPlan" p WHERE p."action" = 'update' AND l."id" = p."labelId"
      RETURNING l."id", l."version", l."text", l."status"
    )
    INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "note")
    SELECT "id", "version", "text", "status", ${`${note}: the explanation's text changed`} FROM updated`;

  // the shown label of every feature that got a new or changed label, by the normal ranking rule
  const candidates = await tx<Array<RankableLabel & { featureId: number }>>`
    SELECT l."id", l."featureId", l."status", l."source", l."voteScore", l."detectionScore", l."simulationScore", l."pinnedAt"
    FROM "Label" l
    WHERE l."featureId" IN (SELECT "featureId" FROM "LabelPlan" WHERE "action" IN ('add', 'update'))`;
  const byFeature = new Map<number, RankableLabel[]>();
  for (const label of candidates) {
    const list = byFeature.get(label.featureId) ?? [];
    list.push(label);
    byFeature.set(label.featureId, list);
  }
  const shown = [...byFeature].map(([featureId, labels]) => {
    const current = chooseCurrentLabel(labels);
    return { featureId, labelId: current?.id ?? null, status: current?.status ?? null, score: current ? bestScore(current) : null };
  });
  if (shown.length > 0) {
    await tx`
      UPDATE "Feature" f SET "currentLabelId" = s."labelId", "labelStatus" = s."status"::"LabelStatus", "labelScore" = s."score"
      FROM jsonb_to_recordset(${tx.json(shown)}) AS s("featureId" int, "labelId" int, "status" text, "score" real)
      WHERE f."id" = s."featureId"
        AND (f."currentLabelId" IS DISTINCT FROM s."labelId" OR f."labelStatus"::text IS DISTINCT FROM s."status"
             OR f."labelScore" IS DISTINCT FROM s."score")`;
  }

  const tally = await tx<Array<{ action: string; n: number; ids: number[] | null }>>`
    SELECT "action", count(*)::int AS "n", array_agg("labelId" ORDER BY "labelId") FILTER (WHERE "labelId" IS NOT NULL) AS "ids"
    FROM "LabelPlan" GROUP BY "action"`;
  let updatedLabelIds: number[] = [];
  let keptLabelIds: number[] = [];
  for (const { action, n, ids } of tally) {
    if (action === "add") counts.added += n;
    else if (action === "same") counts.unchanged += n;
    else if (action === "skip") counts.skipped += n;
    else if (action === "update") {
      counts.updated += n;
      updatedLabelIds = (ids ?? []).slice(0, AUDIT_ID_LIMIT);
    } else if (action === "kept") {
      counts.keptEditedByPeople += n;
      keptLabelIds = (ids ?? []).slice(0, AUDIT_ID_LIMIT);
    }
  }
  return { counts, updatedLabelIds, keptLabelIds };
}
