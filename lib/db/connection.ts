/** Where the database is: DATABASE_URL when set, else the embedded default, as discrete fields. */
import path from "node:path";
import { persistedSecret } from "../config/persisted-secret";

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
  database: "featurescope",
};

/**
 * The superuser password every embedded cluster had before passwords were generated. Data folders
 * made then still have it; the first start with a generated password changes it
 * (lib/db/embedded.ts migrateSuperuserPassword).
 */
export const LEGACY_EMBEDDED_PASSWORD = "featurescope";

/**
 * The embedded cluster's superuser password: FEATURESCOPE_PG_PASSWORD, else generated once into
 * var/postgres-password (mode 0600), like the session and inference secrets. Anyone on the
 * machine who can reach the port no longer gets in with a password printed in the README.
 */
export function embeddedPassword(): string {
  return persistedSecret({ envVar: "FEATURESCOPE_PG_PASSWORD", file: "var/postgres-password", purpose: "embedded PostgreSQL superuser password" });
}

/** Options for startEmbeddedPostgres: the defaults, the generated password and the data folder. */
export function embeddedServerOptions() {
  return { ...EMBEDDED_DEFAULTS, password: embeddedPassword(), legacyPasswords: [LEGACY_EMBEDDED_PASSWORD], dataDir: embeddedDataDir(), persistent: true };
}

/** The embedded cluster's data folder, inside the project so it survives restarts. */
export function embeddedDataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.FEATURESCOPE_PG_DIR ?? "var/postgres");
}

export function embeddedUrl(database = EMBEDDED_DEFAULTS.database, port = EMBEDDED_DEFAULTS.port, password = embeddedPassword()): string {
  const { user, host } = EMBEDDED_DEFAULTS;
  return `postgresql://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
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
