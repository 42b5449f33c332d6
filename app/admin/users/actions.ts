"use server";
/** User administration server actions (admins only; every change is audited in lib/db/users). */
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { CreateUserSchema, UpdateUserSchema } from "@/lib/api/contracts/users";
import { DomainError } from "@/lib/api/errors";
import { generatePassword } from "@/lib/auth/password";
import { pageAccess } from "@/lib/auth/session";
import { createUser, updateUser, type PublicUser } from "@/lib/db/users";

async function requireAdmin() {
  const access = await pageAccess("admin");
  return access.state === "allowed" ? access.user : null;
}

export interface CreateUserState {
  error?: string;
  created?: { email: string; role: string; password: string | null };
}

export async function createUserAction(_previous: CreateUserState, formData: FormData): Promise<CreateUserState> {
  const admin = await requireAdmin();
  if (!admin) return { error: "Only admins can create users; sign in again as an admin." };
  const generate = formData.get("generatePassword") === "on";
  const typed = String(formData.get("password") ?? "");
  const password = generate ? generatePassword() : typed || undefined;
  const parsed = CreateUserSchema.safeParse({
    email: String(formData.get("email") ?? ""),
    name: String(formData.get("name") ?? "").trim() || undefined,
    role: String(formData.get("role") ?? "viewer"),
    password,
  });
  if (!parsed.success) {
    return { error: parsed.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ") };
  }
  try {
    const user = await createUser(parsed.data, admin.id);
    revalidatePath("/admin/users");
    return { created: { email: user.email, role: user.role, password: generate ? password! : null } };
  } catch (error) {
    if (error instanceof DomainError) return { error: error.message };
    throw error;
  }
}

function back(kind: "notice" | "error", message: string): never {
  redirect(`/admin/users?${new URLSearchParams({ [kind]: message })}`);
}

export async function updateUserAction(formData: FormData): Promise<void> {
  const admin = await requireAdmin();
  if (!admin) back("error", "Only admins can change users.");
  const id = Number(formData.get("id"));
  const change: Record<string, unknown> = {};
  if (formData.has("role")) change.role = String(formData.get("role"));
  if (formData.has("disabled")) change.disabled = formData.get("disabled") === "true";
  const parsed = UpdateUserSchema.safeParse(change);
  if (!Number.isInteger(id) || !parsed.success) back("error", "That change is not valid.");
  let user: PublicUser;
  try {
    user = await updateUser(id, parsed.data, admin.id);
  } catch (error) {
    if (error instanceof DomainError) back("error", error.message);
    throw error;
  }
  revalidatePath("/admin/users");
  back("notice", `${user.email}: role ${user.role}, ${user.disabledAt ? "disabled" : "active"}.`);
}
