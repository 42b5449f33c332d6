/** Starts only the embedded PostgreSQL (the same one `npm start` uses) and keeps it running. */
import { embeddedServerOptions, embeddedUrl } from "../lib/db/connection";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { DatabaseSetupError, ensureDatabase } from "../lib/db/server";

try {
  const server = await startEmbeddedPostgres(embeddedServerOptions());
  await ensureDatabase(embeddedUrl());
  // the URL holds the generated password (var/postgres-password): it is printed for the person running this
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
