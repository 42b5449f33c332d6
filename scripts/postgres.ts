/** Starts only the embedded PostgreSQL (the same one `npm start` uses) and keeps it running. */
import { EMBEDDED_DEFAULTS, embeddedDataDir, embeddedUrl } from "../lib/db/connection";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { DatabaseSetupError, ensureDatabase } from "../lib/db/server";

try {
  const server = await startEmbeddedPostgres({ ...EMBEDDED_DEFAULTS, dataDir: embeddedDataDir(), persistent: true });
  await ensureDatabase(embeddedUrl());
  console.log(`PostgreSQL 17 running: DATABASE_URL=${embeddedUrl()}  (Ctrl-C stops it)`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  console.error(error instanceof DatabaseSetupError ? `✖ ${error.message}` : error);
  process.exit(1);
}
