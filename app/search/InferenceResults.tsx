/**
 * Search by inference: the text's tokens (each a link that selects it, so the selection is part of
 * the URL), the strongest features over the whole text, and the selected token's strongest features,
 * each with its label and a link to its page. Tokens render through TokenText, always as text.
 * Every feature row has a checkbox of the "Save to list" form (app/search/SaveToList.tsx).
 */
import Link from "next/link";
import type { TextFeatures } from "@/lib/search/inference";
import { TokenText } from "@/app/components/TokenText";
import { formatActivation, tokenLiteral } from "@/app/components/format";
import { SaveToList } from "./SaveToList";
import { featureValue, type SavableFeature } from "./saved-features";

const FORM_ID = "save-inference-features";

export interface SaveOptions {
  signedIn: boolean;
  signInHref: string;
}

export function InferenceResults({ result, selected, hrefForToken, save }: { result: TextFeatures; selected: number | null; hrefForToken: (position: number) => string; save: SaveOptions }) {
  const shown: SavableFeature[] = result.saes.flatMap((sae) => [
    ...(selected !== null ? (sae.perToken[selected] ?? []) : []).map((f) => ({ saeId: sae.saeId, index: f.index })),
    ...sae.top.map((f) => ({ saeId: sae.saeId, index: f.index })),
  ]);
  return (
    <div className="inference-results">
      <p className="search-summary">
        <span>{result.tokens.length} tokens through {result.modelName} and {result.saes.length} {result.saes.length === 1 ? "SAE" : "SAEs"} on {result.executionProvider} in {result.timingsMs.toFixed(0)} ms. Click a token to see its features.</span>
      </p>
      <p className="example-tokens inference-tokens" aria-label="Tokens of the text">
        {result.tokens.map((token, position) => (
          <Link
            key={position}
            href={hrefForToken(position)}
            className={`tok${position === selected ? " tok-selected" : ""}${token.bos ? " tok-bos" : ""}`}
            aria-current={position === selected ? "true" : undefined}
            title={`${tokenLiteral(token.text)} · token ${token.id} · position ${position}${token.bos ? " · BOS (excluded from the top features)" : ""}`}
            scroll={false}
          >
            <TokenText text={token.text} />
          </Link>
        ))}
      </p>
      <SaveToList formId={FORM_ID} shown={shown} signedIn={save.signedIn} signInHref={save.signInHref} />
      <div className="inference-grid">
        {result.saes.map((sae) => (
          <section key={sae.saeId} aria-label={`Features of ${sae.saeName}`}>
            <h2>{sae.saeName}</h2>
            {selected !== null && sae.perToken[selected] && (
              <>
                <h3>Token {selected}: <span className="tok-plain">{result.tokens[selected]?.text}</span></h3>
                {sae.perToken[selected].length === 0 ? <p className="muted">No feature is active on this token.</p> : (
                  <FeatureTable saeId={sae.saeId} saeName={sae.saeName} selectable={save.signedIn} rows={sae.perToken[selected].map((f) => ({ ...f, detail: formatActivation(f.value, 2) }))} valueName="activation" />
                )}
              </>
            )}
            <h3>Strongest over the text</h3>
            {sae.top.length === 0 ? <p className="muted">No feature is active.</p> : (
              <FeatureTable
                saeId={sae.saeId}
                saeName={sae.saeName}
                selectable={save.signedIn}
                rows={sae.top.map((f) => ({ ...f, detail: `${formatActivation(f.maxValue, 2)} on ${tokenLiteral(result.tokens[f.position]?.text ?? "")}`, extra: `active on ${f.activeTokens} ${f.activeTokens === 1 ? "token" : "tokens"}` }))}
                valueName="max activation"
              />
            )}
          </section>
        ))}
      </div>
    </div>
  );
}

function FeatureTable({ saeId, saeName, selectable, rows, valueName }: {
  saeId: number; saeName: string; selectable: boolean; rows: { index: number; label: string | null; url: string; detail: string; extra?: string }[]; valueName: string;
}) {
  return (
    <table className="data">
      <thead>
        <tr>
          {selectable && <th scope="col"><span className="sr-only">Select to save</span></th>}
          <th scope="col">Feature</th><th scope="col">Label</th><th scope="col" className="num">{valueName}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.index}>
            {selectable && <td><SelectFeature saeId={saeId} saeName={saeName} index={row.index} /></td>}
            <td className="num"><Link href={row.url}>#{row.index}</Link></td>
            <td className="label-cell">{row.label ?? <span className="muted">—</span>}</td>
            <td className="num">{row.detail}{row.extra && <small className="muted"> · {row.extra}</small>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A result row's checkbox, part of the "Save to list" form wherever the row is. */
export function SelectFeature({ saeId, saeName, index, form = FORM_ID }: SavableFeature & { saeName: string; form?: string }) {
  return <input type="checkbox" name="feature" value={featureValue({ saeId, index })} form={form} aria-label={`Select ${saeName} #${index} to save`} />;
}
