/** Users: lookups for sign-in and the queries and audited changes behind user administration. */
import type { Prisma } from "../generated/prisma/client";
import type { Role } from "../auth/roles";
import { hashPassword } from "../auth/password";
import { db } from "./client";
import { recordAudit } from "./audit";
import { DomainError } from "../api/errors";

/** What the app shows and checks about a user; never includes the password hash. */
export const publicUserSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  emailVerified: true,
  disabledAt: true,
  createdAt: true,
} satisfies Prisma.UserSelect;

export type PublicUser = Prisma.UserGetPayload<{ select: typeof publicUserSelect }>;


export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(email: string) {
  return db().user.findUnique({ where: { email: normaliseEmail(email) } });
}

export async function getPublicUser(id: number): Promise<PublicUser | null> {
  return db().user.findUnique({ where: { id }, select: publicUserSelect });
}

/** The public fields and the session version a session token must match. */
export async function getSessionUser(id: number): Promise<(PublicUser & { sessionVersion: number }) | null> {
  return db().user.findUnique({ where: { id }, select: { ...publicUserSelect, sessionVersion: true } });
}

/** Keyset pagination by id: pass the last id of the previous page as `after`. */
export async function listUsers(options: { after?: number; limit?: number; query?: string } = {}) {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const where: Prisma.UserWhereInput = {};
  if (options.after !== undefined) where.id = { gt: options.after };
  if (options.query) {
    where.OR = [
      { email: { contains: options.query, mode: "insensitive" } },
      { name: { contains: options.query, mode: "insensitive" } },
    ];
  }
  const rows = await db().user.findMany({ where, orderBy: { id: "asc" }, take: limit + 1, select: publicUserSelect });
  const page = rows.slice(0, limit);
  return { users: page, nextCursor: rows.length > limit ? page[page.length - 1].id : null };
}

export interface CreateUserInput {
  email: string;
  name?: string | null;
  role: Role;
  password?: string | null;
}

export async function createUser(input: CreateUserInput, actorId: number | null): Promise<PublicUser> {
  const email = normaliseEmail(input.email);
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return db().$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (existing) throw new DomainError("conflict", `A user with email ${email} already exists.`);
    const user = await tx.user.create({
      data: { email, name: input.name ?? null, role: input.role, passwordHash },
      select: publicUserSelect,
    });
    await recordAudit(
      { actorId, action: "user.create", targetType: "User", targetId: user.id,
        details: { email, role: input.role, withPassword: Boolean(passwordHash) } },
      tx,
    );
    return user;
  });
}

/**
 * Creates the user or, when the email exists, updates role (and password and name when given).
 * Used by `npm run user:create`, which is run by whoever operates the server.
 */
export async function upsertUser(input: CreateUserInput): Promise<{ user: PublicUser; created: boolean }> {
  const email = normaliseEmail(input.email);
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return db().$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
    const user = existing
      ? await tx.user.update({
          where: { id: existing.id },
          // a new password ends the user's existing sessions (session version)
          data: { role: input.role, ...(passwordHash ? { passwordHash, sessionVersion: { increment: 1 } } : {}), ...(input.name ? { name: input.name } : {}) },
          select: publicUserSelect,
        })
      : await tx.user.create({
          data: { email, name: input.name ?? null, role: input.role, passwordHash: passwordHash ?? null },
          select: publicUserSelect,
        });
    await recordAudit(
      { actorId: null, action: existing ? "user.update" : "user.create", targetType: "User", targetId: user.id,
        details: { email, role: input.role, passwordChanged: Boolean(passwordHash), via: "cli" } },
      tx,
    );
    return { user, created: !existing };
  });
}

export interface UserChange {
  role?: Role;
  disabled?: boolean;
  name?: string | null;
}

/**
 * Changes role, disabled state or name. Refuses to leave the instance without an active admin,
 * so nobody can lock everyone out of user management.
 */
export async function updateUser(id: number, change: UserChange, actorId: number | null): Promise<PublicUser> {
  return db().$transaction(
    async (tx) => {
      const before = await tx.user.findUnique({ where: { id }, select: publicUserSelect });
      if (!before) throw new DomainError("not_found", `User ${id} does not exist.`);
      const data: Prisma.UserUpdateInput = {};
      if (change.role !== undefined && change.role !== before.role) data.role = change.role;
      if (change.disabled !== undefined && change.disabled !== (before.disabledAt !== null)) {
        data.disabledAt = change.disabled ? new Date() : null;
        // disabling ends every session; re-enabling does not bring the old ones back
        if (change.disabled) data.sessionVersion = { increment: 1 };
      }
      if (change.name !== undefined && change.name !== before.name) data.name = change.name;
      if (Object.keys(data).length === 0) return before;

      const losesAdmin = before.role === "admin" && before.disabledAt === null &&
        ((data.role !== undefined && data.role !== "admin") || change.disabled === true);
      if (losesAdmin) {
        const otherAdmins = await tx.user.count({ where: { role: "admin", disabledAt: null, id: { not: id } } });
        if (otherAdmins === 0) {
          throw new DomainError("conflict", "This is the last active admin: make another user admin first.");
        }
      }
      const after = await tx.user.update({ where: { id }, data, select: publicUserSelect });
      const details: Record<string, Prisma.InputJsonValue | null> = {};
      if (data.role !== undefined) details.role = { from: before.role, to: after.role };
      if (data.disabledAt !== undefined) details.disabled = after.disabledAt !== null;
      if (data.name !== undefined) details.name = { from: before.name, to: after.name };
      const action = data.role !== undefined ? "user.role" : data.disabledAt !== undefined
        ? (after.disabledAt ? "user.disable" : "user.enable") : "user.update";
      await recordAudit({ actorId, action, targetType: "User", targetId: id, details }, tx);
      return after;
    },
    // the last-admin check must not race with a concurrent demotion
    { isolationLevel: "Serializable" },
  );
}

/**
 * Sets a password and raises the session version, which ends every session issued before (the
 * caller re-issues its own, see app/account/actions.ts). Returns the new version.
 */
export async function setPassword(id: number, password: string, actorId: number | null): Promise<number> {
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx) => {
    const { sessionVersion } = await tx.user.update({
      where: { id },
      data: { passwordHash, sessionVersion: { increment: 1 } },
      select: { sessionVersion: true },
    });
    await recordAudit({ actorId, action: "user.password", targetType: "User", targetId: id }, tx);
    return sessionVersion;
  });
}
