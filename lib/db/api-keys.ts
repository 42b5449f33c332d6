/** API keys in the database: create (the plain key is returned once), list, revoke, look up by hash. */
import type { Prisma } from "../generated/prisma/client";
import { generateApiKey, hashApiKey, normaliseScopes, type ApiKeyScope } from "../auth/api-keys";
import { db } from "./client";
import { recordAudit } from "./audit";
import { DomainError } from "../api/errors";

export const apiKeySelect = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
} satisfies Prisma.ApiKeySelect;

type ApiKeyRow = Prisma.ApiKeyGetPayload<{ select: typeof apiKeySelect }>;
export type ApiKeySummary = Omit<ApiKeyRow, "scopes"> & { scopes: ApiKeyScope[] };

function toSummary(row: ApiKeyRow): ApiKeySummary {
  return { ...row, scopes: normaliseScopes(row.scopes) };
}

/** A user may hold this many unrevoked keys; more is almost always forgotten keys. */
export const MAX_ACTIVE_KEYS_PER_USER = 25;
/** lastUsedAt is written at most this often per key, so busy scripts don't write on every request. */
export const LAST_USED_THROTTLE_MS = 60_000;

export async function createApiKey(
  userId: number,
  input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date | null },
): Promise<{ key: string; apiKey: ApiKeySummary }> {
  const { key, prefix, keyHash } = generateApiKey();
  const scopes = normaliseScopes(input.scopes);
  const apiKey = await db().$transaction(async (tx) => {
    const active = await tx.apiKey.count({ where: { userId, revokedAt: null } });
    if (active >= MAX_ACTIVE_KEYS_PER_USER) {
      throw new DomainError("conflict", `You already have ${active} active API keys; revoke unused ones first.`);
    }
    const created = await tx.apiKey.create({
      data: { userId, name: input.name, prefix, keyHash, scopes, expiresAt: input.expiresAt ?? null },
      select: apiKeySelect,
    });
    await recordAudit(
      { actorId: userId, action: "apikey.create", targetType: "ApiKey", targetId: created.id,
        details: { name: input.name, prefix, scopes, expiresAt: input.expiresAt?.toISOString() ?? null } },
      tx,
    );
    return created;
  });
  return { key, apiKey: toSummary(apiKey) };
}

export async function listApiKeys(userId: number): Promise<ApiKeySummary[]> {
  const rows = await db().apiKey.findMany({
    where: { userId },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { id: "desc" }],
    select: apiKeySelect,
  });
  return rows.map(toSummary);
}

/** Revokes one of the user's keys; returns null when the user has no such key. Idempotent. */
export async function revokeApiKey(userId: number, id: number): Promise<ApiKeySummary | null> {
  return db().$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id, userId }, select: apiKeySelect });
    if (!key) return null;
    if (key.revokedAt) return toSummary(key);
    const revoked = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: apiKeySelect });
    await recordAudit(
      { actorId: userId, action: "apikey.revoke", targetType: "ApiKey", targetId: id, details: { prefix: key.prefix } },
      tx,
    );
    return toSummary(revoked);
  });
}

/** The stored key (with its owner) for a presented plain key, whatever its state. */
export async function findApiKeyByPlainKey(key: string) {
  return db().apiKey.findUnique({
    where: { keyHash: hashApiKey(key) },
    include: { user: { select: { id: true, email: true, name: true, role: true, disabledAt: true } } },
  });
}

/** Records use, at most once per LAST_USED_THROTTLE_MS per key (the condition is in SQL, so it holds across processes). */
export async function touchApiKey(id: number, lastUsedAt: Date | null, now = new Date()): Promise<void> {
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_THROTTLE_MS) return;
  const threshold = new Date(now.getTime() - LAST_USED_THROTTLE_MS);
  await db().apiKey.updateMany({
    where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: threshold } }] },
    data: { lastUsedAt: now },
  });
}
