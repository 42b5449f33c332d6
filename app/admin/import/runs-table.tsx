"use client";
/** Live progress of dashboard runs: polls GET /api/v1/admin/imports every 2 s while any run is unfinished. */
import { useQuery } from "@tanstack/react-query";

interface Run {
  id: number;
  saeName: string;
  modelName: string;
  kind: string;
  status: "queued" | "running" | "done" | "failed";
  phase: string;
  progress: number;
  message: string | null;
  error: { code?: string; message: string } | null;
  updatedAt: string;
}

async function fetchRuns(): Promise<Run[]> {
  const response = await fetch("/api/v1/admin/imports", { cache: "no-store" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return ((await response.json()) as { runs: Run[] }).runs;
}

export function RunsTable() {
  const { data, error, isPending } = useQuery({
    queryKey: ["admin-imports"],
    queryFn: fetchRuns,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === "queued" || r.status === "running") ? 2000 : 10_000),
  });
  if (isPending) return <p className="muted">Loading…</p>;
  if (error) return <p className="alert" role="alert">Could not load the runs: {error.message}</p>;
  if (data.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <table className="data-table">
      <thead>
        <tr>
          <th scope="col">SAE</th>
          <th scope="col">Kind</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col">Step</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {data.map((run) => (
          <tr key={run.id}>
            <td>{run.modelName} / {run.saeName}</td>
            <td>{run.kind}</td>
            <td>{run.status}</td>
            <td>
              <progress max={1} value={run.progress} aria-label={`run ${run.id} progress`} /> {(run.progress * 100).toFixed(1)}%
            </td>
            <td>{run.status === "failed" ? `${run.error?.code ?? "error"}: ${run.error?.message ?? ""}` : run.message ?? run.phase}</td>
            <td>{new Date(run.updatedAt).toLocaleTimeString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
