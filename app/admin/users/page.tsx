/** Admin: the users, their roles, and disabling accounts. */
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { ROLES, ROLE_DESCRIPTIONS } from "@/lib/auth/roles";
import { pageAccess } from "@/lib/auth/session";
import { listUsers } from "@/lib/db/users";
import { updateUserAction } from "./actions";
import { CreateUserForm } from "./create-user-form";
import "../../account/account.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AdminUsersPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("admin");
  if (access.state === "anonymous") redirect("/signin?callbackUrl=/admin/users");
  if (access.state === "forbidden") {
    return (
      <div className="account-page">
        <h1>Users</h1>
        <p className="alert" role="alert">Only admins can manage users. You are signed in as {access.user.role}.</p>
      </div>
    );
  }
  const params = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const after = Number(first(params.after));
  const q = first(params.q)?.trim() || undefined;
  const { users, nextCursor } = await listUsers({ after: Number.isInteger(after) && after > 0 ? after : undefined, limit: 100, query: q });
  const notice = first(params.notice);
  const error = first(params.error);

  return (
    <div className="account-page">
      <h1>Users</h1>
      {notice && <p className="success" role="status">{notice}</p>}
      {error && <p className="alert" role="alert">{error}</p>}
      <p className="muted">
        {ROLES.map((role) => `${role}: ${ROLE_DESCRIPTIONS[role]}`).join(" · ")}. Every change here is recorded in the audit log.
      </p>
      <form method="get" className="button-row" role="search" style={{ marginBottom: "0.75rem" }}>
        <label htmlFor="user-search">Find users</label>
        <input id="user-search" name="q" defaultValue={q} placeholder="email or name" />
        <button type="submit" className="secondary">Search</button>
      </form>
      {users.length === 0 ? (
        <p className="muted">No users match.</p>
      ) : (
        <table className="data" data-testid="users">
          <thead>
            <tr><th>Email</th><th>Name</th><th>Role</th><th>State</th><th>Created</th></tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <td>{user.email}{user.id === access.user.id && <span className="muted"> (you)</span>}</td>
                <td>{user.name ?? "—"}</td>
                <td>
                  <form action={updateUserAction} className="inline-form">
                    <input type="hidden" name="id" value={user.id} />
                    <label className="sr-only" htmlFor={`role-${user.id}`}>Role of {user.email}</label>
                    <select id={`role-${user.id}`} name="role" defaultValue={user.role}>
                      {ROLES.map((role) => <option key={role} value={role}>{role}</option>)}
                    </select>
                    <button type="submit" className="secondary" aria-label={`Save role of ${user.email}`}>Save</button>
                  </form>
                </td>
                <td>
                  <form action={updateUserAction} className="inline-form">
                    <input type="hidden" name="id" value={user.id} />
                    <input type="hidden" name="disabled" value={user.disabledAt ? "false" : "true"} />
                    {user.disabledAt && <span className="badge disabled">disabled</span>}
                    <button type="submit" className="secondary" aria-label={`${user.disabledAt ? "Enable" : "Disable"} ${user.email}`}>
                      {user.disabledAt ? "Enable" : "Disable"}
                    </button>
                  </form>
                </td>
                <td>{user.createdAt.toISOString().slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor !== null && (
        <p><Link href={`/admin/users?${new URLSearchParams({ after: String(nextCursor), ...(q ? { q } : {}) })}`}>Next page</Link></p>
      )}
      <section className="panel" aria-labelledby="create-heading" style={{ marginTop: "1rem" }}>
        <h2 id="create-heading">Add a user</h2>
        <CreateUserForm />
      </section>
    </div>
  );
}
