/** GET/POST /api/v1/admin/users — list and create users (admins only). */
import { CreateUserSchema, UserListQuerySchema, UserListSchema, UserSchema } from "@/lib/api/contracts/users";
import { defineRoute } from "@/lib/api/route";
import { createUser, listUsers } from "@/lib/db/users";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/admin/users",
  operationId: "listUsers",
  summary: "List users",
  tags: ["Admin"],
  access: "admin",
  query: UserListQuerySchema,
  response: UserListSchema,
  handler: ({ query }) => listUsers({ after: query.after, limit: query.limit, query: query.q }),
});

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/admin/users",
  operationId: "createUser",
  summary: "Create a user",
  tags: ["Admin"],
  access: "admin",
  body: CreateUserSchema,
  response: UserSchema,
  status: 201,
  errors: [409],
  handler: ({ principal, body }) => createUser(body, principal.user.id),
});
