/** Checks a PostgreSQL server before use: reachable, a supported version, the database present. */
import pg from "pg";
import { parseDatabaseUrl, type ConnectionFields } from "./connection";

export const SUPPORTED_MAJOR = { min: 14, max: 17 };

export class DatabaseSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseSetupError";
  }
}

function describe(fields: ConnectionFields): string {
  return `${fields.user}@${fields.host}:${fields.port}/${fields.database}`;
}

/** Turns a driver error into one sentence a person can act on. */
export function explainConnectionError(error: unknown, fields: ConnectionFields): string {
  const err = error as { code?: string; message?: string };
  const where = describe(fields);
  switch (err.code) {
    case "ECONNREFUSED":
      return `Cannot reach PostgreSQL at ${fields.host}:${fields.port}: nothing is listening there. Start the server, fix DATABASE_URL, or unset it to use the embedded default.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Cannot reach PostgreSQL: the host "${fields.host}" does not resolve. Check DATABASE_URL.`;
    case "ETIMEDOUT":
      return `Cannot reach PostgreSQL at ${fields.host}:${fields.port}: the connection timed out.`;
    case "28P01":
    case "28000":
      return `PostgreSQL refused the login for ${where}: wrong user or password in DATABASE_URL.`;
    case "3D000":
      return `The database "${fields.database}" does not exist on ${fields.host}:${fields.port}.`;
    default:
      return `Cannot use PostgreSQL at ${where}: ${err.message ?? String(error)}`;
  }
}

export async function serverMajorVersion(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ server_version_num: string }>("SHOW server_version_num");
  return Math.floor(Number(rows[0].server_version_num) / 10000);
}

export function checkSupportedVersion(major: number): void {
  if (major > SUPPORTED_MAJOR.max) {
    throw new DatabaseSetupError(
      `PostgreSQL ${major} is not supported: Prisma 6's schema engine fails on it. Use PostgreSQL ${SUPPORTED_MAJOR.min}–${SUPPORTED_MAJOR.max} (the embedded default is 17).`,
    );
  }
  if (major < SUPPORTED_MAJOR.min) {
    throw new DatabaseSetupError(
      `PostgreSQL ${major} is too old: Featurescope needs ${SUPPORTED_MAJOR.min}–${SUPPORTED_MAJOR.max}.`,
    );
  }
}

async function connect(fields: ConnectionFields): Promise<pg.Client> {
  const client = new pg.Client({ ...fields, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DatabaseSetupError(explainConnectionError(error, fields));
  }
}

/**
 * Verifies the server behind `url` and creates its database when missing (connecting to the
 * `postgres` maintenance database for that). Returns the server's major version.
 */
export async function ensureDatabase(url: string): Promise<number> {
  const fields = parseDatabaseUrl(url);
  const admin = await connect({ ...fields, database: "postgres" }).catch(async (error) => {
    // Some hosted servers forbid the maintenance database: fall back to the target itself.
    if (error instanceof DatabaseSetupError) return connect(fields);
    throw error;
  });
  try {
    const major = await serverMajorVersion(admin);
    checkSupportedVersion(major);
    if (admin.database !== fields.database) {
      const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [fields.database]);
      if (!rowCount) await admin.query(`CREATE DATABASE "${fields.database.replaceAll('"', '""')}"`);
    }
    return major;
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const fields = parseDatabaseUrl(url);
  const admin = await connect({ ...fields, database: "postgres" });
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${fields.database.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
