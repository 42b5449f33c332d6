/**
 * A digest of everything stored: one md5 per table of the app's schema over its rows as JSON, in a
 * fixed order. Comparing digests before and after a batch of rejected requests proves none of them
 * changed a row. Left out, because they change on their own or by design on every request:
 * worker heartbeats (written every few seconds), the migrations table, ApiKey.lastUsedAt (a key's
 * use is recorded even when the request it carried is then refused), and label search's typo
 * lexicon (SearchLexeme, SearchLexiconState): a cache that any search brings up to date with the
 * labels once they have settled for a while, derived from Label and LabelRevision, which are digested.
 */
import { db } from "@/lib/db/client";

const SKIPPED_TABLES = new Set(["WorkerHeartbeat", "_prisma_migrations", "SearchLexeme", "SearchLexiconState"]);
const SKIPPED_COLUMNS: Record<string, string[]> = { ApiKey: ["lastUsedAt"] };

export type Digest = Record<string, string>;

export async function databaseDigest(): Promise<Digest> {
  const tables = await db().$queryRaw<{ table_name: string }[]>`
    SELECT table_name::text AS table_name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const digest: Digest = {};
  for (const { table_name: table } of tables) {
    if (SKIPPED_TABLES.has(table)) continue;
    const drop = (SKIPPED_COLUMNS[table] ?? []).map((c) => ` - '${c}'`).join("");
    const rows = await db().$queryRawUnsafe<{ digest: string; count: number }[]>(
      `SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS digest, count(*)::int AS count
       FROM (SELECT (to_jsonb(t)${drop})::text AS r FROM "${table}" t) rows`,
    );
    digest[table] = `${rows[0].count}:${rows[0].digest}`;
  }
  return digest;
}

/** The tables whose rows differ, for a failure message. */
export function changedTables(before: Digest, after: Digest): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).map((name) => `${name} (${before[name] ?? "absent"} → ${after[name] ?? "absent"})`);
}
