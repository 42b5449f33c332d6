/**
 * A model's vocabulary (token id → display text), read from the Token table once per process and
 * kept: every page that shows tokens needs their text, and a Map lookup costs nothing next to a join.
 * Token rows are written once when a model is registered and never change, so a cached copy stays
 * right; it is reloaded after a while anyway so a long-running server never holds a deleted model.
 */
import { db } from "./client";

const VOCABULARY_TTL_MS = 10 * 60_000;
const vocabularies = new Map<number, { loadedAt: number; texts: Promise<Map<number, string>> }>();

/** Token id → text for every token of the model (loaded on first use, shared by concurrent callers). */
export function vocabularyTexts(modelId: number): Promise<Map<number, string>> {
  const cached = vocabularies.get(modelId);
  if (cached && Date.now() - cached.loadedAt < VOCABULARY_TTL_MS) return cached.texts;
  const texts = db()
    .$queryRaw<{ tokenId: number; text: string }[]>`SELECT "tokenId", "text" FROM "Token" WHERE "modelId" = ${modelId}`
    .then((rows) => new Map(rows.map((row) => [row.tokenId, row.text])));
  texts.catch(() => vocabularies.delete(modelId));
  vocabularies.set(modelId, { loadedAt: Date.now(), texts });
  return texts;
}

/** Forget a model's cached vocabulary (after deleting or re-registering it in this process). */
export function forgetVocabulary(modelId: number): void {
  vocabularies.delete(modelId);
}
