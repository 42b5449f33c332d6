/**
 * The Auth.js adapter over our Prisma schema. @auth/prisma-adapter assumes string ids; ours are
 * integers, so this implements the few methods a JWT-session setup uses (users, OAuth account
 * links, magic-link verification tokens) and converts ids at the boundary.
 */
import type { Adapter, AdapterAccount, AdapterUser, VerificationToken } from "next-auth/adapters";
import type { Role } from "./roles";
import { db } from "../db/client";
import { recordAudit } from "../db/audit";
import { signupsAllowed } from "./policy";

type UserRow = {
  id: number;
  email: string;
  name: string | null;
  image: string | null;
  emailVerified: Date | null;
  role: Role;
};

const userSelect = { id: true, email: true, name: true, image: true, emailVerified: true, role: true } as const;

export type FeaturescopeAdapterUser = AdapterUser & { role: Role };

function toAdapterUser(row: UserRow): FeaturescopeAdapterUser {
  return { id: String(row.id), email: row.email, name: row.name, image: row.image, emailVerified: row.emailVerified, role: row.role };
}

/** Auth.js hands back ids it got from us; anything else (e.g. its own UUID placeholder) matches nobody. */
function toUserId(id: string | undefined): number | null {
  const value = Number(id);
  return Number.isInteger(value) && value > 0 ? value : null;
}

export function featurescopeAdapter(): Adapter {
  return {
    async createUser(user) {
      if (!signupsAllowed()) {
        // the signIn callback refuses first; this is the backstop
        throw new Error("Sign-up is closed: an admin must create the account (npm run user:create).");
      }
      const row = await db().user.create({
        data: { email: user.email.trim().toLowerCase(), name: user.name ?? null, image: user.image ?? null, emailVerified: user.emailVerified },
        select: userSelect,
      });
      await recordAudit({ actorId: row.id, action: "user.signup", targetType: "User", targetId: row.id, details: { email: row.email } });
      return toAdapterUser(row);
    },

    async getUser(id) {
      const userId = toUserId(id);
      if (userId === null) return null;
      const row = await db().user.findUnique({ where: { id: userId }, select: userSelect });
      return row ? toAdapterUser(row) : null;
    },

    async getUserByEmail(email) {
      const row = await db().user.findUnique({ where: { email: email.trim().toLowerCase() }, select: userSelect });
      return row ? toAdapterUser(row) : null;
    },

    async getUserByAccount({ provider, providerAccountId }) {
      const account = await db().account.findUnique({
        where: { provider_providerAccountId: { provider, providerAccountId } },
        select: { user: { select: userSelect } },
      });
      return account ? toAdapterUser(account.user) : null;
    },

    async updateUser(user) {
      const userId = toUserId(user.id);
      if (userId === null) throw new Error(`Unknown user id ${user.id}`);
      const row = await db().user.update({
        where: { id: userId },
        data: {
          ...(user.name !== undefined ? { name: user.name } : {}),
          ...(user.image !== undefined ? { image: user.image } : {}),
          ...(user.emailVerified !== undefined ? { emailVerified: user.emailVerified } : {}),
        },
        select: userSelect,
      });
      return toAdapterUser(row);
    },

    async deleteUser(id) {
      const userId = toUserId(id);
      if (userId !== null) await db().user.delete({ where: { id: userId } });
    },

    async linkAccount(account: AdapterAccount) {
      const userId = toUserId(account.userId);
      if (userId === null) throw new Error(`Unknown user id ${account.userId}`);
      await db().account.create({
        data: {
          userId,
          type: account.type,
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          refresh_token: account.refresh_token ?? null,
          access_token: account.access_token ?? null,
          expires_at: account.expires_at ?? null,
          token_type: account.token_type ?? null,
          scope: account.scope ?? null,
          id_token: account.id_token ?? null,
          session_state: typeof account.session_state === "string" ? account.session_state : null,
        },
      });
      await recordAudit({ actorId: userId, action: "user.link_account", targetType: "User", targetId: userId, details: { provider: account.provider } });
    },

    async unlinkAccount({ provider, providerAccountId }) {
      await db().account.deleteMany({ where: { provider, providerAccountId } });
    },

    async createVerificationToken(token: VerificationToken) {
      await db().verificationToken.create({ data: { identifier: token.identifier, token: token.token, expires: token.expires } });
      return token;
    },

    async useVerificationToken({ identifier, token }) {
      // one DELETE on the unique token: a link works once, even if clicked twice at once
      const row = await db().verificationToken.delete({ where: { token } }).catch((error: { code?: string }) => {
        if (error?.code === "P2025") return null;
        throw error;
      });
      if (row && identifier && row.identifier !== identifier) return null;
      return row ? { identifier: row.identifier, token: row.token, expires: row.expires } : null;
    },
  };
}
