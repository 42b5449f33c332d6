/**
 * Labels and their collaboration: create and edit with revisions and optimistic concurrency, review
 * states, votes that re-rank, the feature's current label, comments, bookmarks. Every label change
 * writes an AuditEvent in the same transaction. Each write locks the feature's row first, so writes
 * to one feature's labels run one at a time and the current-label choice is always consistent.
 */
import { DomainError } from "../api/errors";
import type { Prisma } from "../generated/prisma/client";
import type { CommentDto, LabelConflictDetails, LabelDto } from "../labels/contracts";
import { renderMarkdown } from "../labels/markdown";
import { bestScore, chooseCurrentLabel } from "../labels/ranking";
import type postgres from "postgres";
import { recordAudit } from "./audit";
import { db } from "./client";
import { copyInto, copyLine, rawSql, type TransactionSql } from "./dashboards";

type Tx = Prisma.TransactionClient;
type LabelStatus = "draft" | "accepted" | "rejected";

export interface FeatureAddress {
  featureId: number;
  saeId: number;
  index: number;
}

/** A feature by (saeId, index), or a not_found DomainError. */
export async function resolveFeature(saeId: number, index: number): Promise<FeatureAddress> {
  const feature = await db().feature.findUnique({ where: { saeId_index: { saeId, index } }, select: { id: true } });
  if (!feature) throw new DomainError("not_found", `SAE ${saeId} has no feature ${index}.`);
  return { featureId: feature.id, saeId, index };
}

const labelInclude = {
  author: { select: { id: true, name: true, email: true } },
  feature: { select: { saeId: true, index: true, currentLabelId: true } },
} satisfies Prisma.LabelInclude;

type LabelRow = Prisma.LabelGetPayload<{ include: typeof labelInclude }>;

function displayName(user: { name: string | null; email: string } | null): string | null {
  if (!user) return null;
  return user.name ?? user.email.split("@")[0];
}

function toDto(row: LabelRow, myVote = 0): LabelDto {
  return {
    id: row.id,
    featureId: row.featureId,
    saeId: row.feature.saeId,
    featureIndex: row.feature.index,
    text: row.text,
    source: row.source,
    status: row.status,
    version: row.version,
    author: row.author ? { id: row.author.id, name: displayName(row.author) } : null,
    provenance: row.provenance ?? null,
    detectionScore: row.detectionScore,
    simulationScore: row.simulationScore,
    scoreDetails: row.scoreDetails ?? null,
    voteScore: row.voteScore,
    myVote,
    isCurrent: row.feature.currentLabelId === row.id,
    pinned: row.pinnedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** All of a feature's labels, best first (the same order that picks the current label). */
export async function listFeatureLabels(featureId: number, viewerId: number | null = null) {
  const rows = await db().label.findMany({
    where: { featureId },
    include: { ...labelInclude, votes: viewerId ? { where: { userId: viewerId }, select: { value: true } } : false },
    orderBy: [{ voteScore: "desc" }, { id: "asc" }],
    take: 200,
  });
  const feature = await db().feature.findUnique({ where: { id: featureId }, select: { currentLabelId: true } });
  const statusOrder = { accepted: 0, draft: 1, rejected: 2 } as const;
  const labels = rows
    .map((row) => toDto(row, (row as LabelRow & { votes?: { value: number }[] }).votes?.[0]?.value ?? 0))
    // current first, then the ranking order
    .sort((a, b) => Number(b.isCurrent) - Number(a.isCurrent) || statusOrder[a.status] - statusOrder[b.status] || b.voteScore - a.voteScore || a.id - b.id);
  return { currentLabelId: feature?.currentLabelId ?? null, labels };
}

export async function getLabel(labelId: number, viewerId: number | null = null): Promise<LabelDto | null> {
  const row = await db().label.findUnique({
    where: { id: labelId },
    include: { ...labelInclude, votes: viewerId ? { where: { userId: viewerId }, select: { value: true } } : false },
  });
  return row ? toDto(row, (row as LabelRow & { votes?: { value: number }[] }).votes?.[0]?.value ?? 0) : null;
}

async function lockFeature(tx: Tx, featureId: number): Promise<void> {
  const rows = await tx.$queryRaw<{ id: number }[]>`SELECT "id" FROM "Feature" WHERE "id" = ${featureId} FOR UPDATE`;
  if (rows.length === 0) throw new DomainError("not_found", "The feature does not exist.");
}

/** Re-chooses the feature's current label and denormalises it onto Feature. */
export async function refreshCurrentLabel(tx: Tx, featureId: number): Promise<number | null> {
  const labels = await tx.label.findMany({
    where: { featureId },
    select: { id: true, status: true, source: true, voteScore: true, detectionScore: true, simulationScore: true, pinnedAt: true },
  });
  const current = chooseCurrentLabel(labels);
  await tx.feature.update({
    where: { id: featureId },
    data: {
      currentLabelId: current?.id ?? null,
      labelStatus: current?.status ?? null,
      labelScore: current ? bestScore(current) : null,
    },
  });
  return current?.id ?? null;
}

export interface NewLabel {
  text: string;
  source?: "human" | "model";
  status?: LabelStatus;
  provenance?: Prisma.InputJsonValue;
  detectionScore?: number | null;
  simulationScore?: number | null;
  scoreDetails?: Prisma.InputJsonValue;
  note?: string;
}

/** A new label (human labels start accepted, model labels as drafts) with its first revision. */
export async function createLabel(featureId: number, input: NewLabel, actorId: number | null): Promise<LabelDto> {
  const source = input.source ?? "human";
  const status = input.status ?? (source === "human" ? "accepted" : "draft");
  const id = await db().$transaction(async (tx) => {
    await lockFeature(tx, featureId);
    const label = await tx.label.create({
      data: {
        featureId,
        text: input.text,
        source,
        status,
        authorId: source === "human" ? actorId : null,
        provenance: input.provenance,
        detectionScore: input.detectionScore ?? null,
        simulationScore: input.simulationScore ?? null,
        scoreDetails: input.scoreDetails,
        version: 1,
      },
    });
    await tx.labelRevision.create({
      data: { labelId: label.id, version: 1, text: input.text, status, editorId: actorId, note: input.note ?? (source === "model" ? "machine draft" : null) },
    });
    await refreshCurrentLabel(tx, featureId);
    await recordAudit(
      { actorId, action: "label.create", targetType: "label", targetId: label.id, details: { featureId, source, status, text: input.text } },
      tx,
    );
    return label.id;
  });
  return (await getLabel(id, actorId))!;
}

export interface LabelChange {
  /** The version the editor started from. */
  version?: number;
  text?: string;
  status?: LabelStatus;
  note?: string;
}

/**
 * Edits text and/or status. With `version`, a label changed since that version is not overwritten:
 * the call fails with a conflict whose details carry the stored label and the submitted change, so
 * the client can show both and let the person merge.
 */
export async function updateLabel(labelId: number, change: LabelChange, actorId: number | null, action = "label.update"): Promise<LabelDto> {
  await db().$transaction(async (tx) => {
    const found = await tx.label.findUnique({ where: { id: labelId }, select: { featureId: true } });
    if (!found) throw new DomainError("not_found", `There is no label ${labelId}.`);
    await lockFeature(tx, found.featureId);
    const label = await tx.label.findUniqueOrThrow({ where: { id: labelId } });
    if (change.version !== undefined && change.version !== label.version) {
      const row = await tx.label.findUniqueOrThrow({ where: { id: labelId }, include: labelInclude });
      const details: LabelConflictDetails = {
        current: toDto(row),
        submitted: { version: change.version, text: change.text, status: change.status },
      };
      throw new DomainError(
        "conflict",
        `Label ${labelId} was changed by someone else (you had version ${change.version}, it is now at version ${label.version}). Look at the current version (details.current), merge, and save again.`,
        details,
      );
    }
    const text = change.text ?? label.text;
    const status = change.status ?? label.status;
    if (text === label.text && status === label.status) return; // nothing to record
    const version = label.version + 1;
    // labels written without history (imports, fixtures) get their starting point recorded first
    await tx.labelRevision.createMany({
      data: [{ labelId, version: label.version, text: label.text, status: label.status, editorId: label.authorId, createdAt: label.createdAt }],
      skipDuplicates: true,
    });
    await tx.label.update({ where: { id: labelId }, data: { text, status, version } });
    await tx.labelRevision.create({ data: { labelId, version, text, status, editorId: actorId, note: change.note ?? null } });
    await refreshCurrentLabel(tx, label.featureId);
    await recordAudit(
      {
        actorId,
        action,
        targetType: "label",
        targetId: labelId,
        details: { featureId: label.featureId, version, before: { text: label.text, status: label.status }, after: { text, status } },
      },
      tx,
    );
  });
  return (await getLabel(labelId, actorId))!;
}

/** accept / reject a label (typically a machine draft), or reopen it as a draft. */
export async function reviewLabel(labelId: number, review: { action: "accept" | "reject" | "reopen"; version: number; note?: string }, actorId: number) {
  const status: LabelStatus = review.action === "accept" ? "accepted" : review.action === "reject" ? "rejected" : "draft";
  return updateLabel(labelId, { version: review.version, status, note: review.note ?? review.action }, actorId, `label.${review.action}`);
}

/** Sets (1 / -1) or clears (0) the user's vote; the label's score is the sum, and ranking follows. */
export async function voteOnLabel(labelId: number, userId: number, value: -1 | 0 | 1): Promise<LabelDto> {
  await db().$transaction(async (tx) => {
    const found = await tx.label.findUnique({ where: { id: labelId }, select: { featureId: true } });
    if (!found) throw new DomainError("not_found", `There is no label ${labelId}.`);
    await lockFeature(tx, found.featureId);
    const previous = await tx.vote.findUnique({ where: { labelId_userId: { labelId, userId } } });
    if ((previous?.value ?? 0) === value) return;
    if (value === 0) await tx.vote.delete({ where: { labelId_userId: { labelId, userId } } });
    else await tx.vote.upsert({ where: { labelId_userId: { labelId, userId } }, create: { labelId, userId, value }, update: { value } });
    const sum = await tx.vote.aggregate({ where: { labelId }, _sum: { value: true } });
    await tx.label.update({ where: { id: labelId }, data: { voteScore: sum._sum.value ?? 0 } });
    await refreshCurrentLabel(tx, found.featureId);
    await recordAudit({ actorId: userId, action: "label.vote", targetType: "label", targetId: labelId, details: { from: previous?.value ?? 0, to: value } }, tx);
  });
  return (await getLabel(labelId, userId))!;
}

/** A reviewer makes this label the feature's current one (or hands the choice back to ranking). */
export async function pinLabel(labelId: number, pinned: boolean, actorId: number): Promise<LabelDto> {
  await db().$transaction(async (tx) => {
    const label = await tx.label.findUnique({ where: { id: labelId }, select: { featureId: true, status: true } });
    if (!label) throw new DomainError("not_found", `There is no label ${labelId}.`);
    if (pinned && label.status === "rejected") throw new DomainError("invalid", "A rejected label cannot be the current one; reopen or accept it first.");
    await lockFeature(tx, label.featureId);
    // one pinned label per feature
    await tx.label.updateMany({ where: { featureId: label.featureId, pinnedAt: { not: null } }, data: { pinnedAt: null, pinnedById: null } });
    if (pinned) await tx.label.update({ where: { id: labelId }, data: { pinnedAt: new Date(), pinnedById: actorId } });
    await refreshCurrentLabel(tx, label.featureId);
    await recordAudit({ actorId, action: pinned ? "label.pin" : "label.unpin", targetType: "label", targetId: labelId, details: { featureId: label.featureId } }, tx);
  });
  return (await getLabel(labelId, actorId))!;
}

export async function listRevisions(labelId: number) {
  const label = await db().label.findUnique({ where: { id: labelId }, select: { id: true } });
  if (!label) throw new DomainError("not_found", `There is no label ${labelId}.`);
  const rows = await db().labelRevision.findMany({
    where: { labelId },
    orderBy: { version: "desc" },
    include: { editor: { select: { id: true, name: true, email: true } } },
    take: 500,
  });
  return rows.map((row) => ({
    id: row.id,
    version: row.version,
    text: row.text,
    status: row.status,
    editor: row.editor ? { id: row.editor.id, name: displayName(row.editor) } : null,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
  }));
}

// ---------------------------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------------------------

type CommentRow = Prisma.CommentGetPayload<{ include: { author: { select: { id: true; name: true; email: true } } } }>;

function commentDto(row: CommentRow): CommentDto {
  const deleted = row.deletedAt !== null;
  return {
    id: row.id,
    featureId: row.featureId,
    author: row.author ? { id: row.author.id, name: displayName(row.author) } : null,
    body: deleted ? "" : row.body,
    html: deleted ? "" : renderMarkdown(row.body),
    deleted,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function listComments(featureId: number): Promise<CommentDto[]> {
  const rows = await db().comment.findMany({
    where: { featureId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: { author: { select: { id: true, name: true, email: true } } },
    take: 500,
  });
  return rows.map(commentDto);
}

export async function createComment(featureId: number, body: string, actorId: number): Promise<CommentDto> {
  const row = await db().$transaction(async (tx) => {
    const comment = await tx.comment.create({ data: { featureId, body, authorId: actorId }, include: { author: { select: { id: true, name: true, email: true } } } });
    await recordAudit({ actorId, action: "comment.create", targetType: "comment", targetId: comment.id, details: { featureId } }, tx);
    return comment;
  });
  return commentDto(row);
}

/** Soft delete (the thread keeps its shape); authors delete their own, admins any. */
export async function deleteComment(commentId: number, actor: { id: number; role: string }): Promise<void> {
  await db().$transaction(async (tx) => {
    const comment = await tx.comment.findUnique({ where: { id: commentId } });
    if (!comment || comment.deletedAt) throw new DomainError("not_found", `There is no comment ${commentId}.`);
    if (comment.authorId !== actor.id && actor.role !== "admin") throw new DomainError("forbidden", "Only the author or an admin may delete this comment.");
    await tx.comment.update({ where: { id: commentId }, data: { deletedAt: new Date() } });
    await recordAudit({ actorId: actor.id, action: "comment.delete", targetType: "comment", targetId: commentId, details: { featureId: comment.featureId } }, tx);
  });
}

// ---------------------------------------------------------------------------------------------
// Bookmarks
// ---------------------------------------------------------------------------------------------

export async function isBookmarked(userId: number, featureId: number): Promise<boolean> {
  return (await db().bookmark.count({ where: { userId, featureId } })) > 0;
}

export async function setBookmark(userId: number, featureId: number, bookmarked: boolean): Promise<boolean> {
  if (bookmarked) {
    await db().bookmark.upsert({ where: { userId_featureId: { userId, featureId } }, create: { userId, featureId }, update: {} });
  } else {
    await db().bookmark.deleteMany({ where: { userId, featureId } });
  }
  return bookmarked;
}

export const featureRefSelect = {
  id: true,
  index: true,
  saeId: true,
  currentLabel: { select: { text: true } },
  sae: { select: { name: true, model: { select: { name: true } } } },
} satisfies Prisma.FeatureSelect;

export function featureRef(feature: Prisma.FeatureGetPayload<{ select: typeof featureRefSelect }>) {
  return {
    featureId: feature.id,
    saeId: feature.saeId,
    index: feature.index,
    modelName: feature.sae.model.name,
    saeName: feature.sae.name,
    labelText: feature.currentLabel?.text ?? null,
  };
}

export async function listBookmarks(userId: number) {
  const rows = await db().bookmark.findMany({
    where: { userId },
    orderBy: { id: "desc" },
    take: 500,
    include: { feature: { select: featureRefSelect } },
  });
  return rows.map((row) => ({ ...featureRef(row.feature), createdAt: row.createdAt.toISOString() }));
}

// ---------------------------------------------------------------------------------------------
// Bulk paths: many features' labels in a few set-wise statements
// ---------------------------------------------------------------------------------------------

/**
 * lib/labels/ranking.ts chooseCurrentLabel in SQL, for many features at once: the most recently
 * pinned non-rejected label, else accepted before draft, more votes, human before model, the
 * better machine score (detection, else simulation), the older label. An integration test holds
 * it equal to the TypeScript rule.
 */
const CURRENT_LABEL_ORDER = `l."featureId", (l."pinnedAt" IS NULL), l."pinnedAt" DESC,
  CASE l."status" WHEN 'accepted' THEN 0 ELSE 1 END, l."voteScore" DESC, (l."source" <> 'human'),
  COALESCE(l."detectionScore", l."simulationScore") DESC NULLS LAST, l."id"`;

/** Re-chooses the current label of every feature in `featureIds` (a temp table of ids works too) in one statement. */
export async function refreshCurrentLabels(tx: TransactionSql, featureIds: number[]): Promise<number> {
  const result = await tx.unsafe(`
    WITH affected AS (SELECT DISTINCT unnest($1::int[]) AS id),
    chosen AS (
      SELECT DISTINCT ON (l."featureId") l."featureId", l."id", l."status", COALESCE(l."detectionScore", l."simulationScore") AS score
      FROM "Label" l JOIN affected a ON a.id = l."featureId"
      WHERE l."status" <> 'rejected'
      ORDER BY ${CURRENT_LABEL_ORDER})
    UPDATE "Feature" f SET "currentLabelId" = c."id", "labelStatus" = c."status", "labelScore" = c.score
    FROM affected a LEFT JOIN chosen c ON c."featureId" = a.id
    WHERE f."id" = a.id
      AND (f."currentLabelId", f."labelStatus", f."labelScore") IS DISTINCT FROM (c."id", c."status", c.score::real)`, [featureIds]);
  return result.count;
}

export interface BulkDraft {
  featureId: number;
  text: string;
  detectionScore: number | null;
  simulationScore: number | null;
  provenance: Record<string, unknown>;
  scoreDetails: Record<string, unknown>;
}

/**
 * Machine drafts for many features in one transaction and a handful of set-wise statements: the
 * labels (COPY), their first revisions, the affected features' current labels, one audit event.
 * The search postings follow through the statement-level triggers (lib/db/search-postings.ts), so
 * 100,000 drafts cost seconds, not a trigger call per row. With `replaceMethod`, the untouched
 * drafts an earlier run of the same method left on these features (still draft, version 1, no
 * votes) are replaced rather than piled up.
 */
export async function createDraftLabelsBulk(
  drafts: BulkDraft[],
  options: { actorId?: number | null; note: string; replaceMethod?: string; audit: Record<string, unknown> },
): Promise<{ created: number; replaced: number }> {
  if (drafts.length === 0) return { created: 0, replaced: 0 };
  const featureIds = [...new Set(drafts.map((d) => d.featureId))];
  return rawSql().begin(async (tx) => {
    // the features' rows first, in id order, like every single-label writer (no deadlock with them)
    await tx`SELECT "id" FROM "Feature" WHERE "id" = ANY(${featureIds}) ORDER BY "id" FOR UPDATE`;
    let replaced = 0;
    if (options.replaceMethod) {
      const gone = await tx`
        DELETE FROM "Label" l WHERE l."featureId" = ANY(${featureIds}) AND l."source" = 'model' AND l."status" = 'draft'
          AND l."version" = 1 AND l."voteScore" = 0 AND l."pinnedAt" IS NULL AND l."provenance"->>'method' = ${options.replaceMethod}`;
      replaced = gone.count;
    }
    await tx.unsafe(`CREATE TEMP TABLE "DraftLoad" ("featureId" int, "text" text, "detectionScore" real, "simulationScore" real,
      "provenance" jsonb, "scoreDetails" jsonb) ON COMMIT DROP`);
    await copyInto(tx, `"DraftLoad"`, ["featureId", "text", "detectionScore", "simulationScore", "provenance", "scoreDetails"], (function* () {
      for (const d of drafts) {
        yield copyLine([d.featureId, d.text, d.detectionScore, d.simulationScore, JSON.stringify(d.provenance), JSON.stringify(d.scoreDetails)]);
      }
    })());
    const inserted = await tx`
      WITH created AS (
        INSERT INTO "Label" ("featureId", "text", "source", "status", "provenance", "detectionScore", "simulationScore", "scoreDetails", "version", "updatedAt")
        SELECT "featureId", "text", 'model', 'draft', "provenance", "detectionScore", "simulationScore", "scoreDetails", 1, now()
        FROM "DraftLoad" ORDER BY "featureId"
        RETURNING "id", "text")
      INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "editorId", "note")
      SELECT "id", 1, "text", 'draft', ${options.actorId ?? null}, ${options.note} FROM created`;
    await refreshCurrentLabels(tx, featureIds);
    await tx`
      INSERT INTO "AuditEvent" ("actorId", "action", "targetType", "details")
      VALUES (${options.actorId ?? null}, 'label.bulk_draft', 'label', ${tx.json({ ...options.audit, created: inserted.count, replaced } as postgres.JSONValue)})`;
    return { created: inserted.count, replaced };
  }) as Promise<{ created: number; replaced: number }>;
}

/**
 * Accepts, rejects or reopens many labels in one transaction: each label's status, version and
 * revision, the affected features' current labels and one audit event — set-wise, so a batch of
 * 10,000 reviews costs about what ten single reviews do.
 */
export async function reviewLabelsBulk(labelIds: number[], action: "accept" | "reject" | "reopen", actorId: number, note?: string): Promise<{ changed: number }> {
  const status: LabelStatus = action === "accept" ? "accepted" : action === "reject" ? "rejected" : "draft";
  if (labelIds.length === 0) return { changed: 0 };
  return rawSql().begin(async (tx) => {
    const features = await tx`SELECT DISTINCT "featureId" AS id FROM "Label" WHERE "id" = ANY(${labelIds})`;
    const featureIds = features.map((f) => f.id as number);
    await tx`SELECT "id" FROM "Feature" WHERE "id" = ANY(${featureIds}) ORDER BY "id" FOR UPDATE`;
    // labels written without history get their starting point recorded first (as updateLabel does)
    await tx`
      INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "editorId", "createdAt")
      SELECT "id", "version", "text", "status", "authorId", "createdAt" FROM "Label" WHERE "id" = ANY(${labelIds}) AND "status" <> ${status}
      ON CONFLICT ("labelId", "version") DO NOTHING`;
    const changed = await tx`
      WITH updated AS (
        UPDATE "Label" SET "status" = ${status}, "version" = "version" + 1, "updatedAt" = now()
        WHERE "id" = ANY(${labelIds}) AND "status" <> ${status}
        RETURNING "id", "version", "text")
      INSERT INTO "LabelRevision" ("labelId", "version", "text", "status", "editorId", "note")
      SELECT "id", "version", "text", ${status}, ${actorId}, ${note ?? action} FROM updated`;
    await refreshCurrentLabels(tx, featureIds);
    await tx`
      INSERT INTO "AuditEvent" ("actorId", "action", "targetType", "details")
      VALUES (${actorId}, ${`label.bulk_${action}`}, 'label', ${tx.json({ labels: labelIds.length, changed: changed.count })})`;
    return { changed: changed.count };
  }) as Promise<{ changed: number }>;
}
