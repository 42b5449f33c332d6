import type { Metadata } from "next";
import { roleAtLeast } from "@/lib/auth/roles";
import { currentUser } from "@/lib/auth/session";
import { systemHealth } from "@/lib/db/health";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Status" };

function ago(date: Date): string {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  return seconds < 60 ? `${seconds}s ago` : `${Math.round(seconds / 60)} min ago`;
}

export default async function StatusPage() {
  const health = await systemHealth();
  const { database } = health;
  // where things run (hosts, pids) and raw errors are for admins; everyone sees what works
  const user = await currentUser().catch(() => null);
  const admin = !!user && roleAtLeast(user.role, "admin");
  return (
    <>
      <h1>System status</h1>
      <section className="panel" aria-labelledby="db-heading">
        <h2 id="db-heading" style={{ marginTop: 0 }}>Database</h2>
        {database.ok ? (
          <p data-testid="db-status">
            <span className="status-ok">Healthy</span> — PostgreSQL {database.version}, {database.size},
            answered in {database.latencyMs.toFixed(1)} ms
          </p>
        ) : (
          <p data-testid="db-status"><span className="status-bad">Unreachable</span>{admin ? <> — {database.error}</> : null}</p>
        )}
      </section>

      <section className="panel" aria-labelledby="workers-heading" style={{ marginTop: "1rem" }}>
        <h2 id="workers-heading" style={{ marginTop: 0 }}>Workers</h2>
        {health.workers.length === 0 ? (
          <p data-testid="workers-status"><span className="status-bad">No worker has reported.</span>{" "}
            <span className="muted">Start one with <code>npm run worker:jobs</code> (npm start does this).</span></p>
        ) : (
          <table className="data" data-testid="workers-status">
            <thead><tr>{admin && <th>Worker</th>}<th>Kind</th><th>State</th><th>Last seen</th><th>Started</th></tr></thead>
            <tbody>
              {health.workers.map((worker) => (
                <tr key={worker.id}>
                  {admin && <td className="mono" data-testid="worker-name">{worker.name}</td>}
                  <td>{worker.kind}</td>
                  <td>{worker.healthy ? <span className="status-ok">healthy</span> : <span className="status-bad">not responding</span>}</td>
                  <td>{ago(worker.lastSeenAt)}</td>
                  <td>{worker.startedAt.toISOString().replace("T", " ").slice(0, 19)} UTC</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="panel" aria-labelledby="queues-heading" style={{ marginTop: "1rem" }}>
        <h2 id="queues-heading" style={{ marginTop: 0 }}>Job queues</h2>
        {!health.queues ? (
          <p className="muted">Unknown while the database is unreachable.</p>
        ) : !health.queues.installed ? (
          <p className="muted">The queue tables appear when the job worker first starts.</p>
        ) : (
          <table className="data" data-testid="queues-status">
            <thead><tr><th>Queue</th><th className="num">Waiting</th><th className="num">Retrying</th><th className="num">Active</th><th className="num">Completed</th><th className="num">Failed</th></tr></thead>
            <tbody>
              {health.queues.queues.map((queue) => (
                <tr key={queue.name}>
                  <td className="mono">{queue.name}</td>
                  <td className="num">{queue.created}</td>
                  <td className="num">{queue.retry}</td>
                  <td className="num">{queue.active}</td>
                  <td className="num">{queue.completed}</td>
                  <td className="num">{queue.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
