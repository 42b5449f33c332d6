/**
 * Contrast search results: features on every positive prompt and on no negative one, with their
 * activation per prompt; each row can be ticked for "Save to list".
 */
import Link from "next/link";
import type { ContrastSearchResult } from "@/lib/search/inference";
import { formatActivation } from "@/app/components/format";
import { SelectFeature, type SaveOptions } from "./InferenceResults";
import { SaveToList } from "./SaveToList";

const FORM_ID = "save-contrast-features";

export function ContrastResults({ result, save }: { result: ContrastSearchResult; save: SaveOptions }) {
  const shown = result.results.map((row) => ({ saeId: row.saeId, index: row.index }));
  return (
    <>
      <p className="search-summary">
        <span>
          {result.candidates} {result.candidates === 1 ? "feature is" : "features are"} among the strongest on every positive prompt;{" "}
          {result.results.length} of them stay silent on the negative prompts ({result.modelName}, {result.executionProvider}, {result.timingsMs} ms).
        </span>
      </p>
      {result.results.length === 0 ? <div className="empty-state"><p>No feature separates these prompts.</p></div> : (<>
        <SaveToList formId={FORM_ID} shown={shown} signedIn={save.signedIn} signInHref={save.signInHref} />
        <table className="data" aria-label="Contrast search results">
          <thead>
            <tr>
              {save.signedIn && <th scope="col"><span className="sr-only">Select to save</span></th>}
              <th scope="col">Feature</th><th scope="col">Label</th>
              <th scope="col" className="num" title="weakest positive activation / the feature's max">score</th>
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
                <td className="num">{row.positive.map((v) => formatActivation(v, 2)).join(" · ")}</td>
                <td className="num">{row.negative.length ? row.negative.map((v) => formatActivation(v, 2)).join(" · ") : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>)}
    </>
  );
}
