"use client";
/**
 * The steering form: model, prompt, features (found by label or index) with per-method strengths
 * and presets, sampling settings; the run streams the default and the steered completion side by
 * side and ends with a permalink.
 */
import Link from "next/link";
import { useState } from "react";
import { STEER_LIMITS, type SteerRequest } from "@/lib/inference/protocol";
import { FeatureFinder, FeatureSettingCard } from "./FeatureControls";
import { SteerOutputs } from "./SteerOutputs";
import type { FeatureSetting, SteerFormState, SteerModelOption } from "./types";
import { useSteerRun } from "./useSteerRun";
import { steerHref } from "@/lib/steering/query";
import { METHOD_UNITS } from "@/lib/steering/methods";

export function toSteerRequest(form: SteerFormState): SteerRequest {
  return {
    modelId: form.modelId!,
    prompt: form.prompt,
    features: form.features.map((f) => ({
      saeId: f.saeId, index: f.index, method: f.method, value: f.method === "ablate" ? 0 : f.value,
      // the API's unit applies to add only (and means the raw decoder row when absent)
      ...(f.method === "add" ? { unit: f.unit ?? "decoder" } : {}),
    })),
    temperature: form.temperature,
    topP: form.topP,
    maxTokens: form.maxTokens,
    seed: form.seed,
  };
}

/** What is wrong with the form before sending, in the words the API would use. */
export function formProblem(form: SteerFormState): string | null {
  if (form.modelId === null) return "Choose a model.";
  if (!form.prompt.length) return "Write a prompt.";
  if (form.prompt.length > STEER_LIMITS.maxPromptChars) return `Prompts are limited to ${STEER_LIMITS.maxPromptChars.toLocaleString("en")} characters (this one has ${form.prompt.length.toLocaleString("en")}).`;
  if (!form.features.length) return "Choose at least one feature to steer with.";
  if (form.features.length > STEER_LIMITS.maxFeatures) return `Steer with at most ${STEER_LIMITS.maxFeatures} features at once.`;
  if (form.features.some((f) => !Number.isFinite(f.value) || Math.abs(f.value) > 1000)) return "Strengths must be numbers between −1000 and 1000.";
  return null;
}

export function SteerWorkbench({ models, initial, signedIn }: { models: SteerModelOption[]; initial: SteerFormState; signedIn: boolean }) {
  const [form, setForm] = useState<SteerFormState>(initial);
  const { state, run, stop } = useSteerRun();
  const model = models.find((m) => m.id === form.modelId) ?? null;
  const problem = formProblem(form);
  const running = state.status === "running";

  const setFeature = (i: number, next: FeatureSetting) => setForm((f) => ({ ...f, features: f.features.map((x, j) => (j === i ? next : x)) }));
  const addFeature = (saeId: number, index: number) =>
    setForm((f) => f.features.some((x) => x.saeId === saeId && x.index === index) ? f : { ...f, features: [...f.features, { saeId, index, method: "clamp", value: METHOD_UNITS.clamp.defaultValue }] });

  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    if (problem || running) return;
    void run(toSteerRequest(form));
  };
  const first = form.features[0];

  return (
    <div className="steer-layout">
      <form className="steer-form panel" onSubmit={onSubmit} aria-label="Steering settings">
        <div className="form-row">
          <label htmlFor="steer-model">Model</label>
          <select
            id="steer-model" value={form.modelId ?? ""}
            onChange={(e) => {
              const modelId = Number(e.target.value);
              const saeIds = new Set(models.find((m) => m.id === modelId)?.saes.map((s) => s.id));
              setForm((f) => ({ ...f, modelId, features: f.features.filter((x) => saeIds.has(x.saeId)) }));
            }}
          >
            {form.modelId === null && <option value="">Choose a model</option>}
            {models.map((m) => <option key={m.id} value={m.id}>{m.displayName ?? m.name} ({m.saes.length} {m.saes.length === 1 ? "SAE" : "SAEs"})</option>)}
          </select>
        </div>
        <div className="form-row">
          <label htmlFor="steer-prompt">Prompt</label>
          <textarea id="steer-prompt" rows={4} value={form.prompt} onChange={(e) => setForm((f) => ({ ...f, prompt: e.target.value }))} />
          <small className={form.prompt.length > STEER_LIMITS.maxPromptChars ? "error-text" : "muted"}>
            {form.prompt.length.toLocaleString("en")} / {STEER_LIMITS.maxPromptChars.toLocaleString("en")} characters
          </small>
        </div>

        <h2>Features</h2>
        {model && form.features.map((setting, i) => (
          <FeatureSettingCard key={`${setting.saeId}-${setting.index}`} model={model} setting={setting} position={i}
            onChange={(next) => setFeature(i, next)} onRemove={() => setForm((f) => ({ ...f, features: f.features.filter((_, j) => j !== i) }))} />
        ))}
        {model && form.features.length < STEER_LIMITS.maxFeatures && <FeatureFinder key={model.id} model={model} onAdd={addFeature} />}

        <details className="sampling">
          <summary>Sampling: temperature {form.temperature}, top-p {form.topP}, {form.maxTokens} tokens, seed {form.seed}</summary>
          <div className="sampling-grid">
            <label>Temperature <input type="number" min={0} max={2} step={0.1} value={form.temperature} onChange={(e) => setForm((f) => ({ ...f, temperature: Number(e.target.value) }))} /></label>
            <label>Top-p <input type="number" min={0.05} max={1} step={0.05} value={form.topP} onChange={(e) => setForm((f) => ({ ...f, topP: Number(e.target.value) }))} /></label>
            <label>Max tokens <input type="number" min={1} max={STEER_LIMITS.maxTokens} step={1} value={form.maxTokens} onChange={(e) => setForm((f) => ({ ...f, maxTokens: Math.round(Number(e.target.value)) }))} /></label>
            <label>Seed <input type="number" min={0} step={1} value={form.seed} onChange={(e) => setForm((f) => ({ ...f, seed: Math.round(Number(e.target.value)) }))} /></label>
          </div>
          <p className="muted">Both completions use this seed and these settings, so every difference comes from steering. At most {STEER_LIMITS.maxTokens} tokens.</p>
        </details>

        <div className="steer-actions">
          <button type="submit" disabled={Boolean(problem) || running}>{running ? "Steering…" : "Steer"}</button>
          {running && <button type="button" className="secondary" onClick={stop}>Stop</button>}
          {first && form.modelId !== null && (
            <Link href={`/steer/sweep?${new URL(steerHref({ modelId: form.modelId, saeId: first.saeId, feature: first.index, method: first.method, value: first.value, unit: first.unit, prompt: form.prompt }), "http://x").searchParams}`}>
              Sweep {first.method === "ablate" ? "this feature" : "its strength"} →
            </Link>
          )}
          {problem && <span className="muted" role="note">{problem}</span>}
        </div>
        {!signedIn && <p className="muted small-print">Runs are saved with a public permalink. <Link href="/signin?callbackUrl=/steer">Sign in</Link> to keep a history of yours.</p>}
      </form>

      <section className="steer-results" aria-label="Steering results">
        {state.status === "idle" && (
          <div className="empty-state">
            <p>Choose a feature and press <strong>Steer</strong>. The default and the steered completion are generated side by side from the same seed; tokens that differ are highlighted.</p>
          </div>
        )}
        {state.status === "error" && <p className="error-text steer-error" role="alert">{state.error}</p>}
        {state.status !== "idle" && <SteerOutputs prompt={state.prompt} result={state.result} running={running} />}
        {(state.permalink || state.timingsMs) && (
          <p className="steer-run-meta">
            {state.permalink && <><Link href={state.permalink}>Permalink to this run</Link> · </>}
            {state.timingsMs && <>first token {Math.round(state.timingsMs.firstToken)} ms, total {Math.round(state.timingsMs.total)} ms</>}
            {state.executionProvider && <> on {state.executionProvider}</>}
          </p>
        )}
      </section>
    </div>
  );
}
