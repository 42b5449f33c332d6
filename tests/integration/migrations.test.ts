import path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { prismaCliEnv } from "@/lib/db/prisma-offline";

describe("migrations", () => {
  it("agree with prisma/schema.prisma (migrate dev would create nothing)", () => {
    const result = spawnSync(process.execPath, [
      path.resolve("node_modules/prisma/build/index.js"), "migrate", "diff",
      "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--exit-code",
    ], { env: prismaCliEnv({ ...process.env }), encoding: "utf8" });
    expect(result.stdout + result.stderr).toContain("No difference detected");
    expect(result.status).toBe(0);
  }, 60_000);
});
