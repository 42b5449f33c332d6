/**
 * The callers the suite impersonates: nobody, API keys of the seeded viewer, editor and admin (one
 * read-only and one read+write each), and real browser sessions obtained by signing in through the
 * credentials route, as a browser does.
 */
import { createApiKey } from "@/lib/db/api-keys";
import { db } from "@/lib/db/client";
import type { Role } from "@/lib/auth/roles";
import { E2E_PASSWORD, E2E_USERS } from "../../support/e2e-seed";
import { BASE_URL } from "./server";

export type Caller =
  | { kind: "anonymous"; name: "anonymous" }
  | { kind: "key"; name: string; role: Role; scopes: ("read" | "write")[]; userId: number; headers: Record<string, string> }
  | { kind: "session"; name: string; role: Role; userId: number; headers: Record<string, string> };

export interface Callers {
  anonymous: Caller;
  keys: Extract<Caller, { kind: "key" }>[];
  sessions: Extract<Caller, { kind: "session" }>[];
  /** The admin's read+write key: the caller that gets past authorization to the validation. */
  admin: Extract<Caller, { kind: "key" }>;
  adminUserId: number;
  viewerUserId: number;
}

function cookiesFrom(response: Response): string[] {
  return response.headers.getSetCookie().map((c) => c.split(";")[0]);
}

/** Signs in with email and password through Auth.js's credentials callback; returns the Cookie header. */
export async function signIn(email: string, password: string): Promise<string> {
  const csrf = await fetch(`${BASE_URL}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiesFrom(csrf);
  const response = await fetch(`${BASE_URL}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.join("; "), Origin: BASE_URL },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${BASE_URL}/` }).toString(),
  });
  const session = cookiesFrom(response).find((c) => /session-token=./.test(c));
  if (!session) throw new Error(`signing in as ${email} failed (${response.status} ${response.headers.get("location")})`);
  return session;
}

export async function makeCallers(): Promise<Callers> {
  const users = await db().user.findMany({ where: { email: { in: [E2E_USERS.viewer, E2E_USERS.editor, E2E_USERS.admin] } } });
  const byRole = (role: Role) => {
    const user = users.find((u) => u.role === role && Object.values(E2E_USERS).includes(u.email as never));
    if (!user) throw new Error(`the seeded ${role} is missing`);
    return user;
  };
  const keys: Callers["keys"] = [];
  const sessions: Callers["sessions"] = [];
  for (const role of ["viewer", "editor", "admin"] as const) {
    const user = byRole(role);
    for (const scopes of [["read"], ["read", "write"]] as ("read" | "write")[][]) {
      const { key } = await createApiKey(user.id, { name: `abuse ${scopes.join("+")}`, scopes });
      keys.push({ kind: "key", name: `${role} key (${scopes.join("+")})`, role, scopes, userId: user.id, headers: { Authorization: `Bearer ${key}` } });
    }
    const cookie = await signIn(user.email, E2E_PASSWORD);
    sessions.push({ kind: "session", name: `${role} session`, role, userId: user.id, headers: { Cookie: cookie } });
  }
  const admin = keys.find((k) => k.role === "admin" && k.scopes.includes("write"))!;
  return { anonymous: { kind: "anonymous", name: "anonymous" }, keys, sessions, admin, adminUserId: byRole("admin").id, viewerUserId: byRole("viewer").id };
}
