/**
 * A fresh, migrated database for one test run: a new database on DATABASE_URL's server when
 * that is set, else a throwaway embedded PostgreSQL 17 on a free port.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { embeddedUrl, withDatabase } from "../../lib/db/connection";
import { findFreePort, startEmbeddedPostgres } from "../../lib/db/embedded";
import { dropDatabase, ensureDatabase } from "../../lib/db/server";
import { migrateDeploy as migrate } from "../../lib/db/migrate";

export interface TestDatabase {
  url: string;
  teardown(): Promise<void>;
}

export async function provisionTestDatabase(label = "test"): Promise<TestDatabase> {
  const name = `featurescope_${label}_${Date.now()}_${process.pid}`;
  const external = process.env.DATABASE_URL;
  if (external) {
    const url = withDatabase(external, name);
    await ensureDatabase(url);
    await migrate(url);
    return { url, teardown: () => dropDatabase(url) };
  }
  const port = await findFreePort();
  // The postgres user must be able to reach it, so not under a private home folder.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-pg-"));
  fs.chmodSync(dataDir, 0o755);
  fs.rmSync(dataDir, { recursive: true });
  // a password of its own: tests never read or write var/postgres-password
  const password = randomBytes(18).toString("base64url");
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    user: "postgres",
    password,
    persistent: false,
  });
  const url = embeddedUrl(name, port, password);
  await ensureDatabase(url);
  await migrate(url);
  return {
    url,
    teardown: async () => {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
