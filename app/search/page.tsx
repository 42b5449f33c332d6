/**
 * The search page: find features by their labels, by the text they fire on, or by meaning. Every
 * search is a plain GET form, so the URL is the search (shareable, bookmarkable) and takes the same
 * parameters as the /api/v1/search endpoints.
 */
import type { Metadata } from "next";
import { ZodError } from "zod";
import Link from "next/link";
import { ApiError } from "@/lib/api/errors";
import { currentUser } from "@/lib/auth/session";
import { listModelsWithSaes } from "@/lib/db/catalog";
import { searchActivations, searchLabels } from "@/lib/db/search";
import {
  activationSearchQuerySchema, labelSearchQuerySchema, LABEL_FILTERS,
  type ActivationSearchPage, type LabelFilter, type LabelSearchPage, type SemanticSearchPage,
} from "@/lib/search/contracts";
import { embeddingsConfig } from "@/lib/search/embeddings";
import { searchSemantic } from "@/lib/db/search-semantic";
import { ActivationResults } from "./ActivationResults";
import { LabelResults } from "./LabelResults";
import { SemanticResults } from "./SemanticResults";
import { ContrastResults } from "./ContrastResults";
import { InferenceResults } from "./InferenceResults";
import { contrastSearch, textFeatures, type ContrastSearchResult, type TextFeatures } from "@/lib/search/inference";
import { flatParams, MODE_NAMES, promptLines, SEARCH_MODES, searchHref, searchMode, type RawSearchParams, type SearchMode } from "./params";
import "@/app/components/browse.css";
import "./search.css";

export const dynamic = "force-dynamic";

interface Props {
  searchParams: Promise<RawSearchParams>;
}

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const q = flatParams(await searchParams).q?.trim();
  return { title: q ? `Search: ${q}` : "Search" };
}

const LABEL_FILTER_NAMES: Record<LabelFilter, string> = {
  any: "any label",
  human: "written by people",
  model: "written by a model",
  unlabelled: "features without an accepted label",
};

const PLACEHOLDERS: Record<SearchMode, string> = {
  labels: "e.g. deception, base64, golden gate bridge",
  activations: "a token or phrase, e.g. Paris or  =>",
  semantic: "describe a concept, e.g. lying to someone",
  inference: "paste a text to run through the model",
  contrast: "",
};

type Outcome =
  | { kind: "none" }
  | { kind: "error"; message: string }
  | { kind: "labels"; page: LabelSearchPage }
  | { kind: "activations"; page: ActivationSearchPage }
  | { kind: "semantic"; page: SemanticSearchPage }
  | { kind: "inference"; result: TextFeatures }
  | { kind: "contrast"; result: ContrastSearchResult };

const optionalSae = (value: string | undefined) => (value && /^\d+$/.test(value) ? Number(value) : undefined);

function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.length ? `${issue.path.map(String).join(".")}: ` : ""}${issue.message}` : "invalid search";
}

async function runSearch(mode: SearchMode, flat: Record<string, string>): Promise<Outcome> {
  try {
    if (mode === "contrast") {
      const positive = promptLines(flat.pos);
      if (positive.length === 0) return { kind: "none" };
      const result = await contrastSearch({ model: flat.model || undefined, sae: optionalSae(flat.sae), positive: positive.slice(0, 8), negative: promptLines(flat.neg).slice(0, 8) });
      return { kind: "contrast", result };
    }
    if (!flat.q || flat.q.trim() === "") return { kind: "none" };
    if (mode === "inference") {
      return { kind: "inference", result: await textFeatures(flat.q.slice(0, 8_000), flat.model || undefined, optionalSae(flat.sae)) };
    }
    if (mode === "activations") {
      const parsed = activationSearchQuerySchema.safeParse(flat);
      if (!parsed.success) return { kind: "error", message: firstIssue(parsed.error) };
      return { kind: "activations", page: await searchActivations(parsed.data) };
    }
    const parsed = labelSearchQuerySchema.safeParse(flat);
    if (!parsed.success) return { kind: "error", message: firstIssue(parsed.error) };
    if (mode === "semantic") return { kind: "semantic", page: await searchSemantic(parsed.data) };
    return { kind: "labels", page: await searchLabels(parsed.data) };
  } catch (error) {
    if (error instanceof ZodError) return { kind: "error", message: firstIssue(error) };
    if (error instanceof ApiError && error.status < 500) return { kind: "error", message: error.message };
    if (error instanceof ApiError && error.code === "unavailable") return { kind: "error", message: error.message };
    throw error;
  }
}

export default async function SearchPage({ searchParams }: Props) {
  const flat = flatParams(await searchParams);
  const mode = searchMode(flat);
  const semanticOn = embeddingsConfig() !== null;
  const [catalog, outcome, user] = await Promise.all([listModelsWithSaes(), runSearch(mode, flat), currentUser()]);
  const save = { signedIn: user !== null, signInHref: `/signin?callbackUrl=${encodeURIComponent(searchHref(flat, {}))}` };
  const results = outcome.kind === "labels" || outcome.kind === "activations" || outcome.kind === "semantic" ? outcome.page.results : [];
  const nextCursor = outcome.kind === "labels" || outcome.kind === "activations" || outcome.kind === "semantic" ? outcome.page.nextCursor : null;

  return (
    <article aria-labelledby="search-title">
      <h1 id="search-title">Search features</h1>
      <ul className="search-modes" aria-label="What to search">
        {SEARCH_MODES.map((m) => (
          <li key={m}>
            <Link href={searchHref(flat, { mode: m, after: undefined })} aria-current={m === mode ? "page" : undefined}
              className={m === "semantic" && !semanticOn ? "off" : undefined}>
              {MODE_NAMES[m]}{m === "semantic" && !semanticOn ? " (off)" : ""}
            </Link>
          </li>
        ))}
      </ul>

      <form className="search-form" method="get" action="/search" role="search" aria-label="Search features">
        {mode !== "labels" && <input type="hidden" name="mode" value={mode} />}
        {mode === "inference" && (
          <div className="control control-query">
            <label htmlFor="q">Text to run through the model</label>
            <textarea id="q" name="q" rows={3} defaultValue={flat.q ?? ""} placeholder={PLACEHOLDERS.inference} maxLength={8000} />
          </div>
        )}
        {mode === "contrast" && (
          <>
            <div className="control control-wide">
              <label htmlFor="pos">Positive prompts (one per line): features must fire on all</label>
              <textarea id="pos" name="pos" rows={4} defaultValue={flat.pos ?? ""} placeholder={"The Golden Gate Bridge\nWe drove across the Golden Gate"} />
            </div>
            <div className="control control-wide">
              <label htmlFor="neg">Negative prompts (one per line): and on none of these</label>
              <textarea id="neg" name="neg" rows={4} defaultValue={flat.neg ?? ""} placeholder={"The Brooklyn Bridge\nA golden retriever"} />
            </div>
          </>
        )}
        {(mode === "labels" || mode === "activations" || mode === "semantic") && (
        <div className="control control-query">
          <label htmlFor="q">{mode === "activations" ? "Text the feature fires on" : mode === "semantic" ? "Concept" : "Words in the label"}</label>
          <input id="q" name="q" type="search" defaultValue={flat.q ?? ""} placeholder={PLACEHOLDERS[mode]} autoComplete="off" maxLength={200} />
        </div>
        )}
        <div className="control">
          <label htmlFor="model">Model</label>
          <select id="model" name="model" defaultValue={flat.model ?? ""}>
            <option value="">{mode === "activations" ? "choose…" : "all models"}</option>
            {catalog.map((model) => <option key={model.id} value={model.name}>{model.displayName ?? model.name}</option>)}
          </select>
        </div>
        <div className="control">
          <label htmlFor="sae">SAE</label>
          <select id="sae" name="sae" defaultValue={flat.sae ?? ""}>
            <option value="">all SAEs</option>
            {catalog.map((model) => (
              <optgroup key={model.id} label={model.displayName ?? model.name}>
                {model.saes.map((sae) => <option key={sae.id} value={String(sae.id)}>{sae.name} ({sae.hookName})</option>)}
              </optgroup>
            ))}
          </select>
        </div>
        {(mode === "labels" || mode === "activations" || mode === "semantic") && (<>
        <div className="control">
          <label htmlFor="labels">Labels</label>
          <select id="labels" name="labels" defaultValue={flat.labels ?? "any"}>
            {LABEL_FILTERS.map((filter) => <option key={filter} value={filter}>{LABEL_FILTER_NAMES[filter]}</option>)}
          </select>
        </div>
        <div className="control">
          <label htmlFor="minDensity">Min density</label>
          <input id="minDensity" name="minDensity" type="text" className="narrow" inputMode="decimal" placeholder="e.g. 1e-4" defaultValue={flat.minDensity ?? ""} aria-describedby="search-density-help" />
        </div>
        <div className="control">
          <label htmlFor="maxDensity">Max density</label>
          <input id="maxDensity" name="maxDensity" type="text" className="narrow" inputMode="decimal" placeholder="e.g. 0.01" defaultValue={flat.maxDensity ?? ""} aria-describedby="search-density-help" />
        </div>
        </>)}
        <div className="actions">
          <button type="submit">{mode === "inference" ? "Run" : "Search"}</button>
        </div>
        {mode === "inference" || mode === "contrast" ? (
          <p className="note">Runs in the inference service: the model and its SAEs (up to 8, or the SAE you choose). BOS is excluded from the strongest features.</p>
        ) : (
          <p id="search-density-help" className="note">
            Density is the fraction of tokens on which a feature fires (0.01 = 1%). Filters narrow every kind of search.
          </p>
        )}
      </form>

      {mode === "semantic" && !semanticOn && (
        <p className="search-notice" role="status">
          Semantic search is <strong>off</strong>: no embeddings endpoint is configured. Set <code>FEATURESCOPE_EMBEDDINGS_URL</code>{" "}
          (an OpenAI-compatible <code>/v1</code> base URL), <code>FEATURESCOPE_EMBEDDINGS_MODEL</code> and, if needed,{" "}
          <code>FEATURESCOPE_EMBEDDINGS_KEY</code>, then run <code>npm run search:embed</code>. Label search works without it.
        </p>
      )}

      {outcome.kind === "error" && <p className="search-error" role="alert">{outcome.message}</p>}
      {outcome.kind === "none" && <SearchTips mode={mode} />}

      {outcome.kind === "labels" && <LabelSummary page={outcome.page} />}
      {outcome.kind === "activations" && <ActivationSummary page={outcome.page} />}

      {(outcome.kind === "labels" || outcome.kind === "activations" || outcome.kind === "semantic") && results.length === 0 && (
        <div className="empty-state"><p>{flat.after ? "No more results." : "No features match."}</p></div>
      )}
      {outcome.kind === "labels" && results.length > 0 && <LabelResults page={outcome.page} />}
      {outcome.kind === "activations" && results.length > 0 && <ActivationResults page={outcome.page} />}
      {outcome.kind === "semantic" && results.length > 0 && <SemanticResults page={outcome.page} />}
      {outcome.kind === "inference" && (
        <InferenceResults
          result={outcome.result}
          selected={flat.token && /^\d+$/.test(flat.token) && Number(flat.token) < outcome.result.tokens.length ? Number(flat.token) : null}
          hrefForToken={(position) => searchHref(flat, { token: String(position) })}
          save={save}
        />
      )}
      {outcome.kind === "contrast" && <ContrastResults result={outcome.result} save={save} />}

      {(flat.after || nextCursor) && (
        <nav className="pager search-pager" aria-label="Result pages">
          {flat.after ? <Link href={searchHref(flat, {})}>First page</Link> : <span aria-disabled="true">First page</span>}
          {nextCursor ? <Link href={searchHref(flat, { after: nextCursor })} rel="next">Next →</Link> : <span aria-disabled="true">Next →</span>}
        </nav>
      )}
    </article>
  );
}

function LabelSummary({ page }: { page: LabelSearchPage }) {
  const corrected = page.terms.filter((t) => t.corrections.length > 0);
  const ignored = page.terms.filter((t) => t.lexeme === null);
  return (
    <>
      {page.relaxed && <p className="search-notice" role="status">No label has all of these words; showing labels with any of them.</p>}
      {page.truncated && (
        <p className="search-notice" role="status">
          More than {page.candidates.toLocaleString("en")} labels match; these are the {page.candidates.toLocaleString("en")} rated best (review, votes, auto-interp scores), ranked. Add words or filters to see others.
        </p>
      )}
      <div className="search-summary">
        <span>
          {page.results.length === 0 ? "" : `${page.candidates.toLocaleString("en")}${page.truncated ? "+" : ""} matching ${page.candidates === 1 ? "label" : "labels"}; one result per feature, best first.`}
        </span>
        {(corrected.length > 0 || ignored.length > 0) && (
          <span className="search-terms">
            {corrected.map((t) => (
              <span key={t.word}>
                <span className="mono">{t.word}</span> also matched as {t.corrections.map((c) => c.lexeme).join(", ")}.{" "}
              </span>
            ))}
            {ignored.length > 0 && <span>Ignored common {ignored.length === 1 ? "word" : "words"}: {ignored.map((t) => t.word).join(", ")}.</span>}
          </span>
        )}
      </div>
    </>
  );
}

function ActivationSummary({ page }: { page: ActivationSearchPage }) {
  return (
    <>
      {page.truncated && <p className="search-notice" role="status">This text is in very many examples; the ranking covers the first examples found. Narrow it with an SAE or density filter.</p>}
      <div className="search-summary">
        <span>
          {page.pieces.length === 0
            ? `Nothing in ${page.modelName}'s vocabulary matches this text.`
            : <>Matched as {page.pieces.length === 1 ? "the token" : `${page.pieces.length} consecutive tokens`}{" "}
              {page.pieces.map((p, i) => <span key={i} className="tok-plain">{p.text}</span>).reduce<React.ReactNode[]>((acc, el, i) => (i ? [...acc, " ", el] : [el]), [])}
              {" "}in {page.modelName}&apos;s top examples (case and spaces ignored).</>}
        </span>
      </div>
    </>
  );
}

function SearchTips({ mode }: { mode: SearchMode }) {
  return (
    <div className="search-tips panel">
      <p><strong>{MODE_NAMES[mode]}</strong></p>
      {mode === "labels" && (
        <ul>
          <li>Words are matched with English stemming: <em>bridges</em> finds <em>bridge</em>.</li>
          <li>Typos and partial words still match: <em>decepton</em>, <em>landm</em>.</li>
          <li>Results rank by text match, then accepted over draft labels, votes and auto-interp scores.</li>
        </ul>
      )}
      {mode === "activations" && (
        <ul>
          <li>Finds features whose top examples contain the text, ranked by how strongly they fire on it.</li>
          <li>Several words match as consecutive tokens; case and leading spaces are ignored.</li>
          <li>Token ids belong to one model: choose a model or an SAE when there are several.</li>
        </ul>
      )}
      {mode === "inference" && (
        <ul>
          <li>Paste a text: it runs through the model and its SAEs, and you see the strongest features over the text.</li>
          <li>Click a token to see its own strongest features, with their labels; every feature links to its page.</li>
          <li>Signed in, tick features (or take all shown) and save them to a new or existing list.</li>
        </ul>
      )}
      {mode === "contrast" && (
        <ul>
          <li>Anthropic&apos;s multi-prompt method: features active on every positive prompt and on none of the negative ones.</li>
          <li>Example: positives about the Golden Gate Bridge, negatives about other bridges and other golden things.</li>
          <li>Signed in, save the features it finds to a list.</li>
        </ul>
      )}
      {mode === "semantic" && (
        <ul>
          <li>Ranks labels by embedding similarity to what you type, so synonyms match.</li>
          <li>Needs an OpenAI-compatible embeddings endpoint (see docs/SEARCH.md).</li>
        </ul>
      )}
    </div>
  );
}
