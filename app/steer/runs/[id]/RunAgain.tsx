"use client";
/** "Run again": repeats a saved run with its exact settings and says whether the texts came out the same. */
import Link from "next/link";
import type { SteerRequest } from "@/lib/inference/protocol";
import { SteerOutputs } from "../../SteerOutputs";
import { useSteerRun } from "../../useSteerRun";

export function RunAgain({ request, saved, editHref }: { request: SteerRequest; saved: { default: string; steered: string }; editHref: string }) {
  const { state, run } = useSteerRun();
  const running = state.status === "running";
  const texts = {
    default: state.result.defaultTokens.map((t) => t.text).join(""),
    steered: state.result.steeredTokens.map((t) => t.text).join(""),
  };
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
          {texts.default === saved.default && texts.steered === saved.steered
            ? "Reproduced exactly: both texts are identical to the saved run."
            : `Not identical to the saved run (${texts.default === saved.default ? "default same" : "default differs"}, ${texts.steered === saved.steered ? "steered same" : "steered differs"}): the model or SAE files changed since, or the run was made on another execution provider.`}
          {state.permalink && <> New permalink: <Link href={state.permalink}>{state.permalink}</Link></>}
        </p>
      )}
      {state.status !== "idle" && <SteerOutputs prompt={state.prompt} result={state.result} running={running} />}
    </section>
  );
}
