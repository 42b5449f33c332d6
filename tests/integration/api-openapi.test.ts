/**
 * The OpenAPI document: valid JSON, OpenAPI 3.1, and complete — every route.ts under app/api/v1
 * and every method it exports appears, so a route missing from app/api/v1/registry.ts fails here.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@/lib/db/client";
import { registeredOperations } from "@/lib/api/openapi";
import { GET as openApiJson } from "@/app/api/v1/openapi.json/route";
import { call } from "./api-support";
import { openApiPath, routeFiles, V1 } from "./route-files";

afterAll(disconnectDb);

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

describe("GET /api/v1/openapi.json", async () => {
  const response = await call(openApiJson, "/api/v1/openapi.json");
  type Operation = { summary?: string; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] };
  const document = response.json as unknown as { openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

  it("is valid JSON in OpenAPI 3.1 form", () => {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.title).toBe("Featurescope API");
    expect(Object.keys(document.paths).length).toBeGreaterThan(0);
  });

  it("contains every registered operation", () => {
    const registered = registeredOperations();
    expect(registered.length).toBeGreaterThanOrEqual(8);
    for (const operation of registered) {
      const [method, route] = operation.split(" ");
      expect(document.paths[route], route).toBeDefined();
      expect(document.paths[route][method.toLowerCase()], operation).toBeDefined();
    }
  });

  it("contains every route file under app/api/v1 with each method it exports", async () => {
    const files = routeFiles(V1);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const routePath = openApiPath(file);
      const source = fs.readFileSync(file, "utf8");
      const exported = METHODS.filter((method) => new RegExp(`export const ${method}\\b|export (async )?function ${method}\\b`).test(source));
      expect(exported.length, `${file} exports no HTTP method`).toBeGreaterThan(0);
      for (const method of exported) {
        expect(document.paths[routePath]?.[method.toLowerCase()], `${method} ${routePath} (${path.relative(process.cwd(), file)}) is not in the OpenAPI document — add it to app/api/v1/registry.ts and write it with defineRoute`).toBeDefined();
      }
    }
  });

  it("documents parameters, bodies, errors and auth from the route schemas", () => {
    const patch = document.paths["/api/v1/admin/users/{id}"].patch as Operation & { requestBody: { content: Record<string, { schema: unknown }> } };
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: "id", in: "path" }));
    expect(patch.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/UpdateUser" });
    expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404", "409"]));
    expect(document.components.schemas).toHaveProperty("Error");
    expect(JSON.stringify(document.paths["/api/v1/models"].get)).toContain('"x-featurescope-access":"public"');
  });
});
