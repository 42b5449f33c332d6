"use client";
/** The import form: posts to /api/v1/admin/imports and shows what was registered, or the specific validation error. */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

interface ImportResult {
  modelName: string;
  modelCreated: boolean;
  saes: Array<{ saeId: number; name: string; created: boolean; hookName: string; dSae: number; run: { id: number; status: string } | null }>;
}

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

export function ImportForm({ placeholders }: { placeholders: { model: string; corpus: string } }) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; code?: string } | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const number = (name: string) => (text(name) ? Number(text(name)) : undefined);
    const names = lines(text("saeNames"));
    const body = {
      modelDir: text("modelDir"),
      saeDirs: lines(text("saeDirs")),
      saeNames: names.length ? names : undefined,
      corpus: text("corpus") || undefined,
      tokens: number("tokens"),
      contextSize: number("contextSize"),
    };
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const response = await fetch("/api/v1/admin/imports", {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
      });
      const json = await response.json();
      if (!response.ok) {
        const details = json.error?.details;
        setError({ message: json.error?.message ?? `HTTP ${response.status}`, code: typeof details?.code === "string" ? details.code : json.error?.code });
      } else {
        setResult(json as ImportResult);
        await queryClient.invalidateQueries({ queryKey: ["admin-imports"] });
      }
    } catch (caught) {
      setError({ message: (caught as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="stack" aria-label="Import a model and SAEs">
      <label>
        Model package folder
        <input name="modelDir" required placeholder={placeholders.model} />
      </label>
      <label>
        SAELens folders (one per line)
        <textarea name="saeDirs" required rows={3} />
      </label>
      <label>
        SAE names (optional, one per line, same order; default: folder names)
        <textarea name="saeNames" rows={2} />
      </label>
      <label>
        Corpus file or folder (optional: without it the SAEs are only registered)
        <input name="corpus" placeholder={placeholders.corpus} />
      </label>
      <div className="button-row">
        <label>
          Tokens
          <input name="tokens" type="number" min={1} placeholder="1000000" />
        </label>
        <label>
          Context size
          <input name="contextSize" type="number" min={2} placeholder="128" />
        </label>
      </div>
      <button type="submit" disabled={busy}>{busy ? "Validating…" : "Validate and import"}</button>
      {error && (
        <p className="alert" role="alert">
          {error.message}
          {error.code && <> <code>{error.code}</code></>}
        </p>
      )}
      {result && (
        <div className="success" role="status">
          <p>Model {result.modelName}: {result.modelCreated ? "registered" : "already registered"}.</p>
          <ul>
            {result.saes.map((sae) => (
              <li key={sae.saeId}>
                {sae.name} ({sae.hookName}, {sae.dSae} features): {sae.created ? "registered" : "already registered"}
                {sae.run ? `; dashboards ${sae.run.status === "done" ? "already computed" : "enqueued"}` : ""}
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}
