// Prisma CLI configuration: the JavaScript schema engine over the pg driver adapter, so that
// generate and every migrate command run offline (lib/db/prisma-offline.ts explains why).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { createPgAdapter, reportCatalogTypesAsText } from "./lib/db/prisma-offline";

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  engine: "js",
  async adapter() {
    reportCatalogTypesAsText();
    return createPgAdapter();
  },
});
