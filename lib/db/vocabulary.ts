/**
 * A model's vocabulary (token id → display text), read from the Token table once per process and
 * kept: every page that shows tokens needs their text, and a Map lookup costs nothing next to a join.
 * Token rows are written once when a model is registered and never change, so a cached copy stays
 * right; it is reloaded after a while anyway so a long-running server never holds a deleted model.
 */
import { db } from "./client";

const VOCABULARY_TTL_MS = 10 * 60_000;
// A model known by name only gains Token rows with every dashboard import (lib/db/dashboard-import.ts)
const GROWING_VOCABULARY_TTL_MS = 5_000;
const vocabularies = new Map<number, { loadedAt: number; ttl: number; texts: Promise<Map<number, string>> }>();

/** Token id → text for every token of the model (loaded on first use, shared by concurrent callers). */
export function vocabularyTexts(modelId: number): Promise<Map<number, string>> {
  const cached = vocabularies.get(modelId);
  if (cached && Date.now() - cached.loadedAt < cached.ttl) return cached.texts;
  const entry = { loadedAt: Date.now(), ttl: VOCABULARY_TTL_MS, texts: Promise.resolve(new Map<number, string>()) };
  entry.texts = db()
    .$queryRaw<{ tokenId: number; text: string; grows: boolean }[]>`
      SELECT t."tokenId", t."text", m."packagePath" IS NULL AS "grows"
      FROM "Token" t JOIN "Model" m ON m."id" = t."modelId" WHERE t."modelId" = ${modelId}`
    .then((rows) => {
      if (rows[0]?.grows) entry.ttl = GROWING_VOCABULARY_TTL_MS;
      return new Map(rows.map((row) => [row.tokenId, row.text]));
    });
  entry.texts.catch(() => vocabularies.delete(modelId));
  vocabularies.set(modelId, entry);
  const texts = entry.texts;
  return texts;
}

/** Forget a model's cached vocabulary (after deleting or re-registering it in this process). */
export function forgetVocabulary(modelId: number): void {
  vocabularies.delete(modelId);
}
