/** Home: every model and its SAEs with their quality metrics; pick an SAE to browse its features. */
import Link from "next/link";
import { listModelsWithSaes } from "@/lib/db/catalog";
import { saeHref } from "@/app/components/format";
import { AutoRefresh } from "@/app/components/AutoRefresh";
import "@/app/components/browse.css";

export const dynamic = "force-dynamic";

function fmt(value: number | null, digits = 3): string {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

export default async function HomePage() {
  const models = await listModelsWithSaes();
  const saes = models.flatMap((m) => m.saes.map((s) => ({ ...s, modelName: m.name })));
  const computing = saes.filter((s) => s.status !== "ready" && s.dashboardRun);
  const ready = saes.filter((s) => s.status === "ready");
  return (
    <>
      <h1>Models and SAEs</h1>
      {computing.length > 0 && (
        <section className="panel" role="status" aria-live="polite" data-testid="first-start-progress" style={{ marginBottom: "1rem" }}>
          <AutoRefresh seconds={5} />
          <strong>Computing dashboards</strong>{" "}
          <span className="muted">
            — one pass over the corpus for {computing.length} SAE{computing.length === 1 ? "" : "s"}:{" "}
            {computing[0].dashboardRun!.message ?? computing[0].dashboardRun!.phase}
            {" "}({Math.floor(computing[0].dashboardRun!.progress * 100)}%). Then every feature gets a machine-drafted label.
          </span>
          <br />
          {ready.length > 0
            ? <>Browsable now: {ready.map((s, i) => <span key={s.id}>{i > 0 && ", "}<Link href={saeHref(s.modelName, s.name)}>{s.name}</Link></span>)}.</>
            : <span className="muted">Nothing browsable yet; this page updates by itself.</span>}
        </section>
      )}
      {models.length > 0 && (
        <p className="muted" style={{ marginTop: 0 }}>
          Choose an SAE to browse its features. Metrics are measured on held-out text: L0 is the mean number of active
          features per token; CE loss recovered compares the model&apos;s loss with the SAE spliced in against zero-ablation.
        </p>
      )}
      {models.length === 0 ? (
        <div className="empty-state" data-testid="empty-catalog">
          <p><strong>No models or SAEs yet.</strong></p>
          <p className="muted">
            Import a model package and a SAELens folder with{" "}
            <code>npm run import -- --model &lt;model package&gt; --sae &lt;SAELens folder&gt;</code>.
            The demo model and its SAEs are imported automatically by <code>npm start</code> once they are built.
          </p>
        </div>
      ) : (
        models.map((model) => (
          <section key={model.id} className="panel" style={{ marginBottom: "1rem" }} aria-labelledby={`model-${model.id}`}>
            <h2 id={`model-${model.id}`} style={{ marginTop: 0 }}>
              {model.displayName ?? model.name}{" "}
              <span className="muted" style={{ fontWeight: 400, fontSize: "0.9rem" }}>
                {model.knownByNameOnly ? "known by name only (no model package): its SAEs are browse-only"
                  : `${model.architecture} · ${model.nLayers} layers · d_model ${model.dModel} · vocab ${model.dVocab}`}
              </span>
            </h2>
            {model.saes.length === 0 ? (
              <p className="muted">No SAEs imported for this model.</p>
            ) : (
              <table className="data">
                <thead>
                  <tr>
                    <th>SAE</th><th>Hook</th><th>Architecture</th><th className="num">Features</th>
                    <th className="num"><abbr title="mean number of active features per token">L0</abbr></th>
                    <th className="num"><abbr title="1 − E‖x−x̂‖² / Var(x)">Explained var.</abbr></th>
                    <th className="num"><abbr title="(CE zero-ablation − CE with SAE) / (CE zero-ablation − CE clean)">CE loss rec.</abbr></th>
                    <th className="num"><abbr title="fraction of features never active on the evaluation corpus">Dead</abbr></th>
                    <th className="num"><abbr title="features with an accepted label">Labelled</abbr></th>
                    <th className="num"><abbr title="features whose shown label is a machine draft awaiting review">Drafts</abbr></th>
                  </tr>
                </thead>
                <tbody>
                  {model.saes.map((sae) => (
                    <tr key={sae.id}>
                      <td>
                        <Link href={saeHref(model.name, sae.name)}>{sae.name}</Link>
                        {sae.status !== "ready" && (
                          <>
                            {" "}
                            <span className="badge badge-draft" title={sae.dashboardRun?.message ?? "dashboards are not complete"}>
                              {sae.dashboardRun?.status === "running"
                                ? `computing ${Math.floor(sae.dashboardRun.progress * 100)}%`
                                : sae.dashboardRun?.status === "queued" ? "queued" : sae.status}
                            </span>
                          </>
                        )}
                      </td>
                      <td className="mono">{sae.hookName}</td>
                      <td>{sae.architecture ?? <span className="muted">browse-only</span>}{sae.k ? ` (k=${sae.k})` : ""}</td>
                      <td className="num">{sae.dSae.toLocaleString("en")}</td>
                      <td className="num">{fmt(sae.l0, 1)}</td>
                      <td className="num">{fmt(sae.explainedVariance)}</td>
                      <td className="num">{fmt(sae.ceLossRecovered)}</td>
                      <td className="num">{sae.deadFraction === null ? "—" : `${(sae.deadFraction * 100).toFixed(1)}%`}</td>
                      <td className="num">{sae.labelledCount.toLocaleString("en")}</td>
                      <td className="num">{sae.draftCount.toLocaleString("en")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        ))
      )}
    </>
  );
}
