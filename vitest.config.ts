import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "workers/**/*.test.ts", "tests/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          // next-auth imports "next/server" without an extension, which Node's ESM resolver refuses
          // (next has no exports map); inlining lets Vite resolve it as Next.js does.
          server: { deps: { inline: ["next-auth", "@auth/core"] } },
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/integration-env.ts"],
          // one database for the run: files run one after another
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // hostile requests against a running production server: `npm run test:abuse` starts it
          // (scripts/test.ts) and passes ABUSE_BASE_URL and the server's DATABASE_URL
          name: "abuse",
          include: ["tests/abuse/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
