"use client";
/**
 * Finding features (by label words or by index, within one SAE of the model) and setting how each
 * chosen feature steers: method, a slider in that method's units, presets.
 */
import Link from "next/link";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { featureHref } from "@/app/components/format";
import { defaultAddUnit, METHOD_UNITS, STEER_METHODS, unitsFor, type AddUnit, type SteerMethod } from "@/lib/steering/methods";
import type { FeatureSetting, SteerModelOption } from "./types";

interface FeatureSummary {
  maxActivation: number;
  label: string | null;
}

async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
  return body as T;
}

/** The feature's max activation (the clamp unit) and current label. */
export function useFeatureSummary(saeId: number, index: number) {
  return useQuery({
    queryKey: ["steer-feature", saeId, index],
    queryFn: async (): Promise<FeatureSummary> => {
      const detail = await fetchJson<{ feature: { maxActivation: number }; labels: { text: string; isCurrent?: boolean }[] }>(`/api/v1/saes/${saeId}/features/${index}`);
      return { maxActivation: detail.feature.maxActivation, label: detail.labels.find((l) => l.isCurrent)?.text ?? null };
    },
    staleTime: 5 * 60_000,
  });
}

interface LabelSearchResult {
  results: { feature: { saeId: number; index: number; maxActivation: number }; label: { text: string } }[];
}

export function FeatureFinder({ model, onAdd }: { model: SteerModelOption; onAdd: (saeId: number, index: number) => void }) {
  const [saeId, setSaeId] = useState<number>(model.saes[0]?.id ?? 0);
  const [text, setText] = useState("");
  const sae = model.saes.find((s) => s.id === saeId) ?? model.saes[0];
  const query = text.trim();
  const asIndex = /^#?\d{1,9}$/.test(query) ? Number(query.replace("#", "")) : null;
  const search = useQuery({
    queryKey: ["steer-label-search", sae?.id, query],
    queryFn: () => fetchJson<LabelSearchResult>(`/api/v1/search/labels?${new URLSearchParams({ q: query, sae: String(sae!.id), limit: "8" })}`),
    enabled: Boolean(sae) && query.length >= 2 && asIndex === null,
  });
  if (!sae) return <p className="muted">This model has no SAEs yet, so there is nothing to steer with.</p>;
  const indexValid = asIndex !== null && asIndex < sae.dSae;
  return (
    <div className="feature-finder">
      <div className="finder-row">
        <label>
          SAE{" "}
          <select value={sae.id} onChange={(e) => setSaeId(Number(e.target.value))} aria-label="SAE to find features in">
            {model.saes.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.hookName}, {s.dSae} features)</option>)}
          </select>
        </label>
        <label className="finder-query">
          Find a feature{" "}
          <input
            type="search" value={text} onChange={(e) => setText(e.target.value)}
            placeholder="label words, or an index like 42" aria-label="Find a feature by label or index"
            onKeyDown={(e) => {
              if (e.key === "Enter" && indexValid) { e.preventDefault(); onAdd(sae.id, asIndex!); setText(""); }
            }}
          />
        </label>
      </div>
      {asIndex !== null && (
        indexValid ? (
          <button type="button" className="secondary" onClick={() => { onAdd(sae.id, asIndex); setText(""); }}>Add feature #{asIndex} of {sae.name}</button>
        ) : (
          <p className="error-text">{sae.name} has features 0 to {sae.dSae - 1}.</p>
        )
      )}
      {asIndex === null && query.length >= 2 && (
        <ul className="finder-results" aria-label="Matching features">
          {search.isPending && <li className="muted">Searching labels…</li>}
          {search.isError && <li className="error-text">{(search.error as Error).message}</li>}
          {search.data?.results.length === 0 && <li className="muted">No label in {sae.name} matches; type an index instead.</li>}
          {search.data?.results.map((r) => (
            <li key={`${r.feature.saeId}-${r.feature.index}`}>
              <button type="button" className="secondary" onClick={() => { onAdd(r.feature.saeId, r.feature.index); setText(""); }}>Add</button>{" "}
              <span className="mono">#{r.feature.index}</span> {r.label.text}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function FeatureSettingCard({ model, setting, position, onChange, onRemove }: {
  model: SteerModelOption; setting: FeatureSetting; position: number;
  onChange: (next: FeatureSetting) => void; onRemove: () => void;
}) {
  const sae = model.saes.find((s) => s.id === setting.saeId);
  const summary = useFeatureSummary(setting.saeId, setting.index);
  const units = unitsFor(setting.method, setting.unit);
  const idBase = `feature-${position}`;
  const hookNorm = sae?.typicalHookNorm ?? null;
  const setMethod = (method: SteerMethod) => {
    const unit = method === "add" ? defaultAddUnit(hookNorm) : undefined;
    onChange({ saeId: setting.saeId, index: setting.index, method, value: unitsFor(method, unit).defaultValue, ...(unit ? { unit } : {}) });
  };
  const setUnit = (unit: AddUnit) => onChange({ ...setting, unit, value: unitsFor("add", unit).defaultValue });
  const maxActivation = summary.data?.maxActivation;
  return (
    <fieldset className="feature-setting" aria-label={`Steering feature ${setting.index}`}>
      <legend>
        <Link href={featureHref(model.name, sae?.name ?? String(setting.saeId), setting.index)} target="_blank">
          {sae?.name ?? `SAE ${setting.saeId}`} #{setting.index}
        </Link>{" "}
        <span className="muted">{summary.data ? (summary.data.label ?? "no label") : summary.isError ? "" : "…"}</span>
      </legend>
      <div className="method-choice" role="radiogroup" aria-label="Method">
        {STEER_METHODS.map((method) => (
          <label key={method} title={METHOD_UNITS[method].description}>
            <input type="radio" name={`${idBase}-method`} checked={setting.method === method} onChange={() => setMethod(method)} /> {METHOD_UNITS[method].label}
          </label>
        ))}
        <button type="button" className="secondary remove-feature" onClick={onRemove} aria-label={`Remove feature ${setting.index}`}>Remove</button>
      </div>
      <p className="muted method-help">{units.description}</p>
      {setting.method === "add" && (
        <div className="unit-choice" role="radiogroup" aria-label="Unit of s">
          <label title="h ← h + s·N·d/‖d‖, N the hook's mean ‖h‖ on the dashboard corpus">
            <input type="radio" name={`${idBase}-unit`} checked={setting.unit === "hook-norm"} disabled={!hookNorm} onChange={() => setUnit("hook-norm")} /> × typical ‖h‖ (unit direction)
          </label>
          <label title="h ← h + s·d, d the SAE's decoder row as stored">
            <input type="radio" name={`${idBase}-unit`} checked={setting.unit !== "hook-norm"} onChange={() => setUnit("decoder")} /> raw decoder row
          </label>
          <small className="muted">
            {hookNorm
              ? `Typical ‖h‖ at ${sae?.hookName}: N = ${hookNorm.toFixed(3)}${setting.unit === "hook-norm" ? `; s = ${setting.value} adds a vector of length ${(Math.abs(setting.value) * hookNorm).toFixed(2)}.` : "."}`
              : `The typical ‖h‖ at ${sae?.hookName ?? "this hook"} has not been measured for this SAE yet (it is measured when its dashboards are computed; for SAEs computed earlier run npm run steer:hook-norms), so only the raw unit is available.`}
          </small>
        </div>
      )}
      {units.slider && (
        <div className="strength-row">
          <label htmlFor={`${idBase}-value`}>Strength</label>
          <input
            id={`${idBase}-value`} type="range" min={units.slider.min} max={units.slider.max} step={units.slider.step}
            value={Math.min(units.slider.max, Math.max(units.slider.min, setting.value))}
            onChange={(e) => onChange({ ...setting, value: Number(e.target.value) })}
            aria-valuetext={`${setting.value} ${units.unit}`}
          />
          <input
            type="number" className="strength-number" step={units.slider.step} min={-1000} max={1000} value={setting.value}
            onChange={(e) => onChange({ ...setting, value: e.target.value === "" ? 0 : Number(e.target.value) })}
            aria-label={`Strength (${units.unit})`}
          />
          <span className="muted">{units.unit}</span>
        </div>
      )}
      {units.presets.length > 0 && (
        <div className="presets" aria-label="Presets">
          {units.presets.map((preset) => (
            <button type="button" key={preset.label} className={`secondary${preset.value === setting.value ? " preset-active" : ""}`} onClick={() => onChange({ ...setting, value: preset.value })}>
              {preset.label}
            </button>
          ))}
        </div>
      )}
      {setting.method === "clamp" && maxActivation !== undefined && (
        <p className="muted method-help">
          {maxActivation > 0
            ? `Max activation ${maxActivation.toFixed(3)}: the activation is pinned to ${(setting.value * maxActivation).toFixed(3)}.`
            : "This feature never fired on the dashboard corpus, so clamp has no unit: use add or multiply."}
        </p>
      )}
    </fieldset>
  );
}
