/**
 * A fresh, migrated database for one test run: a new database on DATABASE_URL's server when
 * that is set, else a throwaway embedded PostgreSQL 17 on a free port.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { embeddedUrl, withDatabase } from "../../lib/db/connection";
import { findFreePort, startEmbeddedPostgres } from "../../lib/db/embedded";
import { dropDatabase, ensureDatabase } from "../../lib/db/server";
import { prismaCliEnv } from "../../lib/db/prisma-offline";

export interface TestDatabase {
  url: string;
  teardown(): Promise<void>;
}

export function migrate(url: string): void {
  const cli = path.resolve("node_modules/prisma/build/index.js");
  const result = spawnSync(process.execPath, [cli, "migrate", "deploy"], {
    env: prismaCliEnv({ ...process.env, DATABASE_URL: url }),
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`prisma migrate deploy failed on the test database:\n${result.stdout}\n${result.stderr}`);
  }
}

export async function provisionTestDatabase(label = "test"): Promise<TestDatabase> {
  const name = `featurescope_${label}_${Date.now()}_${process.pid}`;
  const external = process.env.DATABASE_URL;
  if (external) {
    const url = withDatabase(external, name);
    await ensureDatabase(url);
    migrate(url);
    return { url, teardown: () => dropDatabase(url) };
  }
  const port = await findFreePort();
  // The postgres user must be able to reach it, so not under a private home folder.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-pg-"));
  fs.chmodSync(dataDir, 0o755);
  fs.rmSync(dataDir, { recursive: true });
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    user: "postgres",
    password: "featurescope",
    persistent: false,
  });
  const url = embeddedUrl(name, port);
  await ensureDatabase(url);
  migrate(url);
  return {
    url,
    teardown: async () => {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
