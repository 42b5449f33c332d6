/**
 * Auth.js (next-auth v5) for Featurescope: JWT sessions carrying user id and role, the adapter for
 * magic links and OAuth account links, and the sign-in policy (disabled users and closed sign-up).
 * API routes do not go through here: lib/auth/principal.ts reads the same session cookie directly.
 */
import NextAuth, { type DefaultSession, type NextAuthConfig } from "next-auth";
import { CHECK_EMAIL_PAGE } from "./verify-request";
import { db } from "../db/client";
import { featurescopeAdapter } from "./adapter";
import { authRedirect } from "./redirect";
import { signupsAllowed } from "./policy";
import { buildProviders } from "./providers";
import { isRole, type Role } from "./roles";
import { resolveAuthSecret } from "./secret";
import { SESSION_MAX_AGE_SECONDS, tokenSessionVersion } from "./session-cookie";

declare module "next-auth" {
  interface User {
    role?: Role;
  }
  interface Session {
    user: { id: string; role: Role } & DefaultSession["user"];
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    role?: Role;
    /** when role and disabled state were last read from the database (ms) */
    checkedAt?: number;
    /** the user's session version at sign-in (lib/auth/session-cookie.ts) */
    sv?: number;
  }
}

/** The session's role is re-read from the database this often, so role changes reach the UI quickly. */
const ROLE_REFRESH_MS = 60_000;

export function buildAuthConfig(): NextAuthConfig {
  return {
    secret: resolveAuthSecret(),
    trustHost: true,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    adapter: featurescopeAdapter(),
    providers: buildProviders(),
    // verifyRequest serves links to /api/auth/verify-request; the sign-in form's action goes to the
    // page directly (lib/auth/verify-request.ts says why)
    pages: { signIn: "/signin", error: "/signin", verifyRequest: CHECK_EMAIL_PAGE },
    callbacks: {
      // Auth.js's default, except that loopback names count as one origin (lib/auth/redirect.ts)
      redirect: ({ url, baseUrl }) => authRedirect(url, baseUrl),
      async signIn({ user, account, email }) {
        // Asking for a magic link always "succeeds" (the transport decides whether to send) so the
        // page never reveals which emails have accounts.
        if (email?.verificationRequest) return true;
        if (account?.type === "credentials") return true; // authorize() already checked everything
        const existing = account
          ? (await db().account.findUnique({
              where: { provider_providerAccountId: { provider: account.provider, providerAccountId: account.providerAccountId } },
              select: { user: { select: { disabledAt: true } } },
            }))?.user ?? (user.email ? await db().user.findUnique({ where: { email: user.email.toLowerCase() }, select: { disabledAt: true } }) : null)
          : null;
        if (existing) return existing.disabledAt === null;
        return signupsAllowed();
      },
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = isRole(user.role) ? user.role : "viewer";
          token.checkedAt = Date.now();
          const stored = await db().user.findUnique({ where: { id: Number(user.id) }, select: { sessionVersion: true } });
          token.sv = stored?.sessionVersion ?? 0;
          return token;
        }
        if (token.sub && Date.now() - (token.checkedAt ?? 0) > ROLE_REFRESH_MS) {
          const current = await db().user.findUnique({
            where: { id: Number(token.sub) },
            select: { role: true, disabledAt: true, name: true, email: true, sessionVersion: true },
          });
          // disabled, deleted, or a session from before a password change: signs the browser out
          if (!current || current.disabledAt || current.sessionVersion !== tokenSessionVersion(token)) return null;
          token.role = current.role;
          token.name = current.name;
          token.email = current.email;
          token.checkedAt = Date.now();
        }
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        session.user.role = token.role ?? "viewer";
        return session;
      },
    },
    logger: {
      error(error) {
        // CredentialsSignin is a wrong password, not a server fault
        if (error.name === "CredentialsSignin") return;
        console.error(`[auth] ${error.name}: ${error.message}`);
      },
      warn(code) {
        if (code !== "debug-enabled") console.warn(`[auth] warning: ${code}`);
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildAuthConfig());
