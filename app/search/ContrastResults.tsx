/**
 * Contrast search results: features on every positive prompt and on no negative one, ranked on one
 * scale (weakest positive activation as a share of the feature's dashboard max), with their
 * activation per prompt; features without a dashboard max in a table of their own, marked, never
 * mixed into the ranking. The summary says when candidates were left out or may be missing. Each
 * row can be ticked for "Save to list".
 */
import Link from "next/link";
import type { ContrastSearchResult } from "@/lib/search/inference";
import { CONTRAST_MAX_MEASURED, CONTRAST_TOP_K } from "@/lib/search/inference";
import { formatActivation } from "@/app/components/format";
import { SelectFeature, type SaveOptions } from "./InferenceResults";
import { SaveToList } from "./SaveToList";

const FORM_ID = "save-contrast-features";

type Row = ContrastSearchResult["results"][number] | ContrastSearchResult["withoutDashboard"][number];

function PerPrompt({ row }: { row: Row }) {
  return (
    <>
      <td className="num">{row.positive.map((v) => formatActivation(v, 2)).join(" · ")}</td>
      <td className="num">{row.negative.length ? row.negative.map((v) => formatActivation(v, 2)).join(" · ") : "—"}</td>
    </>
  );
}

export function ContrastResults({ result, save }: { result: ContrastSearchResult; save: SaveOptions }) {
  const withoutDashboard = result.withoutDashboard ?? [];
  const shown = [...result.results, ...withoutDashboard].map((row) => ({ saeId: row.saeId, index: row.index }));
  const found = result.results.length + withoutDashboard.length;
  return (
    <>
      <p className="search-summary">
        <span>
          {result.candidates} {result.candidates === 1 ? "feature is" : "features are"} active on every positive prompt;{" "}
          {found} of them stay under 1% of their max on the negative prompts ({result.modelName}, {result.executionProvider}, {result.timingsMs} ms).
          {result.measured > 0 && ` ${result.measured} needed an exact measurement.`}
        </span>
      </p>
      {result.unmeasured > 0 && (
        <p className="search-notice" role="status">
          {result.unmeasured} weaker {result.unmeasured === 1 ? "candidate was" : "candidates were"} left out: more than {CONTRAST_MAX_MEASURED} needed
          an exact measurement on one prompt. Add a negative prompt or choose one SAE to narrow the search.
        </p>
      )}
      {result.incomplete && (
        <p className="search-notice" role="status">
          A token of a positive prompt has {CONTRAST_TOP_K} or more active features in one SAE: a feature active on that prompt only
          below those tokens&apos; {CONTRAST_TOP_K} strongest can be missing from the candidates.
        </p>
      )}
      {found === 0 ? <div className="empty-state"><p>No feature separates these prompts.</p></div> : (<>
        <SaveToList formId={FORM_ID} shown={shown} signedIn={save.signedIn} signInHref={save.signInHref} />
        {result.results.length > 0 && (
          <table className="data" aria-label="Contrast search results">
            <thead>
              <tr>
                {save.signedIn && <th scope="col"><span className="sr-only">Select to save</span></th>}
                <th scope="col">Feature</th><th scope="col">Label</th>
                <th scope="col" className="num" title="weakest positive activation / the feature's max on its dashboard corpus">score</th>
                <th scope="col" className="num">positive prompts</th><th scope="col" className="num">negative prompts</th>
              </tr>
            </thead>
            <tbody>
              {result.results.map((row) => (
                <tr key={`${row.saeId}:${row.index}`}>
                  {save.signedIn && <td><SelectFeature saeId={row.saeId} saeName={row.saeName} index={row.index} form={FORM_ID} /></td>}
                  <td><Link href={row.url}>{row.saeName} #{row.index}</Link></td>
                  <td className="label-cell">{row.label ?? <span className="muted">—</span>}</td>
                  <td className="num">{row.score.toFixed(2)}</td>
                  <PerPrompt row={row} />
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {withoutDashboard.length > 0 && (
          <section aria-labelledby="contrast-unscaled">
            <h3 id="contrast-unscaled">Without a dashboard max — not ranked with the features above</h3>
            <p className="note">
              These features have no max activation on a dashboard corpus (dashboards not computed, or never active there), so
              their activations cannot be put on the scale above. Listed by their weakest positive activation in the SAE&apos;s raw
              units; a negative prompt counts against them at 1% of their largest positive activation.
            </p>
            <table className="data" aria-label="Contrast search results without a dashboard max">
              <thead>
                <tr>
                  {save.signedIn && <th scope="col"><span className="sr-only">Select to save</span></th>}
                  <th scope="col">Feature</th><th scope="col">Label</th>
                  <th scope="col" className="num" title="weakest positive activation, raw">weakest positive (raw)</th>
                  <th scope="col" className="num">positive prompts</th><th scope="col" className="num">negative prompts</th>
                </tr>
              </thead>
              <tbody>
                {withoutDashboard.map((row) => (
                  <tr key={`${row.saeId}:${row.index}`}>
                    {save.signedIn && <td><SelectFeature saeId={row.saeId} saeName={row.saeName} index={row.index} form={FORM_ID} /></td>}
                    <td><Link href={row.url}>{row.saeName} #{row.index}</Link> <span className="badge">no dashboard</span></td>
                    <td className="label-cell">{row.label ?? <span className="muted">—</span>}</td>
                    <td className="num">{formatActivation(row.weakestPositive, 2)}</td>
                    <PerPrompt row={row} />
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </>)}
    </>
  );
}
