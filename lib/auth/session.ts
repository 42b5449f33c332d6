/**
 * The signed-in user for server components and server actions (pages), read fresh from the
 * database so a role change, a disabled account or a password change (session version) shows at once.
 */
import { auth } from "./config";
import { getSessionUser, type PublicUser } from "../db/users";
import { roleAtLeast, type Role } from "./roles";

export async function currentUser(): Promise<PublicUser | null> {
  const session = await auth();
  const id = Number(session?.user?.id);
  if (!Number.isInteger(id) || id <= 0) return null;
  const found = await getSessionUser(id);
  if (!found || found.disabledAt || found.sessionVersion !== (session?.sessionVersion ?? 0)) return null;
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
