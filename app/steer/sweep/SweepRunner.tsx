"use client";
/**
 * Strength sweep: one feature steered at N strengths, run one after another through the same API
 * as the form (same seed each time), charting the feature's mean activation on the steered
 * generated tokens (each at its own position) and the mean KL from default on the default text's
 * prefix, and listing each value's output.
 */
import Link from "next/link";
import { useRef, useState } from "react";
import { TokenText } from "@/app/components/TokenText";
import { STEER_LIMITS } from "@/lib/inference/protocol";
import { ADD_UNITS, defaultAddUnit, METHOD_UNITS, STEER_METHODS, unitsFor, type AddUnit, type SteerMethod } from "@/lib/steering/methods";
import { resultFromDone, summarizeRun, sweepValues } from "@/lib/steering/result";
import { streamSteer, SteerRequestError } from "@/lib/steering/stream";
import { SweepChart } from "./SweepChart";
import type { SteerFormState, SteerModelOption } from "../types";

interface SweepRow {
  value: number;
  steeredText: string;
  defaultText: string;
  /** Over the steered completion's generated tokens that have a reading (its EOS excluded). */
  meanActivation: number | null;
  activationTokens: number;
  /** On the default text's prefix, over the steps the default completion ran. */
  meanKl: number | null;
  klSteps: number;
  permalink: string | null;
}

const MAX_POINTS = 12;

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

export function SweepRunner({ models, initial }: { models: SteerModelOption[]; initial: SteerFormState }) {
  const start = initial.features[0];
  const [modelId, setModelId] = useState<number | null>(initial.modelId);
  const model = models.find((m) => m.id === modelId) ?? null;
  const [saeId, setSaeId] = useState<number>(start?.saeId ?? model?.saes[0]?.id ?? 0);
  const [index, setIndex] = useState<number>(start?.index ?? 0);
  const [method, setMethod] = useState<SteerMethod>(start && start.method !== "ablate" ? start.method : "clamp");
  const [unit, setUnit] = useState<AddUnit>(start?.method === "add" && start.unit ? start.unit : defaultAddUnit(model?.saes.find((s) => s.id === saeId)?.typicalHookNorm));
  const units = unitsFor(method, unit);
  const slider = units.slider!;
  const range = (m: SteerMethod, u: AddUnit) => (m === "clamp" ? [-10, 10] : [unitsFor(m, u).slider!.min, unitsFor(m, u).slider!.max]);
  const [from, setFrom] = useState<number>(range(method, unit)[0]);
  const [to, setTo] = useState<number>(range(method, unit)[1]);
  const [count, setCount] = useState(5);
  const [prompt, setPrompt] = useState(initial.prompt);
  const [seed, setSeed] = useState(initial.seed);
  const [maxTokens, setMaxTokens] = useState(Math.min(initial.maxTokens, 24));
  const [rows, setRows] = useState<SweepRow[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const sae = model?.saes.find((s) => s.id === saeId) ?? model?.saes[0];
  const values = sweepValues(from, to, count);

  const problem =
    !model || !sae ? "Choose a model with an SAE." :
    !prompt ? "Write a prompt." :
    prompt.length > STEER_LIMITS.maxPromptChars ? `Prompts are limited to ${STEER_LIMITS.maxPromptChars} characters.` :
    !(index >= 0 && index < sae.dSae) ? `${sae.name} has features 0 to ${sae.dSae - 1}.` :
    method === "add" && unit === "hook-norm" && !sae.typicalHookNorm ? `The typical ‖h‖ of ${sae.name}'s hook has not been measured yet (npm run steer:hook-norms): use the raw decoder unit.` :
    !(count >= 2 && count <= MAX_POINTS) ? `Sweep 2 to ${MAX_POINTS} values.` :
    values.some((v) => !Number.isFinite(v) || Math.abs(v) > 1000) ? "Strengths must lie between −1000 and 1000." : null;

  const runSweep = async () => {
    if (problem || !model || !sae) return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setError(null);
    setRows([]);
    try {
      for (let i = 0; i < values.length && !controller.signal.aborted; i++) {
        const value = values[i];
        setStatus(`Running ${i + 1} of ${values.length} (strength ${value})…`);
        const feature = { saeId: sae.id, index, method, value, ...(method === "add" ? { unit } : {}) };
        const request = { modelId: model.id, prompt, features: [feature], temperature: initial.temperature, topP: initial.topP, maxTokens, seed };
        for (let attempt = 0; ; attempt++) {
          try {
            const { done, saved } = await streamSteer(request, () => {}, { signal: controller.signal });
            const summary = summarizeRun(resultFromDone(done));
            setRows((r) => [...r, {
              value, steeredText: done.steered.text, defaultText: done.default.text, meanActivation: summary.meanActivation,
              activationTokens: summary.activationTokens, meanKl: summary.meanKl, klSteps: summary.klSteps, permalink: saved?.permalink ?? null,
            }]);
            break;
          } catch (e) {
            // a sweep is many requests in a row: wait out the rate limit once rather than give up
            if (e instanceof SteerRequestError && e.status === 429 && attempt < 2) {
              const wait = e.retryAfter ?? 10;
              setStatus(`Rate-limited: waiting ${wait} s before strength ${value}…`);
              await sleep(wait * 1000, controller.signal);
              continue;
            }
            throw e;
          }
        }
      }
      setStatus(controller.signal.aborted ? "Stopped." : null);
    } catch (e) {
      if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      setStatus(null);
    } finally {
      setRunning(false);
    }
  };

  return (
    <div>
      <form className="sweep-form panel" onSubmit={(e) => { e.preventDefault(); void runSweep(); }} aria-label="Sweep settings">
        <label>Model
          <select value={modelId ?? ""} onChange={(e) => { const m = models.find((x) => x.id === Number(e.target.value)); setModelId(m?.id ?? null); setSaeId(m?.saes[0]?.id ?? 0); }}>
            {models.map((m) => <option key={m.id} value={m.id}>{m.displayName ?? m.name}</option>)}
          </select>
        </label>
        <label>SAE
          <select value={sae?.id ?? ""} onChange={(e) => setSaeId(Number(e.target.value))}>
            {model?.saes.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <label>Feature <input type="number" min={0} step={1} value={index} onChange={(e) => setIndex(Math.round(Number(e.target.value)))} /></label>
        <label>Method
          <select value={method} onChange={(e) => {
            const next = e.target.value as SteerMethod;
            const [lo, hi] = range(next, unit);
            setMethod(next); setFrom(lo); setTo(hi);
          }}>
            {STEER_METHODS.filter((m) => m !== "ablate").map((m) => <option key={m} value={m}>{METHOD_UNITS[m].label}</option>)}
          </select>
        </label>
        {method === "add" && (
          <label>Unit
            <select value={unit} onChange={(e) => {
              const next = e.target.value as AddUnit;
              const [lo, hi] = range("add", next);
              setUnit(next); setFrom(lo); setTo(hi);
            }}>
              {ADD_UNITS.map((u) => <option key={u} value={u} disabled={u === "hook-norm" && !sae?.typicalHookNorm}>{unitsFor("add", u).unit}</option>)}
            </select>
          </label>
        )}
        <label>From <input type="number" step={slider.step} value={from} onChange={(e) => setFrom(Number(e.target.value))} /></label>
        <label>To <input type="number" step={slider.step} value={to} onChange={(e) => setTo(Number(e.target.value))} /></label>
        <label>Values <input type="number" min={2} max={MAX_POINTS} value={count} onChange={(e) => setCount(Math.round(Number(e.target.value)))} /></label>
        <label>Tokens <input type="number" min={1} max={STEER_LIMITS.maxTokens} value={maxTokens} onChange={(e) => setMaxTokens(Math.round(Number(e.target.value)))} /></label>
        <label>Seed <input type="number" min={0} value={seed} onChange={(e) => setSeed(Math.round(Number(e.target.value)))} /></label>
        <label style={{ flexBasis: "100%" }}>Prompt <textarea rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} /></label>
        <button type="submit" disabled={Boolean(problem) || running}>{running ? "Sweeping…" : `Sweep ${values.length} values`}</button>
        {running && <button type="button" className="secondary" onClick={() => abort.current?.abort()}>Stop</button>}
        <span className="muted">{problem ?? `${units.unit}: ${values.join(", ")}`}</span>
      </form>
      {status && <p className="muted" role="status">{status}</p>}
      {error && <p className="error-text steer-error" role="alert">{error}</p>}
      {rows.length > 0 && (
        <>
          <SweepChart points={rows} unit={units.unit} />
          <p className="muted sweep-definitions">
            Activation: the feature&apos;s mean activation over the steered completion&apos;s generated tokens, each read at
            the token&apos;s own position after steering (its EOS and anything after it excluded). KL: mean
            KL(default‖steered) of the next-token distributions on the default text&apos;s prefix, over the steps the
            default completion ran.
          </p>
          <table className="data sweep-table" aria-label="Outputs per strength">
            <thead><tr><th className="num">strength</th><th className="num" title="mean over the steered generated tokens, at each token's own position">mean activation (tokens)</th><th className="num" title="on the default text's prefix">mean KL (steps)</th><th>steered output</th><th /></tr></thead>
            <tbody>
              <tr><td className="num">default</td><td /><td className="num">0</td><td className="steer-text"><TokenText text={rows[0].defaultText} /></td><td /></tr>
              {rows.map((row) => (
                <tr key={row.value}>
                  <td className="num">{row.value}</td>
                  <td className="num">{row.meanActivation === null ? "—" : `${row.meanActivation.toFixed(3)} (${row.activationTokens})`}</td>
                  <td className="num">{row.meanKl === null ? "—" : `${row.meanKl.toFixed(4)} (${row.klSteps})`}</td>
                  <td className="steer-text"><TokenText text={row.steeredText} /></td>
                  <td>{row.permalink && <Link href={row.permalink}>run</Link>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
