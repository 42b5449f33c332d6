/** The search page's URL: which parameters it reads, and how a link to another page of results is built. */

export const SEARCH_MODES = ["labels", "activations", "semantic", "inference", "contrast"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export const MODE_NAMES: Record<SearchMode, string> = {
  labels: "Labels",
  activations: "Text features fire on",
  semantic: "Meaning (embeddings)",
  inference: "Run a text",
  contrast: "Contrast prompts",
};

export type RawSearchParams = Record<string, string | string[] | undefined>;

/** One value per parameter (the first, when a URL repeats one). */
export function flatParams(raw: RawSearchParams): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined) flat[key] = one;
  }
  return flat;
}

export function searchMode(flat: Record<string, string>): SearchMode {
  return (SEARCH_MODES as readonly string[]).includes(flat.mode) ? (flat.mode as SearchMode) : "labels";
}

const KEPT = ["mode", "q", "pos", "neg", "model", "sae", "labels", "minDensity", "maxDensity", "limit", "token"] as const;

/** Prompts typed one per line. */
export function promptLines(text: string | undefined): string[] {
  return (text ?? "").split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
}

/** The same search with some parameters changed; empty values and defaults are left out of the URL. */
export function searchHref(flat: Record<string, string>, change: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  const merged: Record<string, string | undefined> = {};
  for (const key of KEPT) merged[key] = flat[key];
  Object.assign(merged, change);
  const defaults: Record<string, string> = { mode: "labels", labels: "any", limit: "20" };
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === "" || defaults[key] === value) continue;
    params.set(key, value);
  }
  const query = params.toString();
  return query ? `/search?${query}` : "/search";
}
