/** Admin: the OpenAI-compatible provider that drafts labels, its prices, spending cap and concurrency, and recent runs. */
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { pageAccess } from "@/lib/auth/session";
import { getAutoInterpSettings, listAutoInterpRuns, publicSettings } from "@/lib/db/autointerp";
import { saveProviderAction, testProviderAction } from "./actions";
import "../../account/account.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Auto-interp provider" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function Source({ of }: { of: string }) {
  return <small className="muted"> ({of === "settings" ? "set here" : of === "environment" ? "from the environment" : "not set"})</small>;
}

export default async function ProvidersPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("admin");
  if (access.state === "anonymous") redirect("/signin?callbackUrl=/admin/providers");
  if (access.state === "forbidden") {
    return (
      <div className="account-page">
        <h1>Auto-interp provider</h1>
        <p className="alert" role="alert">Only admins can manage providers. You are signed in as {access.user.role}.</p>
      </div>
    );
  }
  const params = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const settings = publicSettings(await getAutoInterpSettings());
  const runs = await listAutoInterpRuns(null, 15);
  const notice = first(params.notice);
  const error = first(params.error);
  return (
    <div className="account-page">
      <h1>Auto-interp provider</h1>
      <p className="muted">
        Machine-drafted labels come from any OpenAI-compatible chat endpoint (POST <code>{"{base URL}"}/chat/completions</code>).
        Values left empty fall back to <code>FEATURESCOPE_LLM_BASE_URL</code>, <code>FEATURESCOPE_LLM_MODEL</code> and <code>FEATURESCOPE_LLM_API_KEY</code>.
      </p>
      {notice && <p className="success" role="status">{notice}</p>}
      {error && <p className="alert" role="alert">{error}</p>}
      {settings.keyProblem && <p className="alert" role="alert">{settings.keyProblem}</p>}
      <form action={saveProviderAction} className="panel" style={{ display: "grid", gap: "0.6rem", maxWidth: "40rem" }}>
        <label>Base URL<Source of={settings.sources.baseUrl} /><br />
          <input name="baseUrl" type="url" defaultValue={settings.sources.baseUrl === "settings" ? (settings.baseUrl ?? "") : ""} placeholder={settings.baseUrl ?? "https://api.openai.com/v1"} style={{ width: "100%" }} aria-describedby="base-url-help" />
          <small id="base-url-help" className="muted">Moving to another origin (scheme, host or port) clears the stored key, so a key is never sent to a server it was not entered for: enter the new provider&apos;s key with it.</small>
        </label>
        <label>Model<Source of={settings.sources.model} /><br />
          <input name="model" defaultValue={settings.sources.model === "settings" ? (settings.model ?? "") : ""} placeholder={settings.model ?? "gpt-4o-mini"} style={{ width: "100%" }} />
        </label>
        <label>API key<Source of={settings.sources.apiKey} /> {settings.apiKeySet && <small>current: {settings.apiKeyHint}</small>}<br />
          <input name="apiKey" type="password" autoComplete="off" placeholder={settings.apiKeySet ? "leave empty to keep the current key" : "sk-…"} style={{ width: "100%" }} />
        </label>
        <label><input type="checkbox" name="removeKey" /> Remove the stored key</label>
        <fieldset style={{ display: "flex", gap: "0.8rem", flexWrap: "wrap", border: "1px solid var(--border)", borderRadius: "var(--radius)" }}>
          <legend>Spending</legend>
          <label>USD per 1M input tokens<br /><input name="priceInputPerMTok" type="number" step="any" min="0" defaultValue={settings.priceInputPerMTok} /></label>
          <label>USD per 1M output tokens<br /><input name="priceOutputPerMTok" type="number" step="any" min="0" defaultValue={settings.priceOutputPerMTok} /></label>
          <label title="The ceiling: editors may ask a run for less, never for more">Cap per run (USD, the ceiling)<br /><input name="spendCapUsd" type="number" step="any" min="0" defaultValue={settings.spendCapUsd ?? ""} /></label>
          <label>Max tokens per run<br /><input name="maxTokensPerRun" type="number" min="1" defaultValue={settings.maxTokensPerRun ?? ""} /></label>
          <label>Concurrent jobs<br /><input name="concurrency" type="number" min="1" max="16" defaultValue={settings.concurrency} /></label>
        </fieldset>
        <div style={{ display: "flex", gap: "0.5rem" }}>
          <button type="submit">Save provider</button>
        </div>
      </form>
      <form action={testProviderAction} style={{ marginTop: "0.6rem" }}>
        <button type="submit" className="secondary">Test the provider</button>
      </form>

      <h2>Recent runs</h2>
      {runs.length === 0 ? <p className="muted">No auto-interp runs yet.</p> : (
        <table className="data">
          <thead><tr><th>Run</th><th>SAE</th><th>Status</th><th>Features (done / failed / skipped of total)</th><th>Tokens</th><th>Cost</th><th>Latest error</th></tr></thead>
          <tbody>
            {runs.map((run) => {
              const errors = run.errors as { index: number; message: string }[];
              const last = errors[errors.length - 1];
              return (
                <tr key={run.id}>
                  <td>#{run.id} <small className="muted">{run.model}</small></td>
                  <td>{run.saeId}</td>
                  <td>{run.status}</td>
                  <td>{run.featuresDone} / {run.featuresFailed} / {run.featuresSkipped} of {run.featuresTotal}</td>
                  <td>{run.promptTokens + run.completionTokens}</td>
                  <td>${run.costUsd.toFixed(4)}{run.spendCapUsd !== null && <small className="muted"> of ${run.spendCapUsd}</small>}</td>
                  <td>{last ? <span className="error-text">feature {last.index}: {last.message}</span> : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
