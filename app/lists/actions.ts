"use server";
/** Feature-list server actions for the signed-in owner (lib/db/feature-lists checks ownership and audits). */
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { DomainError } from "@/lib/api/errors";
import { currentUser } from "@/lib/auth/session";
import { CreateListSchema } from "@/lib/labels/contracts";
import { createList, deleteList, removeListItem, updateList } from "@/lib/db/feature-lists";

async function owner() {
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/lists");
  return user;
}

export async function createListAction(formData: FormData): Promise<void> {
  const user = await owner();
  const parsed = CreateListSchema.safeParse({
    name: String(formData.get("name") ?? ""),
    description: String(formData.get("description") ?? "").trim() || undefined,
    isPublic: formData.get("isPublic") === "on",
  });
  if (!parsed.success) redirect(`/lists?error=${encodeURIComponent(parsed.error.issues[0].message)}`);
  const list = await createList(user.id, parsed.data);
  redirect(`/lists/${list.id}`);
}

export async function shareListAction(formData: FormData): Promise<void> {
  const user = await owner();
  const id = Number(formData.get("listId"));
  const mode = String(formData.get("mode"));
  await updateList(id, user.id, mode === "rotate" ? { rotateShareToken: true } : { isPublic: mode === "share" });
  revalidatePath(`/lists/${id}`);
}

export async function removeItemAction(formData: FormData): Promise<void> {
  const user = await owner();
  const id = Number(formData.get("listId"));
  await removeListItem(id, user.id, Number(formData.get("featureId")));
  revalidatePath(`/lists/${id}`);
}

export async function deleteListAction(formData: FormData): Promise<void> {
  const user = await owner();
  try {
    await deleteList(Number(formData.get("listId")), user.id);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
  redirect("/lists");
}
