"use client";
/** "Run again": repeats a saved run with its exact settings and says whether the same tokens came out. */
import Link from "next/link";
import type { SteerRequest } from "@/lib/inference/protocol";
import { compareRuns, type SteerResultView } from "@/lib/steering/result";
import { SteerOutputs } from "../../SteerOutputs";
import { useSteerRun } from "../../useSteerRun";

export function RunAgain({ request, saved, editHref }: { request: SteerRequest; saved: Pick<SteerResultView, "defaultTokens" | "steeredTokens">; editHref: string }) {
  const { state, run } = useSteerRun();
  const running = state.status === "running";
  const same = compareRuns(saved, state.result);
  return (
    <section aria-labelledby="run-again-title">
      <h2 id="run-again-title">Reproduce</h2>
      <p>
        <button type="button" onClick={() => void run(request)} disabled={running}>{running ? "Running…" : "Run again"}</button>{" "}
        <Link href={editHref}>Open in the steering form</Link>
      </p>
      {state.status === "error" && <p className="error-text steer-error" role="alert">{state.error}</p>}
      {state.status === "done" && (
        <p className="reproduce-status" role="status">
          {same.default && same.steered
            ? "Reproduced exactly: both completions are token for token the saved run."
            : `Not identical to the saved run (${same.default ? "default same" : "default differs"}, ${same.steered ? "steered same" : "steered differs"}): the model or SAE files changed since, or the run was made on another execution provider.`}
          {state.permalink && <> New permalink: <Link href={state.permalink}>{state.permalink}</Link></>}
        </p>
      )}
      {state.status !== "idle" && <SteerOutputs prompt={state.prompt} result={state.result} running={running} />}
    </section>
  );
}
