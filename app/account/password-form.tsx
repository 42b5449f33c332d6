"use client";
/** Sets or changes the signed-in user's password. */
import { useActionState } from "react";
import { changePasswordAction, type PasswordState } from "./actions";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password-policy";

export function PasswordForm({ hasPassword }: { hasPassword: boolean }) {
  const [state, action, pending] = useActionState<PasswordState, FormData>(changePasswordAction, {});
  return (
    <form action={action}>
      {state.error && <p className="alert" role="alert">{state.error}</p>}
      {state.done && <p className="success" role="status">Password saved.</p>}
      {hasPassword && (
        <div className="form-row">
          <label htmlFor="current-password">Current password</label>
          <input id="current-password" name="currentPassword" type="password" autoComplete="current-password" required />
        </div>
      )}
      <div className="form-row">
        <label htmlFor="new-password">New password</label>
        <input id="new-password" name="newPassword" type="password" autoComplete="new-password" required
          minLength={PASSWORD_MIN_LENGTH} aria-describedby="new-password-help" />
        <span id="new-password-help" className="small muted">At least {PASSWORD_MIN_LENGTH} characters.</span>
      </div>
      <div className="form-row">
        <label htmlFor="repeat-password">Repeat new password</label>
        <input id="repeat-password" name="repeatPassword" type="password" autoComplete="new-password" required />
      </div>
      <button type="submit" disabled={pending}>{hasPassword ? "Change password" : "Set password"}</button>
    </form>
  );
}
