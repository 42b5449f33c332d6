import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort, startEmbeddedPostgres } from "@/lib/db/embedded";
import { DatabaseSetupError, ensureDatabase } from "@/lib/db/server";
import { withDatabase } from "@/lib/db/connection";

const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describe("clear messages, not stack traces", () => {
  it("when the embedded server's port is taken", async () => {
    const port = await findFreePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    servers.push(blocker);
    const attempt = startEmbeddedPostgres({ dataDir: "/tmp/never-created", port, user: "postgres", password: "x", persistent: false });
    await expect(attempt).rejects.toBeInstanceOf(DatabaseSetupError);
    await expect(attempt).rejects.toThrow(`Port ${port} is already in use`);
  });

  it("when nothing listens at DATABASE_URL", async () => {
    const port = await findFreePort();
    const attempt = ensureDatabase(`postgresql://postgres:x@127.0.0.1:${port}/db`);
    await expect(attempt).rejects.toBeInstanceOf(DatabaseSetupError);
    await expect(attempt).rejects.toThrow(/Cannot reach PostgreSQL at 127\.0\.0\.1:\d+: nothing is listening/);
  });

  it("when the password is wrong", async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.password = "definitely-wrong";
    await expect(ensureDatabase(url.toString())).rejects.toThrow(/refused the login/);
  });

  it("creates a missing database on a reachable server", async () => {
    const url = withDatabase(process.env.DATABASE_URL!, `fs_created_${Date.now()}`);
    await expect(ensureDatabase(url)).resolves.toBeGreaterThanOrEqual(14);
  });
});
