/** Your account: who you are, your role, your password and your API keys. */
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { apiKeyUnusableReason } from "@/lib/auth/api-keys";
import { ROLE_DESCRIPTIONS } from "@/lib/auth/roles";
import { currentUser } from "@/lib/auth/session";
import { listApiKeys } from "@/lib/db/api-keys";
import { db } from "@/lib/db/client";
import { revokeApiKeyAction } from "./actions";
import { ApiKeyForm } from "./api-key-form";
import { PasswordForm } from "./password-form";
import "./account.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Account" };

function when(date: Date | null): string {
  return date ? date.toISOString().slice(0, 16).replace("T", " ") + " UTC" : "—";
}

export default async function AccountPage() {
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/account");
  const [keys, stored] = await Promise.all([
    listApiKeys(user.id),
    db().user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true, accounts: { select: { provider: true } } } }),
  ]);

  return (
    <div className="account-page">
      <h1>Your account</h1>
      <section className="panel" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl>
          <dt>Email</dt><dd data-testid="account-email">{user.email}</dd>
          {user.name && (<><dt>Name</dt><dd>{user.name}</dd></>)}
          <dt>Role</dt>
          <dd data-testid="account-role"><strong>{user.role}</strong> — {ROLE_DESCRIPTIONS[user.role]}</dd>
          <dt>Sign-in methods</dt>
          <dd>
            {[stored.passwordHash ? "password" : null, "email link", ...stored.accounts.map((a) => a.provider)].filter(Boolean).join(", ")}
          </dd>
        </dl>
        {user.role === "admin" && <p><Link href="/admin/users">Manage users</Link></p>}
      </section>

      <section className="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">API keys</h2>
        <p className="muted">
          Scripts send a key as <code>Authorization: Bearer fs_…</code> to any <Link href="/api-docs">/api/v1 route</Link>.
          A key acts with your role ({user.role}), limited to its scope. Only a hash is stored: a lost key cannot be
          shown again — revoke it and create another.
        </p>
        {keys.length === 0 ? (
          <p className="muted" data-testid="no-api-keys">You have no API keys yet.</p>
        ) : (
          <table className="data" data-testid="api-keys">
            <thead>
              <tr><th>Name</th><th>Key</th><th>Scope</th><th>Created</th><th>Last used</th><th>Expires</th><th>State</th><th><span className="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {keys.map((key) => {
                const state = apiKeyUnusableReason(key) ?? "active";
                return (
                  <tr key={key.id}>
                    <td>{key.name}</td>
                    <td className="mono">{key.prefix}…</td>
                    <td>{key.scopes.join(" + ")}</td>
                    <td>{when(key.createdAt)}</td>
                    <td>{when(key.lastUsedAt)}</td>
                    <td>{key.expiresAt ? when(key.expiresAt) : "never"}</td>
                    <td><span className={`badge ${state === "active" ? "" : "revoked"}`}>{state}</span></td>
                    <td>
                      {state === "active" && (
                        <form action={revokeApiKeyAction} className="inline-form">
                          <input type="hidden" name="id" value={key.id} />
                          <button type="submit" className="secondary" aria-label={`Revoke key ${key.name} (${key.prefix}…)`}>Revoke</button>
                        </form>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <h3>New key</h3>
        <ApiKeyForm />
      </section>

      <section className="panel" aria-labelledby="password-heading">
        <h2 id="password-heading">{stored.passwordHash ? "Change password" : "Set a password"}</h2>
        {!stored.passwordHash && (
          <p className="muted">You sign in by email link{stored.accounts.length ? " or single sign-on" : ""}. A password is optional.</p>
        )}
        <PasswordForm hasPassword={Boolean(stored.passwordHash)} />
      </section>
    </div>
  );
}
