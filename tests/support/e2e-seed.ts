/** What every e2e run starts from: the synthetic fixture and one user per role. */
import { hash } from "@node-rs/argon2";
import { createPrismaClient } from "../../lib/db/client";
import { loadSyntheticFixture } from "../../lib/fixtures/synthetic";
import { seedRunnableModel } from "./e2e-runnable-model";

export const E2E_PASSWORD = "featurescope-e2e-password";
export const E2E_USERS = {
  admin: "admin@e2e.test",
  editor: "editor@e2e.test",
  editor2: "editor2@e2e.test",
  viewer: "viewer@e2e.test",
} as const;

/** `workDir` holds the runnable model's files for the run. */
export async function seedE2E(url: string, workDir: string): Promise<void> {
  const prisma = createPrismaClient(url);
  try {
    await loadSyntheticFixture(prisma);
    await seedRunnableModel(prisma, workDir);
    // argon2id, as the app's own hashing: verification reads the parameters from the hash
    const passwordHash = await hash(E2E_PASSWORD, { algorithm: 2 });
    for (const [role, email] of Object.entries(E2E_USERS)) {
      const dbRole = role === "editor2" ? "editor" : (role as "admin" | "editor" | "viewer");
      await prisma.user.upsert({
        where: { email },
        create: { email, name: `${role} (e2e)`, role: dbRole, passwordHash, emailVerified: new Date() },
        update: { role: dbRole, passwordHash },
      });
    }
  } finally {
    await prisma.$disconnect();
  }
}
