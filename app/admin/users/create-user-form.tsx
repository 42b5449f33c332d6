"use client";
/** Admin form to create a user; a generated password is shown once. */
import { useActionState } from "react";
import { ROLES } from "@/lib/auth/roles";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password-policy";
import { createUserAction, type CreateUserState } from "./actions";

export function CreateUserForm() {
  const [state, action, pending] = useActionState<CreateUserState, FormData>(createUserAction, {});
  return (
    <>
      {state.created && (
        <div className="success" role="status">
          <p style={{ marginTop: 0 }}>Created <strong>{state.created.email}</strong> ({state.created.role}).</p>
          {state.created.password ? (
            <>
              <label htmlFor="generated-password">Generated password — pass it on now, it is shown only once</label>
              <input id="generated-password" className="secret-value" readOnly value={state.created.password} />
            </>
          ) : (
            <p className="small" style={{ marginBottom: 0 }}>They can sign in with the password you set, or by email link.</p>
          )}
        </div>
      )}
      {state.error && <p className="alert" role="alert">{state.error}</p>}
      <form action={action}>
        <div className="form-row">
          <label htmlFor="new-user-email">Email</label>
          <input id="new-user-email" name="email" type="email" required autoComplete="off" />
        </div>
        <div className="form-row">
          <label htmlFor="new-user-name">Name (optional)</label>
          <input id="new-user-name" name="name" maxLength={200} autoComplete="off" />
        </div>
        <div className="form-row">
          <label htmlFor="new-user-role">Role</label>
          <select id="new-user-role" name="role" defaultValue="viewer">
            {ROLES.map((role) => <option key={role} value={role}>{role}</option>)}
          </select>
        </div>
        <div className="form-row">
          <label htmlFor="new-user-password">Password (optional)</label>
          <input id="new-user-password" name="password" type="password" autoComplete="new-password" minLength={PASSWORD_MIN_LENGTH}
            aria-describedby="new-user-password-help" />
          <span id="new-user-password-help" className="small muted">
            At least {PASSWORD_MIN_LENGTH} characters. Leave empty for email-link sign-in only.
          </span>
        </div>
        <div className="form-row">
          <label><input type="checkbox" name="generatePassword" /> Generate a password instead</label>
        </div>
        <button type="submit" disabled={pending}>{pending ? "Creating…" : "Create user"}</button>
      </form>
    </>
  );
}
