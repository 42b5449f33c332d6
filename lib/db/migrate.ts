/** Applies the committed migrations (prisma migrate deploy, offline) to a database. */
import path from "node:path";
import { spawnSync } from "node:child_process";
import { prismaCliEnv } from "./prisma-offline";

export function migrateDeploy(url: string): void {
  const cli = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "node_modules/prisma/build/index.js");
  const result = spawnSync(process.execPath, [cli, "migrate", "deploy"], {
    env: prismaCliEnv({ ...process.env, DATABASE_URL: url }),
    encoding: "utf8",
  });
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => l.trim() && !l.includes("Unknown project config")).slice(-12).join("\n");
    throw new Error(`applying migrations failed:\n${output}`);
  }
}
