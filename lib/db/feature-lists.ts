/** Named, ordered lists of features with notes; shared read-only through an unguessable token. */
import { randomBytes } from "node:crypto";
import { DomainError } from "../api/errors";
import type { FeatureListDto } from "../labels/contracts";
import { recordAudit } from "./audit";
import { db } from "./client";
import { featureRef, featureRefSelect } from "./labels";

/** 128 random bits, URL-safe. */
export function newShareToken(): string {
  return randomBytes(16).toString("base64url");
}

const MAX_ITEMS = 5000;

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

/** The owner's view of a list (with items), or not_found for anyone else (lists are private). */
export async function getOwnList(listId: number, ownerId: number): Promise<FeatureListDto> {
  const row = await db().featureList.findUnique({ where: { id: listId }, include: listInclude });
  if (!row || row.ownerId !== ownerId) throw new DomainError("not_found", `You have no list ${listId}.`);
  return { ...listDto(row, ownerId), items: await items(listId) };
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
