/** /steer/history — your steering runs, newest first (keyset pages). */
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { listSteeringRuns } from "@/lib/db/steering";
import { SteerRequestSchema } from "@/lib/inference/protocol";
import { describeSetting } from "@/lib/steering/methods";
import { steeringRunPath } from "@/lib/steering/permalink";
import "@/app/components/browse.css";
import "../steer.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your steering runs" };

const PAGE_SIZE = 20;

function preview(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export default async function SteeringHistoryPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/steer/history");
  const { before: rawBefore } = await searchParams;
  const before = rawBefore || undefined;
  const { runs, nextBefore } = await listSteeringRuns(user.id, { before, limit: PAGE_SIZE });
  return (
    <article aria-labelledby="history-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb"><ol><li><Link href="/steer">Steer</Link></li><li aria-current="page">Your runs</li></ol></nav>
      <h1 id="history-title">Your steering runs</h1>
      {runs.length === 0 ? (
        <div className="empty-state"><p>No runs {before ? "before this one" : "yet"}. <Link href="/steer">Steer with a feature</Link> and it shows up here.</p></div>
      ) : (
        <ol className="history-list" aria-label="Steering runs">
          {runs.map((run) => {
            const params = SteerRequestSchema.safeParse(run.params);
            return (
              <li key={run.id}>
                <Link href={steeringRunPath(run.id)}>Run <span className="mono">{run.id.slice(0, 8)}</span></Link>{" "}
                <span className="muted">
                  {run.model.name} · {run.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC
                  {params.success && ` · ${params.data.features.map((f) => `#${f.index} ${describeSetting(f.method, f.value, f.unit)}`).join(", ")}`}
                </span>
                <div className="history-text"><span className="muted">{preview(run.prompt, 80)}</span> → {preview(run.steeredOutput)}</div>
              </li>
            );
          })}
        </ol>
      )}
      {nextBefore !== null && <p><Link href={`/steer/history?before=${encodeURIComponent(nextBefore)}`}>Older runs →</Link></p>}
    </article>
  );
}
