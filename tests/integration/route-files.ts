/** The route modules under app/api/v1, and the OpenAPI path each folder stands for (for tests that walk every route). */
import fs from "node:fs";
import path from "node:path";

export const V1 = path.resolve("app/api/v1");

export function routeFiles(dir = V1): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

/** app/api/v1/admin/users/[id]/route.ts → /api/v1/admin/users/{id} */
export function openApiPath(file: string): string {
  const relative = path.relative(V1, path.dirname(file)).split(path.sep).filter(Boolean);
  return "/api/v1" + relative.map((segment) => "/" + segment.replace(/^\[(\w+)\]$/, "{$1}")).join("");
}
