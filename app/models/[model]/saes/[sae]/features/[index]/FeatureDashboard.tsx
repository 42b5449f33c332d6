/**
 * The feature card: statistics, labels, examples, intervals, histograms, logit effects and
 * neighbours. Rendered on the server; only the example lists and charts hydrate.
 */
import Link from "next/link";
import type { FeaturePageData, LabelView } from "@/lib/db/features";
import { ContextWidthControl, ExampleSettingsProvider } from "@/app/components/ExampleSettings";
import { ExampleList } from "@/app/components/ExampleList";
import { Histogram } from "@/app/components/Histogram";
import { ProbedHistogram, ProbeProvider } from "@/app/components/probe";
import { TestYourText } from "./TestYourText";
import { BrowseOnlyNote } from "@/app/components/BrowseOnlyNote";
import { LogitBars } from "@/app/components/LogitBars";
import { densityAsOneIn, featureHref, formatActivation, formatDensity, formatShare } from "@/app/components/format";
import { storedLogitEffects } from "@/lib/model/logit-effects-convention";

export function examplesApiUrl(saeId: number, index: number, kind: "top" | "interval", interval?: number): string {
  const base = `/api/v1/saes/${saeId}/features/${index}/examples?kind=${kind}&limit=10`;
  return interval === undefined ? base : `${base}&interval=${interval}`;
}

export function StatusBadge({ status }: { status: string | null }) {
  if (!status) return null;
  const text = status === "draft" ? "draft" : status;
  return <span className={`badge badge-${status}`}>{text}</span>;
}

function provenanceSummary(provenance: unknown): string | null {
  if (!provenance || typeof provenance !== "object") return null;
  const p = provenance as Record<string, unknown>;
  const parts = [p.model, p.provider && p.provider !== p.model ? `via ${String(p.provider)}` : null,
    p.promptVersion ? `prompt ${String(p.promptVersion)}` : null].filter(Boolean);
  return parts.length ? parts.map(String).join(" · ") : null;
}

function LabelItem({ label }: { label: LabelView }) {
  const provenance = label.source === "model" ? provenanceSummary(label.provenance) : null;
  return (
    <li className={label.isCurrent ? "label-current" : undefined}>
      <div className="label-text">{label.text}</div>
      <div className="label-meta">
        <StatusBadge status={label.status} />
        <span className="badge badge-source">{label.source === "human" ? "human" : "model"}</span>
        {label.isCurrent && <span>shown label</span>}
        <span>{label.source === "human" ? (label.authorName ?? "unknown author") : (provenance ?? "model (no provenance recorded)")}</span>
        <span title="net votes">votes {label.voteScore >= 0 ? `+${label.voteScore}` : label.voteScore}</span>
        {label.detectionScore !== null && <span title="detection score (balanced accuracy)">detection {label.detectionScore.toFixed(2)}</span>}
        {label.simulationScore !== null && <span title="simulation score (Pearson r)">simulation {label.simulationScore.toFixed(2)}</span>}
        {label.version > 1 && <span>v{label.version}</span>}
      </div>
    </li>
  );
}

/** Says exactly what the stored logit effects are (Sae.metricsDetails.logitEffects, lib/model/logit-effects-convention.ts). */
function LogitEffectsNote({ record }: { record: unknown }) {
  const kind = storedLogitEffects(record);
  if (kind === "current") {
    return (
      <p className="note">
        Decoder direction · W<sub>U</sub> with the final LayerNorm&apos;s scale (ln_f weight) folded in and centred over
        d<sub>model</sub>, as TransformerLens&apos;s fold_ln does (MLP features: through W<sub>out</sub> first). Not folded:
        LayerNorm&apos;s 1/σ, which depends on the token and scales all these values alike, and its bias, which adds the same
        amount to a token&apos;s logit whatever the feature. A guide to what the feature promotes, not exact logits.
      </p>
    );
  }
  if (kind === "raw-unembedding") {
    return (
      <p className="note">
        Decoder direction · raw W<sub>U</sub>, without the final LayerNorm (computed by an older version; the job worker
        recomputes them with the LayerNorm&apos;s scale folded in).
      </p>
    );
  }
  return <p className="note">Logit effects as imported; how they were computed is not recorded.</p>;
}

export function FeatureDashboard({ data, embed = false }: { data: FeaturePageData; embed?: boolean }) {
  const { sae, feature } = data;
  const modelName = sae.model.name;
  const current = data.labels.find((label) => label.isCurrent) ?? null;
  const logitScale = Math.max(
    ...feature.logitTop.map((e) => Math.abs(e.value)),
    ...feature.logitBottom.map((e) => Math.abs(e.value)),
    0,
  );
  const shareScale = Math.max(...data.intervals.map((g) => g.share ?? 0), 0);
  const link = (index: number) => featureHref(modelName, sae.name, index);

  return (
    <ExampleSettingsProvider>
      <ProbeProvider>
      <div className="feature-layout">
        <div>
          <dl className="metric-grid" aria-label="Feature statistics">
            <div className="metric">
              <dt>Density</dt>
              <dd>{formatDensity(feature.density)}<small>{densityAsOneIn(feature.density)}</small></dd>
            </div>
            <div className="metric">
              <dt>Max activation</dt>
              <dd>{formatActivation(feature.maxActivation)}<small>on the dashboard corpus</small></dd>
            </div>
            <div className="metric">
              <dt>Label</dt>
              <dd>{current ? <StatusBadge status={current.status} /> : <span className="muted">none</span>}
                <small>{feature.labelScore !== null ? `score ${feature.labelScore.toFixed(2)}` : "no score"}</small></dd>
            </div>
          </dl>

          {feature.dead ? (
            <div className="empty-state">
              <p><strong>Dead feature.</strong> It never fired on the dashboard corpus
                {sae.dashboardTokens ? ` (${sae.dashboardTokens.toLocaleString("en")} tokens)` : ""}, so it has no examples,
                histogram or interval samples.</p>
            </div>
          ) : (
            <>
              <section aria-labelledby="top-examples">
                <div className="section-tools">
                  <h2 id="top-examples">Top activations <span className="muted">{data.topTotal} contexts with the highest max activation</span></h2>
                  <ContextWidthControl />
                </div>
                {data.topExamples.length === 0 ? (
                  <p className="muted">No examples were stored for this feature.</p>
                ) : (
                  <ExampleList
                    label="Top activating examples"
                    noun="top examples"
                    examples={data.topExamples}
                    maxActivation={feature.maxActivation}
                    moreUrl={embed ? null : examplesApiUrl(sae.id, feature.index, "top")}
                    nextAfter={embed ? null : data.topNextAfter}
                    total={data.topTotal}
                    hint
                  />
                )}
              </section>

              {!embed && (
                <section aria-labelledby="test-text">
                  <h2 id="test-text">Test your own text</h2>
                  {sae.hasWeights
                    ? <TestYourText modelId={sae.model.id} saeId={sae.id} index={feature.index} maxActivation={feature.maxActivation} />
                    : <BrowseOnlyNote what="Testing your own text" />}
                </section>
              )}

              {!embed && data.intervals.length > 0 && (
                <section aria-labelledby="intervals">
                  <h2 id="intervals">Activation intervals <span className="muted">random contexts whose max activation lies in each range</span></h2>
                  {data.intervals.map((group) => (
                    <div className="interval-group" key={group.intervalIndex}>
                      <h3 className="interval-head">
                        <span>Interval {group.intervalIndex + 1}: activation in ({group.intervalIndex === 0 ? "0" : formatActivation(group.min, 2)}, {formatActivation(group.max, 2)}]</span>
                        <span className="muted" style={{ fontWeight: 400 }}>
                          {formatShare(group.share)} of active tokens
                          {group.share !== null && shareScale > 0 && (
                            <span className="share-bar" style={{ width: `${(group.share / shareScale) * 4}rem` }} aria-hidden="true" />
                          )}
                        </span>
                      </h3>
                      <ExampleList
                        label={`Interval ${group.intervalIndex + 1} examples`}
                        noun="from this interval"
                        examples={group.examples}
                        maxActivation={feature.maxActivation}
                        moreUrl={examplesApiUrl(sae.id, feature.index, "interval", group.intervalIndex)}
                        nextAfter={group.nextAfter}
                        total={group.total}
                      />
                    </div>
                  ))}
                </section>
              )}
            </>
          )}
        </div>

        <aside aria-label="Feature details">
          {!embed && (
            <section className="side-panel" aria-labelledby="labels">
              <h2 id="labels">Labels</h2>
              {data.labels.length === 0 ? (
                <p className="muted">No labels yet.</p>
              ) : (
                <ul className="labels">{data.labels.map((label) => <LabelItem key={label.id} label={label} />)}</ul>
              )}
            </section>
          )}

          {feature.histogram && (
            <section className="side-panel" aria-labelledby="histogram">
              <h2 id="histogram">Activation density</h2>
              <p className="note">{formatDensity(feature.density)} of tokens are non-zero; their activations:</p>
              <ProbedHistogram
                label="Histogram of non-zero activations"
                xLabel="activation"
                min={feature.histogram.min}
                max={feature.histogram.max}
                counts={feature.histogram.counts}
                width={embed ? 290 : 330}
              />
            </section>
          )}

          {(feature.logitTop.length > 0 || feature.logitBottom.length > 0) && (
            <section className="side-panel" aria-labelledby="logits">
              <h2 id="logits">Logit effects</h2>
              <LogitEffectsNote record={sae.logitEffects} />
              <div className="logit-grid">
                <LogitBars title="Positive: promoted tokens" entries={feature.logitTop} scale={logitScale} sign="positive" />
                <LogitBars title="Negative: suppressed tokens" entries={feature.logitBottom} scale={logitScale} sign="negative" />
              </div>
              {!embed && feature.logitHistogram && (
                <Histogram
                  label="Histogram of logit effects over the vocabulary"
                  xLabel="logit effect"
                  min={feature.logitHistogram.min}
                  max={feature.logitHistogram.max}
                  counts={feature.logitHistogram.counts}
                  signed
                  height={130}
                />
              )}
            </section>
          )}

          {!embed && feature.neighbours.length > 0 && (
            <section className="side-panel" aria-labelledby="neighbours">
              <h2 id="neighbours">Nearest features</h2>
              <p className="note">By cosine similarity of decoder directions.</p>
              <ul className="neighbours">
                {feature.neighbours.map((neighbour) => (
                  <li key={neighbour.index}>
                    <span>
                      <Link href={link(neighbour.index)} aria-label={`Feature ${neighbour.index}${neighbour.labelText ? `: ${neighbour.labelText}` : ""}, cosine ${neighbour.cosine.toFixed(3)}`}>
                        #{neighbour.index}
                      </Link>{" "}
                      {neighbour.labelText && <span className="neighbour-label">{neighbour.labelText}</span>}
                      {neighbour.dead && <span className="badge badge-dead">dead</span>}
                    </span>
                    <span className="mono" title="decoder cosine similarity">{neighbour.cosine.toFixed(3)}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </aside>
      </div>
      </ProbeProvider>
    </ExampleSettingsProvider>
  );
}
