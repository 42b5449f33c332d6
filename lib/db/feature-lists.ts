/** Named, ordered lists of features with notes; shared read-only through an unguessable token. */
import { randomBytes } from "node:crypto";
import { DomainError } from "../api/errors";
import type { FeatureListDto } from "../labels/contracts";
import { recordAudit } from "./audit";
import { db } from "./client";
import { featureRef, featureRefSelect } from "./labels";
import { Prisma } from "../generated/prisma/client";

/** 128 random bits, URL-safe. */
export function newShareToken(): string {
  return randomBytes(16).toString("base64url");
}

/** A list holds at most this many features. */
export const MAX_ITEMS = 5000;
/** Features one bulk add may carry (a search page shows far fewer). */
export const MAX_BULK_ITEMS = 500;

type ListRow = {
  id: number; name: string; description: string | null; isPublic: boolean; shareToken: string;
  ownerId: number; createdAt: Date; updatedAt: Date;
  owner: { id: number; name: string | null; email: string };
  _count: { items: number };
};

const listInclude = { owner: { select: { id: true, name: true, email: true } }, _count: { select: { items: true } } } as const;

function listDto(row: ListRow, viewerId: number | null): FeatureListDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    isPublic: row.isPublic,
    shareToken: viewerId === row.ownerId ? row.shareToken : null,
    owner: { id: row.owner.id, name: row.owner.name ?? row.owner.email.split("@")[0] },
    itemCount: row._count.items,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function items(listId: number) {
  const rows = await db().featureListItem.findMany({
    where: { listId },
    orderBy: [{ position: "asc" }, { id: "asc" }],
    take: MAX_ITEMS,
    include: { feature: { select: featureRefSelect } },
  });
  return rows.map((row) => ({ ...featureRef(row.feature), position: row.position, note: row.note }));
}

export async function listMyLists(ownerId: number): Promise<FeatureListDto[]> {
  const rows = await db().featureList.findMany({ where: { ownerId }, orderBy: { updatedAt: "desc" }, include: listInclude, take: 500 });
  return rows.map((row) => listDto(row, ownerId));
}

/** The owner's view of a list without its items, or not_found for anyone else (lists are private). */
export async function getOwnListSummary(listId: number, ownerId: number): Promise<FeatureListDto> {
  const row = await db().featureList.findUnique({ where: { id: listId }, include: listInclude });
  if (!row || row.ownerId !== ownerId) throw new DomainError("not_found", `You have no list ${listId}.`);
  return listDto(row, ownerId);
}

/** The owner's view of a list (with items), or not_found for anyone else (lists are private). */
export async function getOwnList(listId: number, ownerId: number): Promise<FeatureListDto> {
  return { ...(await getOwnListSummary(listId, ownerId)), items: await items(listId) };
}

/** A list through its share link: only while the owner shares it. */
export async function getSharedList(shareToken: string, viewerId: number | null = null): Promise<FeatureListDto | null> {
  const row = await db().featureList.findUnique({ where: { shareToken }, include: listInclude });
  if (!row || (!row.isPublic && row.ownerId !== viewerId)) return null;
  return { ...listDto(row, viewerId), items: await items(row.id) };
}

export async function createList(ownerId: number, input: { name: string; description?: string; isPublic?: boolean }): Promise<FeatureListDto> {
  const row = await db().$transaction(async (tx) => {
    const list = await tx.featureList.create({
      data: { ownerId, name: input.name, description: input.description ?? null, isPublic: input.isPublic ?? false, shareToken: newShareToken() },
      include: listInclude,
    });
    await recordAudit({ actorId: ownerId, action: "list.create", targetType: "feature_list", targetId: list.id, details: { name: input.name } }, tx);
    return list;
  });
  return { ...listDto(row, ownerId), items: [] };
}

export async function updateList(
  listId: number,
  ownerId: number,
  change: { name?: string; description?: string | null; isPublic?: boolean; rotateShareToken?: boolean },
): Promise<FeatureListDto> {
  await getOwnList(listId, ownerId);
  await db().$transaction(async (tx) => {
    await tx.featureList.update({
      where: { id: listId },
      data: {
        name: change.name,
        description: change.description,
        isPublic: change.isPublic,
        shareToken: change.rotateShareToken ? newShareToken() : undefined,
      },
    });
    await recordAudit({ actorId: ownerId, action: "list.update", targetType: "feature_list", targetId: listId, details: { ...change } }, tx);
  });
  return getOwnList(listId, ownerId);
}

export async function deleteList(listId: number, ownerId: number): Promise<void> {
  await getOwnList(listId, ownerId);
  await db().$transaction(async (tx) => {
    await tx.featureList.delete({ where: { id: listId } });
    await recordAudit({ actorId: ownerId, action: "list.delete", targetType: "feature_list", targetId: listId }, tx);
  });
}

/** Appends a feature (or updates its note when it is already in the list). */
export async function addListItem(listId: number, ownerId: number, featureId: number, note?: string): Promise<FeatureListDto> {
  const list = await getOwnList(listId, ownerId);
  if (list.itemCount >= MAX_ITEMS) throw new DomainError("invalid", `A list holds at most ${MAX_ITEMS} features.`);
  await db().$transaction(async (tx) => {
    const last = await tx.featureListItem.aggregate({ where: { listId }, _max: { position: true } });
    await tx.featureListItem.upsert({
      where: { listId_featureId: { listId, featureId } },
      create: { listId, featureId, note: note ?? null, position: (last._max.position ?? -1) + 1 },
      update: { note: note ?? undefined },
    });
    await tx.featureList.update({ where: { id: listId }, data: { updatedAt: new Date() } });
  });
  return getOwnList(listId, ownerId);
}

export async function removeListItem(listId: number, ownerId: number, featureId: number): Promise<FeatureListDto> {
  await getOwnList(listId, ownerId);
  await db().featureListItem.deleteMany({ where: { listId, featureId } });
  return getOwnList(listId, ownerId);
}

/** A feature by its address: SAE id and index. */
export interface FeatureAddressInput {
  saeId: number;
  index: number;
}

/**
 * Appends features to one of the owner's lists in the order given, skipping those already in it
 * (idempotent: adding the same features again adds nothing). Every feature must exist, or nothing
 * is added. The list row is locked for the transaction, so concurrent adds to one list neither
 * collide on positions nor pass the size limit together.
 */
export async function addListItems(
  listId: number,
  ownerId: number,
  features: FeatureAddressInput[],
): Promise<{ list: FeatureListDto; added: number; alreadyInList: number }> {
  const wanted = [...new Map(features.map((f) => [`${f.saeId}:${f.index}`, f])).values()];
  if (wanted.length > MAX_BULK_ITEMS) throw new DomainError("invalid", `Add at most ${MAX_BULK_ITEMS} features at once.`);
  const bySae = new Map<number, number[]>();
  for (const f of wanted) bySae.set(f.saeId, [...(bySae.get(f.saeId) ?? []), f.index]);
  const rows = wanted.length === 0 ? [] : await db().feature.findMany({
    where: { OR: [...bySae].map(([saeId, indices]) => ({ saeId, index: { in: indices } })) },
    select: { id: true, saeId: true, index: true },
  });
  const idOf = new Map(rows.map((row) => [`${row.saeId}:${row.index}`, row.id]));
  const missing = wanted.filter((f) => !idOf.has(`${f.saeId}:${f.index}`));
  if (missing.length > 0) {
    const named = missing.slice(0, 5).map((f) => `SAE ${f.saeId} #${f.index}`).join(", ");
    throw new DomainError("not_found", `No such feature${missing.length === 1 ? "" : "s"}: ${named}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}.`, { missing });
  }
  const featureIds = wanted.map((f) => idOf.get(`${f.saeId}:${f.index}`) as number);

  const added = await db().$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ ownerId: number }[]>`SELECT "ownerId" FROM "FeatureList" WHERE "id" = ${listId} FOR UPDATE`;
    if (!locked || locked.ownerId !== ownerId) throw new DomainError("not_found", `You have no list ${listId}.`);
    const present = new Set(
      (await tx.featureListItem.findMany({ where: { listId, featureId: { in: featureIds } }, select: { featureId: true } })).map((row) => row.featureId),
    );
    const fresh = featureIds.filter((id) => !present.has(id));
    if (fresh.length === 0) return 0;
    const count = await tx.featureListItem.count({ where: { listId } });
    if (count + fresh.length > MAX_ITEMS) {
      throw new DomainError("invalid", `A list holds at most ${MAX_ITEMS} features; this one has ${count}, and ${fresh.length} would be added.`);
    }
    const last = await tx.featureListItem.aggregate({ where: { listId }, _max: { position: true } });
    const start = (last._max.position ?? -1) + 1;
    const created = await tx.featureListItem.createMany({
      data: fresh.map((featureId, i) => ({ listId, featureId, position: start + i })),
      skipDuplicates: true,
    });
    await tx.featureList.update({ where: { id: listId }, data: { updatedAt: new Date() } });
    await recordAudit({ actorId: ownerId, action: "list.add_items", targetType: "feature_list", targetId: listId, details: { added: created.count, requested: featureIds.length } }, tx);
    return created.count;
  });
  return { list: await getOwnListSummary(listId, ownerId), added, alreadyInList: featureIds.length - added };
}

/** Keyset cursor of a list's items: position and row id (positions are unique in practice, ids break ties). */
export function encodeItemCursor(position: number, id: number): string {
  return `${position}.${id}`;
}

function decodeItemCursor(cursor: string | undefined): { position: number; id: number } | null {
  const match = cursor ? /^(-?\d{1,10})\.(\d{1,10})$/.exec(cursor) : null;
  if (cursor && !match) throw new DomainError("invalid", "after: not a cursor from a previous page.");
  return match ? { position: Number(match[1]), id: Number(match[2]) } : null;
}

export type ListItemDto = NonNullable<FeatureListDto["items"]>[number];

/** One page of a list's features, in list order, for its owner (not_found for anyone else). */
export async function listItemsPage(
  listId: number,
  ownerId: number,
  page: { after?: string; limit: number },
): Promise<{ items: ListItemDto[]; nextCursor: string | null }> {
  const list = await db().featureList.findUnique({ where: { id: listId }, select: { ownerId: true } });
  if (!list || list.ownerId !== ownerId) throw new DomainError("not_found", `You have no list ${listId}.`);
  const cursor = decodeItemCursor(page.after);
  const where: Prisma.FeatureListItemWhereInput = cursor
    ? { listId, OR: [{ position: { gt: cursor.position } }, { position: cursor.position, id: { gt: cursor.id } }] }
    : { listId };
  const rows = await db().featureListItem.findMany({
    where,
    orderBy: [{ position: "asc" }, { id: "asc" }],
    take: page.limit + 1,
    include: { feature: { select: featureRefSelect } },
  });
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map((row) => ({ ...featureRef(row.feature), position: row.position, note: row.note })),
    nextCursor: rows.length > page.limit && last ? encodeItemCursor(last.position, last.id) : null,
  };
}
