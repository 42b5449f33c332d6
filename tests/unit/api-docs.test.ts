/**
 * docs/API.md's route table lists every operation registered in app/api/v1/registry.ts, and nothing
 * else: each `method` + `path` of a defineRoute call in a registered route module must have its own
 * row `| \`METHOD /api/v1/…\` | access | what |`. Read as text, so it needs no database.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const V1 = path.join(ROOT, "app/api/v1");

/** "GET /api/v1/models" for every defineRoute call in the modules the registry imports. */
function registeredOperations(): { operation: string; access: string; file: string }[] {
  const registry = fs.readFileSync(path.join(V1, "registry.ts"), "utf8");
  const modules = [...registry.matchAll(/^import "\.\/(.+)";$/gm)].map((m) => m[1]);
  return modules.flatMap((module) => {
    const file = path.join(V1, `${module}.ts`);
    const calls = fs.readFileSync(file, "utf8").split("defineRoute({").slice(1);
    return calls.map((call) => {
      const method = /\bmethod:\s*"(GET|POST|PUT|PATCH|DELETE)"/.exec(call)?.[1];
      const route = /\bpath:\s*"(\/api\/v1[^"]*)"/.exec(call)?.[1];
      const access = /\baccess:\s*"(\w+)"/.exec(call)?.[1] ?? "?";
      if (!method || !route) throw new Error(`${path.relative(ROOT, file)}: a defineRoute call without a literal method and path`);
      return { operation: `${method} ${route}`, access, file: path.relative(ROOT, file) };
    });
  });
}

/** The operations named in the first cell of docs/API.md's route table rows. */
function documentedOperations(markdown: string): string[] {
  const section = markdown.slice(markdown.indexOf("\n## Routes"));
  const end = section.indexOf("\n## ", 1);
  return [...(end > 0 ? section.slice(0, end) : section).matchAll(/^\|\s*`((?:GET|POST|PUT|PATCH|DELETE) \/api\/v1[^`]*)`\s*\|/gm)].map((m) => m[1]);
}

describe("docs/API.md", () => {
  const markdown = fs.readFileSync(path.join(ROOT, "docs/API.md"), "utf8");
  const registered = registeredOperations();
  const documented = documentedOperations(markdown);

  it("the parser finds the registry's operations", () => {
    // a floor, so a broken regular expression cannot make the comparison below vacuous
    expect(registered.length).toBeGreaterThan(40);
    expect(registered.map((r) => r.operation)).toContain("GET /api/v1/models");
    expect(new Set(registered.map((r) => r.operation)).size).toBe(registered.length);
  });

  it("has a route table row for every registered operation", () => {
    const missing = registered.filter((r) => !documented.includes(r.operation)).map((r) => `${r.operation} (${r.file})`);
    expect(missing, "add these rows to the route table in docs/API.md").toEqual([]);
  });

  it("lists no operation that is not registered, and each only once", () => {
    const known = new Set(registered.map((r) => r.operation));
    expect(documented.filter((operation) => !known.has(operation)), "stale rows in docs/API.md").toEqual([]);
    expect(documented.filter((operation, i) => documented.indexOf(operation) !== i), "duplicate rows").toEqual([]);
  });
});
