/**
 * The signed-in user for server components and server actions (pages), read fresh from the
 * database so a role change, a disabled account or a password change (session version) shows at once.
 *
 * The session cookie is read through Next.js's cookies(), not Auth.js's auth(): auth() reads the
 * raw request headers, so in the render that follows a server action which replaced the cookie
 * (a password change re-issues this browser's session) it would still see the old, now ended one.
 */
import { cookies } from "next/headers";
import { sessionClaimsFromCookies } from "./session-cookie";
import { getSessionUser, type PublicUser } from "../db/users";
import { roleAtLeast, type Role } from "./roles";

export async function currentUser(): Promise<PublicUser | null> {
  const jar = await cookies();
  const claims = await sessionClaimsFromCookies(new Map(jar.getAll().map((cookie) => [cookie.name, cookie.value])));
  if (!claims) return null;
  const found = await getSessionUser(claims.userId);
  if (!found || found.disabledAt || found.sessionVersion !== claims.sessionVersion) return null;
  const { sessionVersion: _version, ...user } = found;
  void _version;
  return user;
}

export type PageAccess =
  | { state: "anonymous" }
  | { state: "forbidden"; user: PublicUser }
  | { state: "allowed"; user: PublicUser };

export async function pageAccess(role: Role): Promise<PageAccess> {
  const user = await currentUser();
  if (!user) return { state: "anonymous" };
  return roleAtLeast(user.role, role) ? { state: "allowed", user } : { state: "forbidden", user };
}

/** Only same-site paths: "/x?y" is kept, "https://evil" or "//evil" becomes "/". */
export function safeCallbackPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}
