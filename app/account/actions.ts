"use server";
/** Account server actions: API keys (create, shown once; revoke) and the user's own password. */
import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { z } from "zod";
import { CreateApiKeySchema } from "@/lib/api/contracts/api-keys";
import { DomainError } from "@/lib/api/errors";
import { passwordProblem, verifyPassword } from "@/lib/auth/password";
import { currentUser } from "@/lib/auth/session";
import { mintSessionToken, SECURE_SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from "@/lib/auth/session-cookie";
import { createApiKey, revokeApiKey, type ApiKeySummary } from "@/lib/db/api-keys";
import { db } from "@/lib/db/client";
import { setPassword } from "@/lib/db/users";
import { takeToken } from "@/lib/api/rate-limit";

export interface CreateKeyState {
  error?: string;
  created?: { key: string; apiKey: ApiKeySummary };
}

export async function createApiKeyAction(_previous: CreateKeyState, formData: FormData): Promise<CreateKeyState> {
  const user = await currentUser();
  if (!user) return { error: "Your session has ended: sign in again." };
  if (!takeToken(`account-key:${user.id}`, { limit: 20, windowMs: 60 * 60_000 }).allowed) {
    return { error: "Too many keys created in the last hour; try again later." };
  }
  const expires = String(formData.get("expiresInDays") ?? "");
  const parsed = CreateApiKeySchema.safeParse({
    name: String(formData.get("name") ?? ""),
    scopes: formData.get("scope") === "write" ? ["read", "write"] : ["read"],
    expiresInDays: expires ? Number(expires) : undefined,
  });
  if (!parsed.success) {
    return { error: parsed.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ") };
  }
  const { name, scopes, expiresInDays } = parsed.data;
  try {
    const created = await createApiKey(user.id, {
      name, scopes, expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
    });
    revalidatePath("/account");
    return { created };
  } catch (error) {
    if (error instanceof DomainError) return { error: error.message };
    throw error;
  }
}

export async function revokeApiKeyAction(formData: FormData): Promise<void> {
  const user = await currentUser();
  if (!user) return;
  const id = z.coerce.number().int().positive().safeParse(formData.get("id"));
  if (id.success) await revokeApiKey(user.id, id.data);
  revalidatePath("/account");
}

export interface PasswordState {
  error?: string;
  done?: boolean;
}

export async function changePasswordAction(_previous: PasswordState, formData: FormData): Promise<PasswordState> {
  const user = await currentUser();
  if (!user) return { error: "Your session has ended: sign in again." };
  const current = String(formData.get("currentPassword") ?? "");
  const next = String(formData.get("newPassword") ?? "");
  const repeat = String(formData.get("repeatPassword") ?? "");
  const stored = await db().user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } });
  if (stored.passwordHash) {
    if (!takeToken(`account-password:${user.id}`, { limit: 10, windowMs: 15 * 60_000 }).allowed) {
      return { error: "Too many attempts; wait 15 minutes." };
    }
    if (!(await verifyPassword(stored.passwordHash, current))) return { error: "The current password is wrong." };
  }
  const problem = passwordProblem(next);
  if (problem) return { error: problem };
  if (next !== repeat) return { error: "The new passwords differ." };
  const sessionVersion = await setPassword(user.id, next, user.id);
  // the new version ended every session, this one too: give this browser a fresh one
  const jar = await cookies();
  const secure = jar.has(SECURE_SESSION_COOKIE);
  const { name, value } = await mintSessionToken(user.id, user.role, secure, { sessionVersion, name: user.name, email: user.email });
  jar.set(name, value, { httpOnly: true, sameSite: "lax", path: "/", secure, maxAge: SESSION_MAX_AGE_SECONDS });
  return { done: true };
}
