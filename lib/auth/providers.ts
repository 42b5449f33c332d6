/**
 * Sign-in providers. Email + password and magic links are always on; OAuth/OIDC providers switch
 * on when their environment variables are set (docs/AUTH.md lists them).
 */
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import type { EmailConfig } from "next-auth/providers/email";
import { z } from "zod";
import { takeToken } from "../api/rate-limit";
import { findUserByEmail } from "../db/users";
import { deliverMagicLink } from "./magic-link";
import { verifyPassword, verifyPasswordAgainstNothing } from "./password";

const CredentialsInput = z.object({
  email: z.string().trim().toLowerCase().max(320).pipe(z.email()),
  password: z.string().min(1).max(1024),
});

/** Ten attempts per email per 15 minutes: slows guessing without locking out a typo-prone user for long. */
const PASSWORD_ATTEMPTS = { limit: 10, windowMs: 15 * 60_000 };

/** The user for a correct email and password, or null. Shared by the provider and tests. */
export async function authorizeWithPassword(input: unknown) {
  const parsed = CredentialsInput.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  if (!takeToken(`signin:${email}`, PASSWORD_ATTEMPTS).allowed) {
    console.warn(`[auth] too many password attempts for ${email}; refusing for now`);
    return null;
  }
  const user = await findUserByEmail(email);
  if (!user?.passwordHash) {
    await verifyPasswordAgainstNothing(password);
    return null;
  }
  const ok = await verifyPassword(user.passwordHash, password);
  if (!ok || user.disabledAt) return null;
  return { id: String(user.id), email: user.email, name: user.name, image: user.image, role: user.role };
}

export const MAGIC_LINK_MAX_AGE_SECONDS = 15 * 60;

function magicLinkProvider(): EmailConfig {
  return {
    id: "email",
    type: "email",
    name: "Email link",
    maxAge: MAGIC_LINK_MAX_AGE_SECONDS,
    normalizeIdentifier: (identifier) => identifier.trim().toLowerCase(),
    sendVerificationRequest: ({ identifier, url, expires }) => deliverMagicLink({ identifier, url, expires }),
  };
}

/** Linking by email lets an admin-created account sign in with GitHub/OIDC; turn off with AUTH_OAUTH_LINK_BY_EMAIL=0. */
function linkByEmail(): boolean {
  return !/^(0|false|no)$/i.test(process.env.AUTH_OAUTH_LINK_BY_EMAIL ?? "");
}

export interface OAuthProviderInfo {
  id: string;
  name: string;
}

/** The OAuth/OIDC providers whose environment variables are set. */
export function configuredOAuthProviders(): OAuthProviderInfo[] {
  const env = process.env;
  const list: OAuthProviderInfo[] = [];
  if (env.AUTH_GITHUB_ID && env.AUTH_GITHUB_SECRET) list.push({ id: "github", name: "GitHub" });
  if (env.AUTH_GOOGLE_ID && env.AUTH_GOOGLE_SECRET) list.push({ id: "google", name: "Google" });
  if (env.AUTH_OIDC_ISSUER && env.AUTH_OIDC_ID && env.AUTH_OIDC_SECRET) list.push({ id: "oidc", name: env.AUTH_OIDC_NAME ?? "Single sign-on" });
  return list;
}

export function buildProviders(): Provider[] {
  const env = process.env;
  const providers: Provider[] = [
    Credentials({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      authorize: (credentials) => authorizeWithPassword(credentials),
    }),
    magicLinkProvider(),
  ];
  const allowDangerousEmailAccountLinking = linkByEmail();
  for (const { id } of configuredOAuthProviders()) {
    if (id === "github") {
      providers.push(GitHub({ clientId: env.AUTH_GITHUB_ID, clientSecret: env.AUTH_GITHUB_SECRET, allowDangerousEmailAccountLinking }));
    } else if (id === "google") {
      providers.push(Google({ clientId: env.AUTH_GOOGLE_ID, clientSecret: env.AUTH_GOOGLE_SECRET, allowDangerousEmailAccountLinking }));
    } else if (id === "oidc") {
      providers.push({
        id: "oidc",
        name: env.AUTH_OIDC_NAME ?? "Single sign-on",
        type: "oidc",
        issuer: env.AUTH_OIDC_ISSUER,
        clientId: env.AUTH_OIDC_ID,
        clientSecret: env.AUTH_OIDC_SECRET,
        authorization: { params: { scope: "openid email profile" } },
        allowDangerousEmailAccountLinking,
      });
    }
  }
  return providers;
}
