/** The feature page (and, with ?embed=1, the feature card alone for iframes). */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getFeaturePage } from "@/lib/db/features";
import { CopyButton } from "@/app/components/CopyButton";
import { featureHref, saeHref } from "@/app/components/format";
import { decodeSegment } from "@/app/components/segments";
import { steerHref } from "@/lib/steering/query";
import { FeatureDashboard, StatusBadge } from "./FeatureDashboard";
import { LabelsPanel } from "@/app/components/labels/LabelsPanel";
import { FeatureKeys } from "./FeatureKeys";
import "@/app/components/browse.css";

export const dynamic = "force-dynamic";

interface Params {
  params: Promise<{ model: string; sae: string; index: string }>;
  searchParams: Promise<{ embed?: string }>;
}

function parseIndex(raw: string): number | null {
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { model, sae, index } = await params;
  return { title: `Feature ${index} · ${decodeSegment(sae)} · ${decodeSegment(model)}` };
}

export default async function FeaturePage({ params, searchParams }: Params) {
  const { model, sae, index: rawIndex } = await params;
  const { embed: embedParam } = await searchParams;
  const modelName = decodeSegment(model);
  const saeName = decodeSegment(sae);
  const index = parseIndex(rawIndex);
  if (index === null) notFound();
  const data = await getFeaturePage(modelName, saeName, index);
  if (!data) notFound();
  const embed = embedParam === "1" || embedParam === "true";
  const permalink = featureHref(modelName, saeName, index);
  const current = data.labels.find((label) => label.isCurrent) ?? null;
  const jsonUrl = `/api/v1/saes/${data.sae.id}/features/${index}`;

  if (embed) {
    return (
      <article className="embed-root" aria-label={`Feature ${index} of ${saeName}`}>
        <header className="feature-header">
          <div>
            <h1 style={{ fontSize: "1.2rem" }}>
              Feature {index} <span className="muted" style={{ fontWeight: 400, fontSize: "0.9rem" }}>{data.sae.model.name} · {data.sae.name} · {data.sae.hookName}</span>
            </h1>
            <p className="feature-title-label">
              {current ? <>{current.text} <StatusBadge status={current.status} /></> : <span className="muted">No label yet</span>}
              {data.feature.dead && <> <span className="badge badge-dead">dead</span></>}
            </p>
          </div>
        </header>
        <FeatureDashboard data={data} embed />
        <p className="embed-footer">
          <a href={permalink} target="_blank" rel="noopener">Open feature {index} in Featurescope ↗</a>
        </p>
      </article>
    );
  }

  const sae$ = saeHref(modelName, saeName);
  return (
    <article aria-labelledby="feature-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li><Link href="/">Models</Link></li>
          <li>{data.sae.model.displayName ?? data.sae.model.name}</li>
          <li><Link href={sae$}>{data.sae.name}</Link> <span className="mono">({data.sae.hookName})</span></li>
          <li aria-current="page">Feature {index}</li>
        </ol>
      </nav>
      <header className="feature-header">
        <div>
          <h1 id="feature-title">Feature {index}</h1>
          <p className="feature-title-label">
            {current ? <>{current.text} <StatusBadge status={current.status} /></> : <span className="muted">No label yet</span>}
            {data.feature.dead && <> <span className="badge badge-dead">dead</span></>}
            {data.feature.ultraRare && <> <span className="badge badge-rare">ultra-rare</span></>}
          </p>
        </div>
        <nav className="feature-nav" aria-label="Feature navigation">
          {data.prevIndex !== null ? (
            <Link className="button" href={featureHref(modelName, saeName, data.prevIndex)} rel="prev" aria-keyshortcuts="[">← #{data.prevIndex}</Link>
          ) : (
            <span className="button-link muted" aria-disabled="true">← first</span>
          )}
          {data.nextIndex !== null ? (
            <Link className="button" href={featureHref(modelName, saeName, data.nextIndex)} rel="next" aria-keyshortcuts="]">#{data.nextIndex} →</Link>
          ) : (
            <span className="button-link muted" aria-disabled="true">last →</span>
          )}
          <a className="button" href={`${sae$}/random`} aria-keyshortcuts="r">Random</a>
          <a className="button" href={permalink} title="Permanent link to this feature">Permalink</a>
          <CopyButton source={{ text: permalink }} label="Copy link" />
          <CopyButton source={{ url: jsonUrl }} label="Copy as JSON" />
          <a className="button" href={`${permalink}?embed=1`}>Embed</a>
          <a className="button" href={steerHref({ modelId: data.sae.model.id, saeId: data.sae.id, feature: index })}>Steer with this feature</a>
        </nav>
      </header>
      <FeatureKeys
        prevHref={data.prevIndex !== null ? featureHref(modelName, saeName, data.prevIndex) : null}
        nextHref={data.nextIndex !== null ? featureHref(modelName, saeName, data.nextIndex) : null}
        randomHref={`${sae$}/random`}
      />
      <FeatureDashboard data={data} />
      <LabelsPanel saeId={data.sae.id} index={index} />
      <p className="note">Keys: <kbd>[</kbd> previous feature, <kbd>]</kbd> next, <kbd>r</kbd> random; in examples <kbd>↑</kbd>/<kbd>↓</kbd> and <kbd>←</kbd>/<kbd>→</kbd>.</p>
    </article>
  );
}
