/** Label search results: the best-matching label of each feature, matches marked, with what ranked it. */
import type { LabelSearchPage } from "@/lib/search/contracts";
import { StatusBadge } from "@/app/models/[model]/saes/[sae]/features/[index]/FeatureDashboard";
import { FeatureLink, FeatureStats } from "./FeatureLink";
import { HighlightedText } from "./HighlightedText";

export function LabelResults({ page }: { page: LabelSearchPage }) {
  return (
    <ol className="search-results" aria-label="Search results">
      {page.results.map((result) => (
        <li key={`${result.feature.saeId}:${result.feature.index}`} className="search-result">
          <FeatureLink feature={result.feature} />
          <p className="result-text">
            <HighlightedText text={result.label.text} ranges={result.label.highlights} />
          </p>
          <div className="result-meta">
            <StatusBadge status={result.label.status} />
            <span className="badge badge-source" title={result.label.source === "model" ? "written by a model" : "written by a person"}>
              {result.label.source === "model" ? "model" : "human"}
            </span>
            {!result.label.isCurrent && <span className="muted" title="the feature currently shows another label">not the current label</span>}
            <span title="sum of votes">votes {result.label.voteScore > 0 ? `+${result.label.voteScore}` : result.label.voteScore}</span>
            {result.label.detectionScore !== null && <span title="auto-interp detection score (balanced accuracy)">detection {result.label.detectionScore.toFixed(2)}</span>}
            {result.label.simulationScore !== null && <span title="auto-interp simulation score (correlation)">simulation {result.label.simulationScore.toFixed(2)}</span>}
            <FeatureStats feature={result.feature} />
            <span className="result-score" title="rank score: text relevance × status × (votes, scores)">score {result.score.toFixed(3)}</span>
          </div>
        </li>
      ))}
    </ol>
  );
}
