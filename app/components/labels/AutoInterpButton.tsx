"use client";
/**
 * "Draft a label with auto-interp" for one feature — or, without `index`, for every live feature of
 * the SAE without an accepted label (admins) — starts a run and follows it until the drafts (or the
 * errors) arrive.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiCall } from "./client";
import { labelsKey } from "./LabelsPanelClient";

interface Run {
  id: number;
  status: string;
  featuresDone: number;
  featuresFailed: number;
  featuresSkipped: number;
  featuresTotal: number;
  errors: { message?: string; final?: boolean }[];
}

export function AutoInterpButton({ saeId, index }: { saeId: number; index?: number }) {
  const whole = index === undefined;
  const queryClient = useQueryClient();
  const [runId, setRunId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useQuery({
    queryKey: ["autointerp-run", runId],
    enabled: runId !== null,
    queryFn: async () => {
      const result = await apiCall<Run>("GET", `/api/v1/autointerp/runs/${runId}`);
      if (!result.ok) throw new Error(result.error?.message);
      if (["done", "failed", "capped"].includes(result.data!.status)) {
        void queryClient.invalidateQueries({ queryKey: index === undefined ? ["labels", saeId] : labelsKey(saeId, index) });
        if (whole) void queryClient.invalidateQueries({ queryKey: ["progress", saeId] });
      }
      return result.data!;
    },
    refetchInterval: (query) => (query.state.data && ["done", "failed", "capped"].includes(query.state.data.status) ? false : 2000),
  });
  const start = async () => {
    setError(null);
    const result = await apiCall<Run>("POST", `/api/v1/saes/${saeId}/autointerp`, index === undefined ? {} : { indices: [index] });
    if (!result.ok) return setError(result.error?.message ?? "Could not start.");
    setRunId(result.data!.id);
  };
  const state = run.data;
  const lastError = state?.errors[state.errors.length - 1];
  return (
    <div className="panel-row">
      <button type="button" className="secondary" onClick={start} disabled={runId !== null && !!state && !["done", "failed", "capped"].includes(state.status)}>
        {whole ? "Draft every unlabelled feature with auto-interp" : "Draft a label with auto-interp"}
      </button>
      {state && (
        <span role="status" className={`notice ${state.status === "failed" ? "error" : ""}`}>
          Run #{state.id}: {state.status}
          {whole && ` — ${state.featuresDone} drafted, ${state.featuresFailed} failed, ${state.featuresSkipped} skipped of ${state.featuresTotal}`}
          {state.status === "done" && (whole ? "; the drafts wait for review in this queue." : " — the draft is in the list above, waiting for review.")}
          {state.status === "capped" && " — stopped by the spending cap."}
          {lastError?.message && state.status !== "done" && ` — ${lastError.final ? "failed" : "retrying after"}: ${lastError.message}`}
        </span>
      )}
      {error && <span className="notice error" role="alert">{error}</span>}
    </div>
  );
}
