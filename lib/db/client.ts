/** The Prisma client every server module shares (one pool per process). */
import { PrismaClient } from "../generated/prisma/client";
import { createPgAdapter } from "./prisma-offline";
import { closePreparedPool } from "./prepared";

const globalForPrisma = globalThis as unknown as { featurescopePrisma?: PrismaClient };

export function createPrismaClient(url?: string): PrismaClient {
  return new PrismaClient({ adapter: createPgAdapter(url) });
}

/** Lazily created so that importing a module never opens a connection by itself. */
export function db(): PrismaClient {
  globalForPrisma.featurescopePrisma ??= createPrismaClient();
  return globalForPrisma.featurescopePrisma;
}

export async function disconnectDb(): Promise<void> {
  await globalForPrisma.featurescopePrisma?.$disconnect();
  globalForPrisma.featurescopePrisma = undefined;
  await closePreparedPool();
}

export type { PrismaClient };
