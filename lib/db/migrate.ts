/**
 * Brings a database's schema up to date: the committed migrations (prisma migrate deploy, offline),
 * then the routines Prisma's migration engine cannot apply (label search's triggers,
 * lib/db/search-postings.ts).
 */
import path from "node:path";
import { spawnSync } from "node:child_process";
import { prismaCliEnv } from "./prisma-offline";
import { installSearchRoutines } from "./search-postings";

export async function migrateDeploy(url: string): Promise<void> {
  const cli = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "node_modules/prisma/build/index.js");
  const result = spawnSync(process.execPath, [cli, "migrate", "deploy"], {
    env: prismaCliEnv({ ...process.env, DATABASE_URL: url }),
    encoding: "utf8",
  });
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => l.trim() && !l.includes("Unknown project config")).slice(-12).join("\n");
    throw new Error(`applying migrations failed:\n${output}`);
  }
  await installSearchRoutines(url);
}
