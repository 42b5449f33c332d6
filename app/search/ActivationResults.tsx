/**
 * Activation-text search results: for each feature, the top example that contains the match, shown
 * around it with per-token activation colour (the feature page's scale) and the match outlined.
 * Tokens render through the browse pages' TokenText (always as text).
 */
import type { ActivationSearchPage } from "@/lib/search/contracts";
import { TokenText } from "@/app/components/TokenText";
import { formatActivation, tokenLiteral } from "@/app/components/format";
import { FeatureLink, FeatureStats } from "./FeatureLink";

/** Tokens shown either side of the match. */
const CONTEXT_TOKENS = 12;

/** The same colour scale as the feature page's example lists: orange ∝ activation / the feature's max. */
function activationBackground(value: number, max: number): string | undefined {
  if (!(value > 0) || !(max > 0)) return undefined;
  return `rgba(255, 122, 0, ${Math.min(1, value / max).toFixed(3)})`;
}

type Result = ActivationSearchPage["results"][number];

function MatchSnippet({ result }: { result: Result }) {
  const { example, feature } = result;
  const start = Math.max(0, example.matchStart - CONTEXT_TOKENS);
  const end = Math.min(example.tokens.length, example.matchStart + example.matchLength + CONTEXT_TOKENS);
  return (
    <p className="example-tokens match-snippet" aria-label={`Top example containing the match at position ${example.matchStart}`}>
      {start > 0 && <span className="elided" aria-hidden="true">…</span>}
      {example.tokens.slice(start, end).map((token, offset) => {
        const position = start + offset;
        const value = example.values[position] ?? 0;
        const inMatch = position >= example.matchStart && position < example.matchStart + example.matchLength;
        return (
          <span
            key={position}
            className={`tok${inMatch ? " tok-match" : ""}${position === example.maxPosition ? " tok-max" : ""}`}
            style={{ backgroundColor: activationBackground(value, feature.maxActivation) }}
            title={`${tokenLiteral(token)} · token ${example.tokenIds[position]} · activation ${formatActivation(value)}`}
            data-match={inMatch ? "true" : undefined}
          >
            <TokenText text={token} />
          </span>
        );
      })}
      {end < example.tokens.length && <span className="elided" aria-hidden="true">…</span>}
    </p>
  );
}

export function ActivationResults({ page }: { page: ActivationSearchPage }) {
  return (
    <ol className="search-results" aria-label="Search results">
      {page.results.map((result) => (
        <li key={`${result.feature.saeId}:${result.feature.index}`} className="search-result">
          <FeatureLink feature={result.feature} />
          <p className="result-text">{result.labelText ?? <span className="muted">no label yet</span>}</p>
          <MatchSnippet result={result} />
          <div className="result-meta">
            <span title="the feature's activation on the matched tokens (their maximum)">
              activation at match {formatActivation(result.matchActivation, 2)}
              {result.feature.maxActivation > 0 && ` (${Math.round((result.matchActivation / result.feature.maxActivation) * 100)}% of max)`}
            </span>
            <span>in {result.matchingExamples} top {result.matchingExamples === 1 ? "example" : "examples"}</span>
            <FeatureStats feature={result.feature} />
            <span className="result-score" title="0.7 × activation at match / max + 0.3 × coverage of top examples">score {result.score.toFixed(3)}</span>
          </div>
        </li>
      ))}
    </ol>
  );
}
