/**
 * The served OpenAPI document passes @redocly/cli's recommended rules: no errors, and no warning on
 * any operation or path (operation ids, 4xx responses, ambiguous paths). Document-level advice that
 * is a deployment's choice stays allowed: a license (the project has none to state) and a server
 * URL on localhost (the document names the host it is served from).
 * Redocly runs offline: telemetry off (REDOCLY_TELEMETRY=off and `telemetry: off` in the config),
 * no update check (REDOCLY_SUPPRESS_UPDATE_NOTICE).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BASE_URL } from "./support/server";

const DOCUMENT_LEVEL_ALLOWED = new Set(["info-license", "no-server-example.com"]);

interface Problem { ruleId: string; severity: "error" | "warn"; message: string; location: { pointer?: string }[] }

export async function lintOpenApi(document: unknown): Promise<Problem[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "featurescope-openapi-"));
  try {
    const file = path.join(dir, "openapi.json");
    fs.writeFileSync(file, JSON.stringify(document));
    fs.writeFileSync(path.join(dir, "redocly.yaml"), "extends:\n  - recommended\ntelemetry: off\n");
    const cli = path.resolve("node_modules/@redocly/cli/bin/cli.js");
    const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };
    const result = await promisify(execFile)(process.execPath, [cli, "lint", file, "--format=json", `--config=${path.join(dir, "redocly.yaml")}`], { env, cwd: dir, maxBuffer: 64 * 1024 * 1024 })
      // exit code 1 means "problems found": the JSON report is still on stdout
      .catch((error: { stdout?: string; stderr?: string }) => {
        if (error.stdout) return { stdout: error.stdout };
        throw new Error(`redocly lint failed to run: ${error.stderr ?? String(error)}`);
      });
    const json = result.stdout.slice(result.stdout.indexOf("{"));
    return (JSON.parse(json) as { problems: Problem[] }).problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the OpenAPI document", () => {
  it("passes Redocly's recommended rules: no errors, no operation-level warnings", async () => {
    const document = await (await fetch(`${BASE_URL}/api/v1/openapi.json`)).json();
    const problems = await lintOpenApi(document);
    const describe = (p: Problem) => `${p.severity} ${p.ruleId} ${p.location.map((l) => l.pointer).join(",")}: ${p.message}`;
    expect(problems.filter((p) => p.severity === "error").map(describe)).toEqual([]);
    expect(problems.filter((p) => !DOCUMENT_LEVEL_ALLOWED.has(p.ruleId)).map(describe)).toEqual([]);
  }, 120_000);

  it("names every operation uniquely", async () => {
    const document = (await (await fetch(`${BASE_URL}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(ids.length).toBeGreaterThan(40);
    expect(ids.filter((id) => !id || !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
