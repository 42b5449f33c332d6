/**
 * The hottest read queries (label search) run here, on a plain pg pool, instead of through Prisma:
 * each is a named prepared statement, so PostgreSQL plans a query shape once per connection
 * rather than on every search, and rows come back without the ORM's per-query work. The SQL is
 * still written with Prisma.sql (parameters are never spliced into the text).
 */
import { createHash } from "node:crypto";
import pg from "pg";
import type { Prisma } from "../generated/prisma/client";
import { currentDatabaseUrl, parseDatabaseUrl } from "./connection";

const globalForPool = globalThis as unknown as { featurescopePreparedPool?: pg.Pool };

function pool(): pg.Pool {
  if (!globalForPool.featurescopePreparedPool) {
    const created = new pg.Pool({ ...parseDatabaseUrl(currentDatabaseUrl()), max: Number(process.env.FEATURESCOPE_PG_POOL ?? 10) });
    // an idle connection the server dropped must not crash the process
    created.on("error", () => {});
    globalForPool.featurescopePreparedPool = created;
  }
  return globalForPool.featurescopePreparedPool;
}

/** Runs a query as a named prepared statement (named by a hash of its text) and returns its rows. */
export async function queryPrepared<T>(query: Prisma.Sql): Promise<T[]> {
  const name = `fs_${createHash("sha1").update(query.text).digest("hex").slice(0, 24)}`;
  const result = await pool().query({ name, text: query.text, values: query.values as unknown[] });
  return result.rows as T[];
}

export async function closePreparedPool(): Promise<void> {
  const current = globalForPool.featurescopePreparedPool;
  globalForPool.featurescopePreparedPool = undefined;
  await current?.end();
}
