/** Runs the Prisma CLI offline: `npm run prisma -- migrate dev --name x` (see lib/db/prisma-offline.ts). */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { prismaCliEnv } from "../lib/db/prisma-offline";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: prismaCliEnv(),
});
process.exit(result.status ?? 1);
