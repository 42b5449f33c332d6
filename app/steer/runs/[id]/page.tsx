/**
 * /steer/runs/[id] — a saved steering run (public permalink, unguessable id) with "Run again",
 * which reproduces it. The author's name shows to signed-in people, and to everyone once the
 * author chooses so here.
 */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { featureHref } from "@/app/components/format";
import { currentUser } from "@/lib/auth/session";
import { getSteeringRun, visibleAuthor } from "@/lib/db/steering";
import { SteerRequestSchema } from "@/lib/inference/protocol";
import { describeSetting } from "@/lib/steering/methods";
import { resultFromSaved } from "@/lib/steering/result";
import { steerModelOptions } from "../../models";
import { SteerOutputs } from "../../SteerOutputs";
import { RunAgain } from "./RunAgain";
import { setAuthorPublicAction } from "./actions";
import "@/app/components/browse.css";
import "../../steer.css";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Steering run ${(await params).id.slice(0, 8)}`, robots: { index: false } };
}

export default async function SteeringRunPage({ params }: Props) {
  const [run, viewer] = await Promise.all([getSteeringRun((await params).id), currentUser()]);
  if (!run) notFound();
  const author = visibleAuthor(run, viewer !== null);
  const isAuthor = viewer !== null && viewer.id === run.authorId;
  const parsed = SteerRequestSchema.safeParse(run.params);
  const models = await steerModelOptions();
  const model = models.find((m) => m.id === run.modelId);
  const result = resultFromSaved(run.defaultTokens, run.steeredTokens);
  return (
    <article aria-labelledby="run-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li><Link href="/steer">Steer</Link></li>
          <li aria-current="page">Run {run.id.slice(0, 8)}</li>
        </ol>
      </nav>
      <h1 id="run-title">Steering run <span className="mono">{run.id.slice(0, 8)}</span></h1>
      <p className="muted" data-testid="run-meta">
        {run.model.name} · {run.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC
        {author ? ` · by ${author.name ?? "a signed-in user"}` : run.authorId !== null ? " · by a signed-in user" : " · anonymous"}
        {run.executionDevice ? ` · ran on ${run.executionDevice}` : ""}
      </p>
      {isAuthor && (
        <form action={setAuthorPublicAction} className="run-author-choice">
          <input type="hidden" name="id" value={run.id} />
          <input type="hidden" name="authorPublic" value={run.authorPublic ? "false" : "true"} />
          <span className="muted small">
            {run.authorPublic
              ? "Your name shows to everyone who has this link. "
              : "Your name shows only to signed-in people; others see “a signed-in user”. "}
          </span>
          <button type="submit" className="secondary">{run.authorPublic ? "Hide my name" : "Show my name to everyone"}</button>
        </form>
      )}
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
        <RunAgain request={parsed.data} saved={{ defaultTokens: result.defaultTokens, steeredTokens: result.steeredTokens }} editHref={`/steer?run=${encodeURIComponent(run.id)}`} />
      )}
    </article>
  );
}
