/** The header's account area: who is signed in (with role) and a sign-in or sign-out control. */
import Link from "next/link";
import { currentUser } from "@/lib/auth/session";
import { signOutAction } from "../signin/actions";
import "./account.css";

export async function AccountArea() {
  const user = await currentUser();
  if (!user) {
    return (
      <div className="account" data-testid="account-area">
        <Link href="/signin">Sign in</Link>
      </div>
    );
  }
  return (
    <div className="account" data-testid="account-area">
      {user.role === "admin" && (
        <nav aria-label="Admin" className="admin-links">
          <Link href="/admin/users">Users</Link>
          <Link href="/admin/import">Import</Link>
          <Link href="/admin/providers" title="The LLM provider that drafts labels, its spending cap and runs">Providers</Link>
        </nav>
      )}
      <Link href="/account" title={`Your account and API keys (signed in as ${user.email})`}>
        {user.name ?? user.email}
      </Link>
      <span className="badge" aria-label={`role ${user.role}`}>{user.role}</span>
      <form action={signOutAction}>
        <button type="submit" className="secondary">Sign out</button>
      </form>
    </div>
  );
}
