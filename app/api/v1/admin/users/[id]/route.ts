/** PATCH /api/v1/admin/users/{id} — change a user's role, name or disabled state (admins only). */
import { UpdateUserSchema, UserIdParamsSchema, UserSchema } from "@/lib/api/contracts/users";
import { notFound } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { getPublicUser, updateUser } from "@/lib/db/users";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/admin/users/{id}",
  operationId: "getUser",
  summary: "Get a user",
  tags: ["Admin"],
  access: "admin",
  params: UserIdParamsSchema,
  response: UserSchema,
  errors: [404],
  handler: async ({ params }) => {
    const user = await getPublicUser(params.id);
    if (!user) throw notFound(`User ${params.id} does not exist.`);
    return user;
  },
});

export const PATCH = defineRoute({
  method: "PATCH",
  path: "/api/v1/admin/users/{id}",
  operationId: "updateUser",
  summary: "Change a user's role, name or disabled state",
  description: "The last active admin cannot be demoted or disabled (409).",
  tags: ["Admin"],
  access: "admin",
  params: UserIdParamsSchema,
  body: UpdateUserSchema,
  response: UserSchema,
  errors: [404, 409],
  handler: ({ principal, params, body }) => updateUser(params.id, body, principal.user.id),
});
