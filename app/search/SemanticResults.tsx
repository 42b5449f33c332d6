/** Semantic search results: labels close in meaning to the query, with their cosine similarity. */
import type { SemanticSearchPage } from "@/lib/search/contracts";
import { StatusBadge } from "@/app/models/[model]/saes/[sae]/features/[index]/FeatureDashboard";
import { FeatureLink, FeatureStats } from "./FeatureLink";

export function SemanticResults({ page }: { page: SemanticSearchPage }) {
  return (
    <ol className="search-results" aria-label="Search results">
      {page.results.map((result) => (
        <li key={`${result.feature.saeId}:${result.feature.index}`} className="search-result">
          <FeatureLink feature={result.feature} />
          {/* label text is untrusted: rendered as a text node */}
          <p className="result-text">{result.label.text}</p>
          <div className="result-meta">
            <StatusBadge status={result.label.status} />
            <span className="badge badge-source">{result.label.source === "model" ? "model" : "human"}</span>
            <FeatureStats feature={result.feature} />
            <span className="result-score" title={`cosine similarity (${page.embeddingModel ?? "embeddings"})`}>cosine {result.score.toFixed(3)}</span>
          </div>
        </li>
      ))}
    </ol>
  );
}
