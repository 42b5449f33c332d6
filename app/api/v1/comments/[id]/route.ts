/** DELETE /api/v1/comments/{id} — soft-delete a comment (its author, or an admin). */
import { z } from "zod";
import { defineRoute } from "@/lib/api/route";
import { idParam } from "@/lib/api/schemas";
import { deleteComment } from "@/lib/db/labels";

export const dynamic = "force-dynamic";

export const DELETE = defineRoute({
  method: "DELETE",
  path: "/api/v1/comments/{id}",
  operationId: "deleteComment",
  summary: "Delete a comment",
  tags: ["Comments"],
  access: "editor",
  params: z.object({ id: idParam }),
  errors: [404],
  handler: async ({ params, principal }) => {
    await deleteComment(params.id, principal.user);
  },
});
