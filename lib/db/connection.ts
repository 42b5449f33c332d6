/** Where the database is: DATABASE_URL when set, else the embedded default, as discrete fields. */
import path from "node:path";

export interface ConnectionFields {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The embedded PostgreSQL the README's first command starts when DATABASE_URL is not set. */
export const EMBEDDED_DEFAULTS = {
  host: "127.0.0.1",
  port: Number(process.env.FEATURESCOPE_PG_PORT ?? 54329),
  user: "postgres",
  password: "featurescope",
  database: "featurescope",
};

/** The embedded cluster's data folder, inside the project so it survives restarts. */
export function embeddedDataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.FEATURESCOPE_PG_DIR ?? "var/postgres");
}

export function embeddedUrl(database = EMBEDDED_DEFAULTS.database, port = EMBEDDED_DEFAULTS.port): string {
  const { user, password, host } = EMBEDDED_DEFAULTS;
  return `postgresql://${user}:${password}@${host}:${port}/${database}`;
}

/** Parses a postgres:// URL into the discrete fields the Prisma adapter needs. */
export function parseDatabaseUrl(url: string): ConnectionFields {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`DATABASE_URL is not a valid URL (expected postgresql://user:password@host:port/database)`);
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new Error(`DATABASE_URL must start with postgresql:// (got ${parsed.protocol}//)`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (!database) throw new Error("DATABASE_URL names no database (add /<database> after the host)");
  return {
    host: parsed.hostname || "localhost",
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username || "postgres"),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The connection the current process should use. */
export function currentDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? embeddedUrl();
}
