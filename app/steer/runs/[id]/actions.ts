"use server";
/** The author of a steering run shows or hides their name on its permalink for people who are not signed in. */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { currentUser } from "@/lib/auth/session";
import { setSteeringRunAuthorPublic } from "@/lib/db/steering";
import { steeringRunPath } from "@/lib/steering/permalink";

const Input = z.object({ id: z.string().max(64), authorPublic: z.enum(["true", "false"]) });

export async function setAuthorPublicAction(formData: FormData): Promise<void> {
  const user = await currentUser();
  const input = Input.safeParse({ id: formData.get("id"), authorPublic: formData.get("authorPublic") });
  if (!user || !input.success) return;
  // only the author's own run changes (the query matches on authorId)
  if (await setSteeringRunAuthorPublic(input.data.id, user.id, input.data.authorPublic === "true")) {
    revalidatePath(steeringRunPath(input.data.id));
  }
}
