"use client";
/** "Draft a label with auto-interp" for one feature: starts a run and follows it until the draft (or the error) arrives. */
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
  errors: { message?: string; final?: boolean }[];
}

export function AutoInterpButton({ saeId, index }: { saeId: number; index: number }) {
  const queryClient = useQueryClient();
  const [runId, setRunId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useQuery({
    queryKey: ["autointerp-run", runId],
    enabled: runId !== null,
    queryFn: async () => {
      const result = await apiCall<Run>("GET", `/api/v1/autointerp/runs/${runId}`);
      if (!result.ok) throw new Error(result.error?.message);
      if (["done", "failed", "capped"].includes(result.data!.status)) void queryClient.invalidateQueries({ queryKey: labelsKey(saeId, index) });
      return result.data!;
    },
    refetchInterval: (query) => (query.state.data && ["done", "failed", "capped"].includes(query.state.data.status) ? false : 2000),
  });
  const start = async () => {
    setError(null);
    const result = await apiCall<Run>("POST", `/api/v1/saes/${saeId}/autointerp`, { indices: [index] });
    if (!result.ok) return setError(result.error?.message ?? "Could not start.");
    setRunId(result.data!.id);
  };
  const state = run.data;
  const lastError = state?.errors[state.errors.length - 1];
  return (
    <div className="panel-row">
      <button type="button" className="secondary" onClick={start} disabled={runId !== null && !!state && !["done", "failed", "capped"].includes(state.status)}>
        Draft a label with auto-interp
      </button>
      {state && (
        <span role="status" className={`notice ${state.status === "failed" ? "error" : ""}`}>
          Run #{state.id}: {state.status}
          {state.status === "done" && " — the draft is in the list above, waiting for review."}
          {state.status === "capped" && " — stopped by the spending cap."}
          {lastError?.message && state.status !== "done" && ` — ${lastError.final ? "failed" : "retrying after"}: ${lastError.message}`}
        </span>
      )}
      {error && <span className="notice error" role="alert">{error}</span>}
    </div>
  );
}
