/** The SAE page: its metrics and a sortable, filterable, keyset-paginated table of its features. */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import {
  countSaeFeatures, DEFAULT_ORDER, featureTableQuerySchema, getSaeByNames, listSaeFeatures,
  type FeatureSort, type FeatureTableQuery,
} from "@/lib/db/saes";
import { featureHref, formatActivation, formatDensity, formatMetric, formatPercent, saeHref } from "@/app/components/format";
import { StatusBadge } from "./features/[index]/FeatureDashboard";
import { decodeSegment } from "@/app/components/segments";
import { SaeLabellingLinks } from "@/app/components/labels/SaeLabellingLinks";
import { BrowseOnlyNote } from "@/app/components/BrowseOnlyNote";
import { BuiltinLabelScores } from "./BuiltinLabelScores";
import "@/app/components/browse.css";

export const dynamic = "force-dynamic";

interface Params {
  params: Promise<{ model: string; sae: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { model, sae } = await params;
  return { title: `${decodeSegment(sae)} · ${decodeSegment(model)}` };
}

const SORT_LABELS: Record<FeatureSort, string> = {
  index: "Index",
  density: "Density",
  maxActivation: "Max activation",
  labelStatus: "Label status",
  labelScore: "Label score",
};

/** Search params as the table query; invalid values fall back to defaults rather than erroring. */
function parseQuery(raw: Record<string, string | string[] | undefined>): FeatureTableQuery {
  const flat = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = featureTableQuerySchema.safeParse(flat);
  if (parsed.success) return parsed.data;
  // keep the valid fields, drop the rest
  const cleaned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const one = featureTableQuerySchema.safeParse({ [key]: value });
    if (one.success) cleaned[key] = value;
  }
  return featureTableQuerySchema.parse(cleaned);
}

function tableHref(base: string, query: FeatureTableQuery, change: Partial<Record<keyof FeatureTableQuery, string | number | undefined>>): string {
  const params = new URLSearchParams();
  const merged: Record<string, unknown> = {
    sort: query.sort, order: query.order, label: query.label, dead: query.dead,
    minDensity: query.minDensity, maxDensity: query.maxDensity, limit: query.limit, ...change,
  };
  const defaults: Record<string, unknown> = { sort: "index", label: "all", dead: "all", limit: 50 };
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === null || value === "" || defaults[key] === value) continue;
    if (key === "order" && value === DEFAULT_ORDER[(merged.sort as FeatureSort) ?? "index"]) continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${base}?${qs}` : base;
}

export default async function SaePage({ params, searchParams }: Params) {
  const { model, sae } = await params;
  const modelName = decodeSegment(model);
  const saeName = decodeSegment(sae);
  const header = await getSaeByNames(modelName, saeName);
  if (!header) notFound();
  const query = parseQuery(await searchParams);
  const [page, count] = await Promise.all([listSaeFeatures(header.id, query), countSaeFeatures(header.id, query, header.dSae)]);
  const base = saeHref(modelName, saeName);
  const order = page.order;

  const sortHeader = (sort: FeatureSort, className?: string) => {
    const active = query.sort === sort;
    const nextOrder = active ? (order === "asc" ? "desc" : "asc") : DEFAULT_ORDER[sort];
    return (
      <th
        scope="col"
        className={className}
        aria-sort={active ? (order === "asc" ? "ascending" : "descending") : undefined}
      >
        <Link href={tableHref(base, query, { sort, order: nextOrder })} aria-current={active ? "true" : undefined}>
          {SORT_LABELS[sort]}{active ? (order === "asc" ? " ▲" : " ▼") : ""}
        </Link>
      </th>
    );
  };

  return (
    <article aria-labelledby="sae-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li><Link href="/">Models</Link></li>
          <li>{header.model.displayName ?? header.model.name}</li>
          <li aria-current="page">{header.name}</li>
        </ol>
      </nav>
      <h1 id="sae-title">{header.name}</h1>
      <p className="muted" style={{ marginTop: 0 }}>
        <span className="mono">{header.hookName}</span> · {header.architecture ?? "architecture not known"}{header.k ? ` (k=${header.k})` : ""} ·
        {header.dIn !== null && <> d_in {header.dIn.toLocaleString("en")} ·</>} d_sae {header.dSae.toLocaleString("en")}
        {header.dashboardCorpus && <> · dashboards on {header.dashboardCorpus}{header.dashboardTokens ? ` (${header.dashboardTokens.toLocaleString("en")} tokens)` : ""}</>}
      </p>
      {!header.hasWeights && <BrowseOnlyNote />}
      <dl className="metric-grid" aria-label="SAE quality metrics">
        <div className="metric"><dt>L0</dt><dd>{formatMetric(header.l0, 1)}<small>active features per token</small></dd></div>
        <div className="metric"><dt>Explained variance</dt><dd>{formatMetric(header.explainedVariance)}</dd></div>
        <div className="metric"><dt>CE loss recovered</dt><dd>{formatMetric(header.ceLossRecovered)}</dd></div>
        <div className="metric"><dt>Dead</dt><dd>{formatPercent(header.deadFraction)}<small>never active</small></dd></div>
        {header.denseFraction !== null && <div className="metric"><dt>Dense</dt><dd>{formatPercent(header.denseFraction)}<small>active on &gt;10% of tokens</small></dd></div>}
      </dl>
      <SaeLabellingLinks saeId={header.id} saeHref={base} />
      <BuiltinLabelScores saeId={header.id} />

      <h2 id="features-heading">Features</h2>
      {/* keyed by the query: a client-side navigation to other filters (a link such as "Review machine
          drafts") must show them, and uncontrolled fields keep their first defaultValue otherwise */}
      <form key={[query.sort, query.order, query.label, query.dead, query.minDensity, query.maxDensity].join("|")}
        className="table-controls" method="get" action={base} aria-labelledby="features-heading">
        <div className="control">
          <label htmlFor="sort">Sort by</label>
          <select id="sort" name="sort" defaultValue={query.sort}>
            {Object.entries(SORT_LABELS).map(([value, text]) => <option key={value} value={value}>{text}</option>)}
          </select>
        </div>
        <div className="control">
          <label htmlFor="order">Order</label>
          <select id="order" name="order" defaultValue={query.order ?? ""}>
            <option value="">natural (largest first)</option>
            <option value="asc">ascending</option>
            <option value="desc">descending</option>
          </select>
        </div>
        <div className="control">
          <label htmlFor="label">Labels</label>
          <select id="label" name="label" defaultValue={query.label}>
            <option value="all">all features</option>
            <option value="labelled">labelled (accepted)</option>
            <option value="unlabelled">unlabelled</option>
            <option value="drafted">machine-drafted, awaiting review</option>
          </select>
        </div>
        <div className="control">
          <label htmlFor="dead">Dead features</label>
          <select id="dead" name="dead" defaultValue={query.dead}>
            <option value="all">include</option>
            <option value="alive">hide</option>
            <option value="dead">only dead</option>
          </select>
        </div>
        <div className="control">
          <label htmlFor="minDensity">Min density</label>
          <input id="minDensity" name="minDensity" type="text" inputMode="decimal" placeholder="e.g. 1e-4"
            defaultValue={query.minDensity ?? ""} aria-describedby="density-help" />
        </div>
        <div className="control">
          <label htmlFor="maxDensity">Max density</label>
          <input id="maxDensity" name="maxDensity" type="text" inputMode="decimal" placeholder="e.g. 0.01"
            defaultValue={query.maxDensity ?? ""} aria-describedby="density-help" />
        </div>
        <div className="actions">
          <button type="submit">Apply</button>
          <Link className="button" href={base}>Reset</Link>
          <a className="button" href={`${base}/random`}>Random feature</a>
        </div>
        <p id="density-help" className="note" style={{ flexBasis: "100%", margin: 0 }}>
          Density is the fraction of tokens on which a feature fires (0.01 = 1%).
        </p>
      </form>

      <div className="table-summary">
        <span>
          {count.total.toLocaleString("en")}{count.atLeast ? "+" : ""} {count.total === 1 && !count.atLeast ? "feature matches" : "features match"}
          {query.sort === "labelScore" && " (only features with a scored label are ranked by score)"}
        </span>
        <Pager base={base} query={query} prev={page.prevCursor} next={page.nextCursor} />
      </div>
      {page.rows.length === 0 ? (
        <div className="empty-state"><p>No features match these filters.</p></div>
      ) : (
        <table className="data" aria-labelledby="features-heading">
          <thead>
            <tr>
              {sortHeader("index", "num")}
              <th scope="col">Label</th>
              {sortHeader("labelStatus")}
              {sortHeader("density", "num")}
              {sortHeader("maxActivation", "num")}
              {sortHeader("labelScore", "num")}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((row) => (
              <tr key={row.index}>
                <td className="num"><Link href={featureHref(modelName, saeName, row.index)}>#{row.index}</Link></td>
                <td className="label-cell">
                  {row.labelText ?? <span className="muted">—</span>}
                  {row.labelSource === "model" && <> <span className="badge badge-source" title="written by a model">model</span></>}
                  {row.dead && <> <span className="badge badge-dead">dead</span></>}
                </td>
                <td>{row.labelStatus ? <StatusBadge status={row.labelStatus} /> : <span className="muted">none</span>}</td>
                <td className="num">
                  {formatDensity(row.density)}
                  <span className="density-bar" aria-hidden="true" style={{ width: `${densityBarRem(row.density)}rem` }} />
                </td>
                <td className="num">{formatActivation(row.maxActivation, 2)}</td>
                <td className="num">{row.labelScore === null ? "—" : row.labelScore.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="table-summary">
        <span />
        <Pager base={base} query={query} prev={page.prevCursor} next={page.nextCursor} />
      </div>
    </article>
  );
}

/** Bar length on a log scale from 1e-6 (a hair) to 1 (3rem): densities span orders of magnitude. */
function densityBarRem(density: number): number {
  if (!(density > 0)) return 0;
  return Math.max(0.1, ((Math.log10(density) + 6) / 6) * 3);
}

function Pager({ base, query, prev, next }: { base: string; query: FeatureTableQuery; prev: string | null; next: string | null }) {
  return (
    <nav className="pager" aria-label="Feature table pages">
      <Link href={tableHref(base, query, {})}>First</Link>
      {prev ? <Link href={tableHref(base, query, { before: prev })} rel="prev">← Previous</Link> : <span aria-disabled="true">← Previous</span>}
      {next ? <Link href={tableHref(base, query, { after: next })} rel="next">Next →</Link> : <span aria-disabled="true">Next →</span>}
    </nav>
  );
}
