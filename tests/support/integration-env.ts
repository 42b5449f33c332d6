/** Runs in every integration test file before its imports resolve: point lib/db at the test database. */
import { inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
