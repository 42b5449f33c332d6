/**
 * docs/API.md's route table lists every operation registered through app/api/v1/registry.ts (the
 * list the OpenAPI document is built from), and nothing else: each `METHOD /api/v1/…` needs its own
 * row `| \`METHOD /api/v1/…\` | access | what |` under "## Routes".
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import "@/app/api/v1/registry";
import { registeredOperations } from "@/lib/api/openapi";

/** The operations named in the first cell of the rows of docs/API.md's "## Routes" section. */
function documentedOperations(markdown: string): string[] {
  const start = markdown.indexOf("\n## Routes");
  if (start < 0) return [];
  const section = markdown.slice(start);
  const end = section.indexOf("\n## ", 1);
  const table = end > 0 ? section.slice(0, end) : section;
  return [...table.matchAll(/^\|\s*`((?:GET|POST|PUT|PATCH|DELETE) \/api\/v1[^`]*)`\s*\|/gm)].map((m) => m[1]);
}

describe("docs/API.md", () => {
  const documented = documentedOperations(fs.readFileSync(path.resolve("docs/API.md"), "utf8"));
  const registered = registeredOperations();

  it("has a route table", () => {
    // floors, so that neither list being empty can make the comparisons below pass
    expect(registered.length).toBeGreaterThan(40);
    expect(documented.length).toBeGreaterThan(40);
  });

  it("has a row for every registered operation", () => {
    expect(registered.filter((operation) => !documented.includes(operation)), "add these rows to the route table in docs/API.md").toEqual([]);
  });

  it("lists no operation that is not registered, and each only once", () => {
    expect(documented.filter((operation) => !registered.includes(operation)), "stale rows in docs/API.md").toEqual([]);
    expect(documented.filter((operation, i) => documented.indexOf(operation) !== i), "duplicate rows").toEqual([]);
  });
});
