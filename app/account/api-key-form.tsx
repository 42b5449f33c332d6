"use client";
/** Creates an API key and shows it once; after leaving the page only its prefix remains. */
import { useActionState } from "react";
import { createApiKeyAction, type CreateKeyState } from "./actions";

export function ApiKeyForm() {
  const [state, action, pending] = useActionState<CreateKeyState, FormData>(createApiKeyAction, {});
  return (
    <>
      {state.created && (
        <div className="success" role="status" data-testid="new-api-key">
          <p style={{ marginTop: 0 }}>
            <strong>Key &ldquo;{state.created.apiKey.name}&rdquo; created.</strong> Copy it now: it is shown only once.
          </p>
          <label htmlFor="new-key-value">Your new API key</label>
          <input id="new-key-value" className="secret-value" readOnly value={state.created.key} onFocus={(e) => e.currentTarget.select()} />
          <p className="small muted" style={{ marginBottom: 0 }}>
            Use it as <code>Authorization: Bearer {state.created.apiKey.prefix}…</code>
          </p>
        </div>
      )}
      {state.error && <p className="alert" role="alert">{state.error}</p>}
      <form action={action}>
        <div className="form-row">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" name="name" required maxLength={100} placeholder="e.g. labelling script" />
        </div>
        <fieldset>
          <legend>Scope</legend>
          <label><input type="radio" name="scope" value="read" defaultChecked /> read — GET routes only</label>
          <br />
          <label><input type="radio" name="scope" value="write" /> read and write — also changes, within your role</label>
        </fieldset>
        <div className="form-row">
          <label htmlFor="key-expiry">Expires after</label>
          <select id="key-expiry" name="expiresInDays" defaultValue="90">
            <option value="7">7 days</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="365">1 year</option>
            <option value="">never</option>
          </select>
        </div>
        <button type="submit" disabled={pending}>{pending ? "Creating…" : "Create key"}</button>
      </form>
    </>
  );
}
