/** GET /api/v1/me — who the credential belongs to, with role and scopes. */
import { MeSchema } from "@/lib/api/contracts/users";
import { defineRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/me",
  operationId: "getMe",
  summary: "The current user",
  description: "Handy to check an API key: returns its owner, role and scopes.",
  tags: ["Account"],
  access: "viewer",
  response: MeSchema,
  handler: ({ principal }) => ({ user: principal.user, via: principal.via, scopes: principal.scopes }),
});
