"use client";
/**
 * "Test your own text": runs the reader's text through the model and this SAE (POST
 * /api/v1/activations → the inference service) and highlights each token by this feature's
 * activation, on the same colour scale as the examples; the max is marked on the histogram.
 */
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { activationColour } from "@/app/components/ExampleList";
import { TokenText } from "@/app/components/TokenText";
import { formatActivation, tokenLiteral } from "@/app/components/format";
import { useProbe } from "@/app/components/probe";

interface ProbeToken {
  id: number;
  text: string;
  bos: boolean;
  partial: boolean;
}

interface ProbeResult {
  tokens: ProbeToken[];
  values: number[];
  executionProvider: string;
  ms: number;
}

interface ActivationsResponse {
  executionProvider: string;
  tokens: ProbeToken[];
  saes: { saeId: number; features: { index: number; values: number[] }[] }[];
  timingsMs: { total: number };
}

async function runProbe(body: { modelId: number; saeId: number; index: number; text: string }): Promise<ProbeResult> {
  const response = await fetch("/api/v1/activations", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ modelId: body.modelId, text: body.text, topK: 1, saes: [{ saeId: body.saeId, features: [body.index] }] }),
  });
  const json = (await response.json().catch(() => null)) as (ActivationsResponse & { error?: { message: string } }) | null;
  if (!response.ok || !json) throw new Error(json?.error?.message ?? `The request failed (HTTP ${response.status}).`);
  const values = json.saes.find((s) => s.saeId === body.saeId)?.features.find((f) => f.index === body.index)?.values ?? [];
  return { tokens: json.tokens, values, executionProvider: json.executionProvider, ms: json.timingsMs.total };
}

export function TestYourText({ modelId, saeId, index, maxActivation }: { modelId: number; saeId: number; index: number; maxActivation: number }) {
  const [text, setText] = useState("");
  const [inspected, setInspected] = useState<number | null>(null);
  const { setMax } = useProbe();
  const id = useId();
  const probe = useMutation({
    mutationFn: runProbe,
    onSuccess: (result) => {
      const max = Math.max(0, ...result.values.filter((_, i) => !result.tokens[i]?.bos));
      setMax(max);
      setInspected(null);
    },
  });
  const result = probe.data;
  const maxPosition = result
    ? result.values.reduce((best, value, i) => (!result.tokens[i]?.bos && value > (result.values[best] ?? -1) ? i : best), -1)
    : -1;

  return (
    <div className="probe">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (text.trim()) probe.mutate({ modelId, saeId, index, text });
        }}
      >
        <label htmlFor={`${id}-text`} className="sr-only">Text to run through the model</label>
        <textarea
          id={`${id}-text`}
          rows={3}
          value={text}
          maxLength={8000}
          placeholder="Type or paste text to see where this feature fires…"
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) event.currentTarget.form?.requestSubmit();
          }}
        />
        <div className="probe-actions">
          <button type="submit" disabled={probe.isPending || text.trim() === ""}>
            {probe.isPending ? "Running…" : "Show activations"}
          </button>
          <span className="note">Ctrl+Enter runs it. The text goes to this Featurescope&apos;s own inference service.</span>
        </div>
      </form>
      {probe.isError && <p className="error-text" role="alert">{probe.error.message}</p>}
      {result && (
        <div className="probe-result" aria-live="polite">
          <p className="note">
            {maxPosition >= 0 && result.values[maxPosition] > 0 ? (
              <>Max <strong>{formatActivation(result.values[maxPosition])}</strong> on {tokenLiteral(result.tokens[maxPosition].text)}
                {maxActivation > 0 && <> ({Math.round((result.values[maxPosition] / maxActivation) * 100)}% of the dashboard max)</>}</>
            ) : (
              <>The feature does not fire on this text.</>
            )}
            {" · "}{result.tokens.length} tokens · {result.executionProvider} · {Math.round(result.ms)} ms
          </p>
          <p className="example-tokens probe-tokens" data-testid="probe-tokens">
            {result.tokens.map((token, i) => {
              const value = result.values[i] ?? 0;
              const classes = ["tok"];
              if (token.bos) classes.push("tok-bos");
              if (i === maxPosition && value > 0) classes.push("tok-max");
              if (i === inspected) classes.push("tok-inspected");
              return (
                <span
                  key={i}
                  className={classes.join(" ")}
                  tabIndex={0}
                  style={{ backgroundColor: token.bos ? undefined : activationColour(value, maxActivation) }}
                  title={`${tokenLiteral(token.text)} · token ${token.id} · activation ${formatActivation(value)}${token.bos ? " · BOS (excluded)" : ""}`}
                  onMouseEnter={() => setInspected(i)}
                  onFocus={() => setInspected(i)}
                >
                  <TokenText text={token.text} />
                </span>
              );
            })}
          </p>
          <p className="inspector" aria-live="polite">
            {inspected !== null && result.tokens[inspected] ? (
              <>
                <span className="mono">{tokenLiteral(result.tokens[inspected].text)}</span>
                {" · token id "}{result.tokens[inspected].id}
                {" · activation "}{formatActivation(result.values[inspected] ?? 0)}
                {result.tokens[inspected].bos && " · BOS, excluded"}
              </>
            ) : null}
          </p>
        </div>
      )}
    </div>
  );
}
