/** The three roles and their order: viewer < editor < admin. Kept free of Prisma so clients can import it. */
export const ROLES = ["viewer", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `role` grants at least what `required` grants. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: "reads everything public, manages own API keys",
  editor: "also labels, votes, comments and steers",
  admin: "also imports models and SAEs, manages users and providers",
};
