/** /steer/runs/[id] — a saved steering run (public permalink) with "Run again", which reproduces it. */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { featureHref } from "@/app/components/format";
import { getSteeringRun } from "@/lib/db/steering";
import { SteerRequestSchema } from "@/lib/inference/protocol";
import { describeSetting } from "@/lib/steering/methods";
import { resultFromSaved } from "@/lib/steering/result";
import { steerModelOptions } from "../../models";
import { SteerOutputs } from "../../SteerOutputs";
import { RunAgain } from "./RunAgain";
import "@/app/components/browse.css";
import "../../steer.css";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

function parseId(raw: string): number | null {
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Steering run ${(await params).id}` };
}

export default async function SteeringRunPage({ params }: Props) {
  const id = parseId((await params).id);
  if (id === null) notFound();
  const run = await getSteeringRun(id);
  if (!run) notFound();
  const parsed = SteerRequestSchema.safeParse(run.params);
  const models = await steerModelOptions();
  const model = models.find((m) => m.id === run.modelId);
  const result = resultFromSaved(run.defaultTokens, run.steeredTokens);
  return (
    <article aria-labelledby="run-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li><Link href="/steer">Steer</Link></li>
          <li aria-current="page">Run {run.id}</li>
        </ol>
      </nav>
      <h1 id="run-title">Steering run {run.id}</h1>
      <p className="muted">
        {run.model.name} · {run.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC
        {run.author ? ` · by ${run.author.name ?? "a signed-in user"}` : " · anonymous"}
        {run.executionDevice ? ` · ran on ${run.executionDevice}` : ""}
      </p>
      {parsed.success ? (
        <table className="data params-table" aria-label="Run settings">
          <tbody>
            {parsed.data.features.map((f, i) => {
              const sae = model?.saes.find((s) => s.id === f.saeId);
              return (
                <tr key={i}>
                  <th scope="row">{i === 0 ? "Features" : ""}</th>
                  <td>
                    {sae ? <Link href={featureHref(run.model.name, sae.name, f.index)}>{sae.name} #{f.index}</Link> : `SAE ${f.saeId} #${f.index}`}
                    {" — "}{describeSetting(f.method, f.value, f.unit)}
                  </td>
                </tr>
              );
            })}
            <tr><th scope="row">Sampling</th><td>temperature {parsed.data.temperature}, top-p {parsed.data.topP}, {parsed.data.maxTokens} tokens max, seed {parsed.data.seed}</td></tr>
          </tbody>
        </table>
      ) : (
        <p className="error-text">This run&apos;s settings could not be read, so it cannot be run again.</p>
      )}
      <h2>Saved result</h2>
      <SteerOutputs prompt={run.prompt} result={result} />
      {parsed.success && (
        <RunAgain request={parsed.data} saved={{ defaultTokens: result.defaultTokens, steeredTokens: result.steeredTokens }} editHref={`/steer?run=${run.id}`} />
      )}
    </article>
  );
}
