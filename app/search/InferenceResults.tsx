/**
 * Search by inference: the text's tokens (each a link that selects it, so the selection is part of
 * the URL), the strongest features over the whole text, and the selected token's strongest features,
 * each with its label and a link to its page. Tokens render through TokenText, always as text.
 */
import Link from "next/link";
import type { TextFeatures } from "@/lib/search/inference";
import { TokenText } from "@/app/components/TokenText";
import { formatActivation, tokenLiteral } from "@/app/components/format";

export function InferenceResults({ result, selected, hrefForToken }: { result: TextFeatures; selected: number | null; hrefForToken: (position: number) => string }) {
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
      <div className="inference-grid">
        {result.saes.map((sae) => (
          <section key={sae.saeId} aria-label={`Features of ${sae.saeName}`}>
            <h2>{sae.saeName}</h2>
            {selected !== null && sae.perToken[selected] && (
              <>
                <h3>Token {selected}: <span className="tok-plain">{result.tokens[selected]?.text}</span></h3>
                {sae.perToken[selected].length === 0 ? <p className="muted">No feature is active on this token.</p> : (
                  <FeatureTable rows={sae.perToken[selected].map((f) => ({ ...f, detail: formatActivation(f.value, 2) }))} valueName="activation" />
                )}
              </>
            )}
            <h3>Strongest over the text</h3>
            {sae.top.length === 0 ? <p className="muted">No feature is active.</p> : (
              <FeatureTable
                rows={sae.top.map((f) => ({ ...f, detail: `${formatActivation(f.maxValue, 2)} on ${tokenLiteral(result.tokens[f.position]?.text ?? "")}`, extra: `${f.activeTokens} tokens` }))}
                valueName="max activation"
              />
            )}
          </section>
        ))}
      </div>
    </div>
  );
}

function FeatureTable({ rows, valueName }: { rows: { index: number; label: string | null; url: string; detail: string; extra?: string }[]; valueName: string }) {
  return (
    <table className="data">
      <thead><tr><th scope="col">Feature</th><th scope="col">Label</th><th scope="col" className="num">{valueName}</th></tr></thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.index}>
            <td className="num"><Link href={row.url}>#{row.index}</Link></td>
            <td className="label-cell">{row.label ?? <span className="muted">—</span>}</td>
            <td className="num">{row.detail}{row.extra && <small className="muted"> · {row.extra}</small>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
