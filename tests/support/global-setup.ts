/** Vitest global setup for integration tests: one fresh database for the whole run. */
import type { TestProject } from "vitest/node";
import { provisionTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase | undefined;

export async function setup(project: TestProject): Promise<void> {
  database = await provisionTestDatabase("it");
  project.provide("databaseUrl", database.url);
}

export async function teardown(): Promise<void> {
  await database?.teardown();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
