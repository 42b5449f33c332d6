/**
 * The SAE's machine drafts from the built-in explainer: how their detection and simulation scores
 * are distributed, next to the trivial baseline's on the same examples (docs/LABELS.md).
 */
import { latestBuiltinRun } from "@/lib/db/autointerp";
import type { BuiltinSummary, ScoreDistribution } from "@/lib/labels/autointerp/builtin-run";

const f = (x: number | null) => (x === null ? "—" : x.toFixed(2));
const pct = (x: number) => `${Math.round(x * 100)}%`;

function Row({ name, scores }: { name: string; scores: ScoreDistribution }) {
  return (
    <>
      <td className="num">{f(scores.mean)}</td>
      <td className="num">{f(scores.p25)} · {f(scores.median)} · {f(scores.p75)}</td>
      <td className="num" title={`${name}: features with no score (no negatives, or constant predictions)`}>{scores.nulls.toLocaleString("en")}</td>
    </>
  );
}

export async function BuiltinLabelScores({ saeId }: { saeId: number }) {
  const run = await latestBuiltinRun(saeId);
  const summary = run?.summary as BuiltinSummary | null | undefined;
  if (!run || !summary?.builtin) return null;
  return (
    <section className="panel" aria-labelledby="builtin-scores" data-testid="builtin-scores" style={{ margin: "1rem 0" }}>
      <h2 id="builtin-scores" style={{ marginTop: 0, fontSize: "1.05rem" }}>Machine drafts (built-in explainer)</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        {summary.features.toLocaleString("en")} features have an offline draft: the tokens over-represented where the feature
        fires and what it promotes. Scored on examples the explainer never saw — detection is balanced accuracy against
        verified non-activating contexts, simulation the correlation of a deterministic simulator&apos;s predictions with the
        true activations — next to a baseline that names only the most frequent max-activating token.
      </p>
      <table className="data">
        <thead>
          <tr>
            <th>explainer</th><th>score</th><th className="num">mean</th><th className="num">quartiles (25 · 50 · 75)</th><th className="num">no score</th>
          </tr>
        </thead>
        <tbody>
          <tr><td rowSpan={2}>built-in</td><td>detection</td><Row name="built-in detection" scores={summary.builtin.detection} /></tr>
          <tr><td>simulation</td><Row name="built-in simulation" scores={summary.builtin.simulation} /></tr>
          <tr><td rowSpan={2}>baseline</td><td>detection</td><Row name="baseline detection" scores={summary.baseline.detection} /></tr>
          <tr><td>simulation</td><Row name="baseline simulation" scores={summary.baseline.simulation} /></tr>
        </tbody>
      </table>
      <p className="muted" style={{ marginBottom: 0 }}>
        Built-in better than the baseline on {pct(summary.comparison.detectionBetter)} of features by detection
        (worse on {pct(summary.comparison.detectionWorse)}), on {pct(summary.comparison.simulationBetter)} by simulation
        (worse on {pct(summary.comparison.simulationWorse)}).
      </p>
    </section>
  );
}
