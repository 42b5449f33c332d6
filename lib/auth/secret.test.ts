import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const saved = { secret: process.env.AUTH_SECRET, file: process.env.FEATURESCOPE_AUTH_SECRET_FILE };

afterEach(() => {
  process.env.AUTH_SECRET = saved.secret;
  if (saved.secret === undefined) delete process.env.AUTH_SECRET;
  process.env.FEATURESCOPE_AUTH_SECRET_FILE = saved.file;
  if (saved.file === undefined) delete process.env.FEATURESCOPE_AUTH_SECRET_FILE;
});

async function freshModule() {
  vi.resetModules();
  return import("./secret");
}

describe("the session secret", () => {
  it("uses AUTH_SECRET when set", async () => {
    process.env.AUTH_SECRET = "from-the-environment-0123456789abcdef";
    const { resolveAuthSecret } = await freshModule();
    expect(resolveAuthSecret()).toBe("from-the-environment-0123456789abcdef");
  });

  it("otherwise generates one into a 0600 file and reuses it after a restart", async () => {
    delete process.env.AUTH_SECRET;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fs-secret-"));
    process.env.FEATURESCOPE_AUTH_SECRET_FILE = path.join(dir, "var", "auth-secret");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const first = (await freshModule()).resolveAuthSecret();
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(process.env.FEATURESCOPE_AUTH_SECRET_FILE).mode & 0o777).toBe(0o600);
    expect(log).toHaveBeenCalledTimes(1);

    delete process.env.AUTH_SECRET; // a new process would not have it either
    const second = (await freshModule()).resolveAuthSecret();
    expect(second).toBe(first);
    expect(log).toHaveBeenCalledTimes(1);
    log.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
