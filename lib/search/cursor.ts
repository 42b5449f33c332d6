/** Keyset cursors for ranked search results: the last row's score and feature id, opaque to clients. */

export function encodeSearchCursor(score: number, featureId: number): string {
  return Buffer.from(JSON.stringify([score, featureId])).toString("base64url");
}

/** Null for anything that is not a cursor this module wrote (the search contracts refuse those with 400). */
export function decodeSearchCursor(cursor: string | undefined): { score: number; featureId: number } | null {
  if (!cursor) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // the feature id is compared as a PostgreSQL integer: beyond int4 the query itself would fail
    if (
      Array.isArray(parsed) && parsed.length === 2 && parsed.every((v) => typeof v === "number" && Number.isFinite(v)) &&
      Number.isInteger(parsed[1]) && parsed[1] >= 0 && parsed[1] <= 2_147_483_647
    ) {
      return { score: parsed[0], featureId: parsed[1] };
    }
  } catch {
    // malformed: from the top
  }
  return null;
}
