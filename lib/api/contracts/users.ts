/** API shapes for the signed-in user and user administration. */
import { z } from "zod";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../auth/password-policy";
import { ROLES } from "../../auth/roles";
import { afterCursor, dateTime, nextCursor, nullableDateTime, pageLimit } from "../schemas";

export const RoleSchema = z.enum(ROLES).meta({ id: "Role", description: "viewer < editor < admin" });

export const UserSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string().nullable(),
    role: RoleSchema,
    emailVerified: nullableDateTime,
    disabledAt: nullableDateTime,
    createdAt: dateTime,
  })
  .meta({ id: "User" });

export const MeSchema = z
  .object({
    user: z.object({ id: z.number().int(), email: z.string(), name: z.string().nullable(), role: RoleSchema }),
    via: z.enum(["session", "api_key"]).meta({ description: "How this request was authenticated" }),
    scopes: z.array(z.enum(["read", "write"])),
  })
  .meta({ id: "Me" });

export const UserListQuerySchema = z.object({
  after: afterCursor,
  limit: pageLimit(50, 200),
  q: z.string().trim().max(200).optional().meta({ description: "Filter by email or name (substring)" }),
});

export const UserListSchema = z.object({ users: z.array(UserSchema), nextCursor }).meta({ id: "UserList" });

const email = z.string().trim().toLowerCase().max(320).pipe(z.email());
const password = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);

export const CreateUserSchema = z
  .object({
    email,
    name: z.string().trim().min(1).max(200).optional(),
    role: RoleSchema.default("viewer"),
    password: password.optional().meta({
      description: "Optional: without one the user signs in by magic link or OAuth",
    }),
  })
  .strict()
  .meta({ id: "CreateUser" });

export const UpdateUserSchema = z
  .object({
    role: RoleSchema.optional(),
    disabled: z.boolean().optional().meta({ description: "true disables sign-in and API keys; false re-enables" }),
    name: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .strict()
  .refine((change) => Object.keys(change).length > 0, { message: "Give at least one of role, disabled, name." })
  .meta({ id: "UpdateUser" });

export const UserIdParamsSchema = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
