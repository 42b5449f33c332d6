/**
 * Search by running text through the model: the features a text activates (overall and per token),
 * and contrast search — features active on every positive prompt and on no negative one (Anthropic's
 * multi-prompt method), ranked on one scale (share of the feature's dashboard max). Both go through the inference service (lib/inference/client); this module
 * only chooses SAEs, combines per-prompt results and attaches labels.
 */
import { z } from "zod";
import { ApiError, badRequest, conflict, notFound } from "../api/errors";
import { NEEDS_WEIGHTS_HINT, requireWeights } from "../db/weights";
import { db } from "../db/client";
import { featureUrl } from "./feature-url";
import { currentLabels } from "../db/inference";
import { inferenceActivations, type InferenceCallOptions } from "../inference/client";
import type { ActivationsResponse } from "../inference/protocol";

/** The inference service takes at most this many SAEs per request, and this many measured features per SAE. */
export const MAX_SAES_PER_REQUEST = 8;
export const MAX_FEATURES_PER_SAE_REQUEST = 32;
/** Features the service lists per token (its maximum): a prompt's candidates are the union over its tokens. */
export const CONTRAST_TOP_K = 64;
/** A feature "is active" on a negative prompt when it reaches this share of its max activation. */
export const CONTRAST_NEGATIVE_THRESHOLD = 0.01;
/**
 * Most candidates whose activation is measured exactly on one prompt (in requests of 32 features per
 * SAE). Only candidates the per-token lists cannot settle need measuring — none for SAEs whose
 * tokens have at most 64 active features — so the cap rarely binds; when it does, the response says
 * how many candidates went unmeasured and leaves them out. docs/SEARCH.md gives the measured cost.
 */
export const CONTRAST_MAX_MEASURED = 256;

const prompts = (min: number) =>
  z.array(z.string().trim().min(1).max(2_000)).min(min).max(8);

export const contrastSearchBodySchema = z
  .object({
    model: z.string().max(200).optional().meta({ description: "Model name (or give sae)" }),
    sae: z.number().int().positive().optional().meta({ description: "SAE id; default: every SAE of the model (up to 8)" }),
    positive: prompts(1).meta({ description: "Prompts every result must be active on (1–8)" }),
    negative: prompts(0).default([]).meta({ description: "Prompts no result may be active on (0–8)" }),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .meta({ id: "ContrastSearchRequest" });
export type ContrastSearchBody = z.input<typeof contrastSearchBodySchema>;

const contrastRow = {
  saeId: z.number().int(),
  saeName: z.string(),
  index: z.number().int(),
  label: z.string().nullable(),
  url: z.string(),
  positive: z.array(z.number()).meta({ description: "Max activation on each positive prompt (BOS excluded)" }),
  negative: z.array(z.number()).meta({ description: "Max activation on each negative prompt (all below the threshold)" }),
};

export const ContrastSearchResultSchema = z
  .object({
    modelName: z.string(),
    executionProvider: z.string(),
    results: z.array(z.object({
      ...contrastRow,
      score: z.number().meta({ description: "Weakest positive activation as a share of the feature's max on its dashboard corpus — the one scale results are ranked on" }),
      maxActivation: z.number().meta({ description: "The feature's max activation on its dashboard corpus" }),
    })),
    withoutDashboard: z.array(z.object({
      ...contrastRow,
      weakestPositive: z.number().meta({ description: "Weakest positive activation, in the SAE's raw units: not comparable with scores" }),
    })).meta({ description: "Features that qualify but have no dashboard max (dashboards not computed, or never active on the dashboard corpus): they cannot be put on the relative scale, so they are listed apart, by raw weakest positive activation, and the negative threshold is 1% of their largest positive activation" }),
    candidates: z.number().int().meta({ description: "Features active on every positive prompt (each ranked, none cut before ranking)" }),
    measured: z.number().int().meta({ description: "Candidates whose activation had to be measured exactly on some prompt (the per-token lists could not settle it)" }),
    unmeasured: z.number().int().meta({ description: `Candidates left out because more than ${CONTRAST_MAX_MEASURED} needed measuring on one prompt (0 when nothing was cut)` }),
    incomplete: z.boolean().meta({ description: `A positive prompt had a token with ${CONTRAST_TOP_K} or more active features in one SAE: a feature active only beyond that token's list can be missing from the candidates` }),
    timingsMs: z.number(),
  })
  .meta({ id: "ContrastSearchResult" });
export type ContrastSearchResult = z.input<typeof ContrastSearchResultSchema>;

interface SaeRef {
  id: number;
  name: string;
}

/** The model and SAEs a search runs on: one SAE, or every SAE of the named (or only) model. */
export async function resolveModelAndSaes(model: string | undefined, sae: number | undefined): Promise<{ id: number; name: string; saes: SaeRef[] }> {
  if (sae !== undefined) {
    const row = await db().sae.findUnique({ where: { id: sae }, select: { id: true, name: true, model: { select: { id: true, name: true } } } });
    if (!row) throw notFound(`There is no SAE with id ${sae}.`);
    if (model !== undefined && row.model.name !== model) throw badRequest(`SAE ${sae} belongs to model ${row.model.name}, not ${model}.`);
    await requireWeights("Search by inference", row.model.id, [row.id]);
    return { ...row.model, saes: [{ id: row.id, name: row.name }] };
  }
  // models known by name only (browse-only imports) cannot run text: they are not candidates unless named
  const models = await db().model.findMany({
    where: model === undefined ? { packagePath: { not: null } } : { name: model },
    select: {
      id: true, name: true,
      saes: { where: { path: { not: null } }, select: { id: true, name: true }, orderBy: [{ layer: "asc" }, { id: "asc" }], take: MAX_SAES_PER_REQUEST },
    },
    orderBy: { id: "asc" },
    take: 2,
  });
  if (models.length === 0) throw notFound(model === undefined ? "There are no models with weights yet." : `There is no model named ${model}.`);
  if (models.length > 1) throw badRequest("Choose a model (or an SAE) to run the text through.");
  await requireWeights("Search by inference", models[0].id, []);
  if (models[0].saes.length === 0) {
    const browseOnly = await db().sae.count({ where: { modelId: models[0].id, path: null } });
    if (browseOnly > 0) throw conflict(`Search by inference needs the SAE's weights: every SAE of ${models[0].name} was imported from dashboards only (browse-only). ${NEEDS_WEIGHTS_HINT}`);
    throw badRequest(`Model ${models[0].name} has no SAEs yet.`);
  }
  return models[0];
}


/**
 * What one response says about one SAE's features on its prompt, BOS excluded: each listed feature's
 * largest seen activation (exact for every feature listed at the token where it peaks), and the
 * largest activation an unlisted feature can have had — the smallest listed value of every token
 * whose list is full (0 when no list is full: then every active feature was listed and an unlisted
 * one is exactly 0).
 */
interface PromptView {
  seen: Map<number, number>;
  /** Per feature: the bound on its activation at full tokens where it was not listed. */
  unlistedBound: (index: number) => number;
  anyFull: boolean;
}

function promptView(response: ActivationsResponse, saeId: number, listWidth: number): PromptView {
  const seen = new Map<number, number>();
  const full: { floor: number; listed: Set<number> }[] = [];
  const sae = response.saes.find((s) => s.saeId === saeId);
  if (sae) {
    // `top` holds exact maxima over every token (from the service's full sparse rows)
    for (const top of sae.top) seen.set(top.index, Math.max(seen.get(top.index) ?? 0, top.maxValue));
    sae.perToken.forEach((row, position) => {
      if (response.tokens[position]?.bos) return;
      row.indices.forEach((index, i) => seen.set(index, Math.max(seen.get(index) ?? 0, row.values[i])));
      if (row.indices.length >= listWidth) full.push({ floor: row.values[row.values.length - 1] ?? 0, listed: new Set(row.indices) });
    });
    for (const feature of sae.features) {
      let max = 0;
      feature.values.forEach((value, position) => { if (!response.tokens[position]?.bos && value > max) max = value; });
      seen.set(feature.index, max);
    }
  }
  return {
    seen,
    anyFull: full.length > 0,
    unlistedBound: (index) => full.reduce((bound, token) => (token.listed.has(index) ? bound : Math.max(bound, token.floor)), 0),
  };
}

interface Candidate {
  sae: SaeRef;
  index: number;
  positive: number[];
  negative: number[];
  /** Dashboard max, or null when the feature has none (no dashboards, or never active there). */
  maxActivation: number | null;
  /** Weakest positive activation (raw) and, with a dashboard max, as a share of it. */
  weakest: number;
  score: number | null;
  dropped: boolean;
}

/**
 * Features active on every positive prompt and below 1% of their max on every negative prompt,
 * ranked on one scale: the weakest positive activation as a share of the feature's dashboard max.
 *
 * Candidates are every feature the service lists (its top 64 per token, BOS excluded) on every
 * positive prompt — no cut by another quantity before ranking. An activation the lists cannot
 * settle (a token's list was full and the feature was not on it) is measured exactly, in requests
 * of 32 features per SAE, best candidates first, at most CONTRAST_MAX_MEASURED per prompt; the
 * response says how many candidates that left out (`unmeasured`) and whether a full list on a
 * positive prompt may have hidden candidates (`incomplete`). Features without a dashboard max are
 * returned apart (`withoutDashboard`), never mixed into the ranking.
 */
export async function contrastSearch(input: ContrastSearchBody, options: InferenceCallOptions = {}): Promise<ContrastSearchResult> {
  const body = contrastSearchBodySchema.parse(input);
  const started = Date.now();
  const model = await resolveModelAndSaes(body.model, body.sae);
  const run = (text: string) =>
    inferenceActivations({ modelId: model.id, text, saes: model.saes.map((s) => ({ saeId: s.id, features: [] })), topK: CONTRAST_TOP_K }, options);
  const positives = await Promise.all(body.positive.map(run));
  const executionProvider = positives[0]?.executionProvider ?? "unknown";

  const candidates: Candidate[] = [];
  let incomplete = false;
  const views = new Map<number, { positive: PromptView[]; negative: PromptView[] }>();
  for (const sae of model.saes) {
    const positive = positives.map((response) => promptView(response, sae.id, CONTRAST_TOP_K));
    views.set(sae.id, { positive, negative: [] });
    if (positive.some((view) => view.anyFull)) incomplete = true;
    const shared = [...positive[0].seen.keys()].filter((index) => positive.every((view) => (view.seen.get(index) ?? 0) > 0));
    if (shared.length === 0) continue;
    const rows = await db().feature.findMany({ where: { saeId: sae.id, index: { in: shared } }, select: { index: true, maxActivation: true } });
    const maxOf = new Map(rows.filter((f) => f.maxActivation > 0).map((f) => [f.index, f.maxActivation]));
    for (const index of shared) {
      const values = positive.map((view) => view.seen.get(index) ?? 0);
      const maxActivation = maxOf.get(index) ?? null;
      const weakest = Math.min(...values);
      candidates.push({ sae, index, positive: values, negative: [], maxActivation, weakest, score: maxActivation === null ? null : weakest / maxActivation, dropped: false });
    }
  }
  // best first: scored candidates by score, then the unscaled by raw weakest activation
  const order = (a: Candidate, b: Candidate) =>
    (a.score === null ? 1 : 0) - (b.score === null ? 1 : 0) ||
    (a.score !== null && b.score !== null ? b.score - a.score : b.weakest - a.weakest) ||
    a.sae.id - b.sae.id || a.index - b.index;
  candidates.sort(order);

  const measured = new Set<Candidate>();
  const unmeasured = new Set<Candidate>();
  /** Measures `list` exactly on `text`, in requests of ≤ 8 SAEs × ≤ 32 features, one after another. */
  const measure = async (text: string, list: Candidate[]): Promise<Map<Candidate, number>> => {
    const values = new Map<Candidate, number>();
    const bySae = new Map<number, Candidate[]>();
    for (const candidate of list) bySae.set(candidate.sae.id, [...(bySae.get(candidate.sae.id) ?? []), candidate]);
    const chunks: Array<Array<[number, Candidate[]]>> = [];
    for (const [saeId, all] of bySae) {
      for (let start = 0, round = 0; start < all.length; start += MAX_FEATURES_PER_SAE_REQUEST, round++) {
        chunks[round] ??= [];
        chunks[round].push([saeId, all.slice(start, start + MAX_FEATURES_PER_SAE_REQUEST)]);
      }
    }
    for (const round of chunks) {
      for (let start = 0; start < round.length; start += MAX_SAES_PER_REQUEST) {
        const part = round.slice(start, start + MAX_SAES_PER_REQUEST);
        const response = await inferenceActivations({
          modelId: model.id, text, topK: 1, saes: part.map(([saeId, list]) => ({ saeId, features: list.map((c) => c.index) })),
        }, options);
        for (const [saeId, list] of part) {
          const seen = promptView(response, saeId, Infinity).seen;
          for (const candidate of list) values.set(candidate, seen.get(candidate.index) ?? 0);
        }
      }
    }
    return values;
  };
  /** Keeps the first CONTRAST_MAX_MEASURED of `needed` (best first) for measuring; the rest go unmeasured. */
  const capped = (needed: Candidate[]) => {
    for (const candidate of needed.slice(CONTRAST_MAX_MEASURED)) unmeasured.add(candidate);
    return needed.slice(0, CONTRAST_MAX_MEASURED);
  };

  // positives: a candidate's max is exact unless a full token list may hide a larger value
  for (const [p, text] of body.positive.entries()) {
    const needed = candidates.filter((c) => !unmeasured.has(c) && views.get(c.sae.id)!.positive[p].unlistedBound(c.index) > c.positive[p]);
    if (needed.length === 0) continue;
    for (const [candidate, value] of await measure(text, capped(needed))) {
      measured.add(candidate);
      candidate.positive[p] = value;
    }
  }
  for (const c of candidates) {
    c.weakest = Math.min(...c.positive);
    if (c.maxActivation !== null) c.score = c.weakest / c.maxActivation;
  }
  candidates.sort(order);

  // negatives: one listing per prompt settles most candidates; the rest are measured
  const threshold = (c: Candidate) => CONTRAST_NEGATIVE_THRESHOLD * (c.maxActivation ?? Math.max(...c.positive));
  const negatives = body.negative.length > 0 ? await Promise.all(body.negative.map(run)) : [];
  for (const [n, response] of negatives.entries()) {
    for (const sae of model.saes) views.get(sae.id)!.negative.push(promptView(response, sae.id, CONTRAST_TOP_K));
    const needed: Candidate[] = [];
    for (const c of candidates) {
      if (c.dropped || unmeasured.has(c)) continue;
      const view = views.get(c.sae.id)!.negative[n];
      const seen = view.seen.get(c.index) ?? 0;
      c.negative[n] = seen;
      if (seen >= threshold(c)) c.dropped = true;
      else if (view.unlistedBound(c.index) >= threshold(c)) needed.push(c);
    }
    if (needed.length === 0) continue;
    for (const [candidate, value] of await measure(body.negative[n], capped(needed))) {
      measured.add(candidate);
      candidate.negative[n] = value;
      if (value >= threshold(candidate)) candidate.dropped = true;
    }
  }

  const survivors = candidates.filter((c) => !c.dropped && !unmeasured.has(c));
  const scored = survivors.filter((c) => c.score !== null).slice(0, body.limit);
  const unscaled = survivors.filter((c) => c.score === null).slice(0, body.limit);
  const labels = new Map<number, Map<number, string>>();
  for (const sae of model.saes) {
    labels.set(sae.id, await currentLabels(sae.id, [...scored, ...unscaled].filter((c) => c.sae.id === sae.id).map((c) => c.index)));
  }
  const row = (c: Candidate) => ({
    saeId: c.sae.id,
    saeName: c.sae.name,
    index: c.index,
    label: labels.get(c.sae.id)?.get(c.index) ?? null,
    url: featureUrl(model.name, c.sae.name, c.index),
    positive: c.positive,
    negative: c.negative,
  });
  return {
    modelName: model.name,
    executionProvider,
    candidates: candidates.length,
    measured: measured.size,
    unmeasured: unmeasured.size,
    incomplete,
    results: scored.map((c) => ({ ...row(c), score: c.score!, maxActivation: c.maxActivation! })),
    withoutDashboard: unscaled.map((c) => ({ ...row(c), weakestPositive: c.weakest })),
    timingsMs: Date.now() - started,
  };
}

/** Inference errors the search page shows as a message rather than an error page. */
export function isUserFacing(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status < 500 || error.code === "unavailable");
}

export interface TextFeatures {
  modelName: string;
  executionProvider: string;
  tokens: { id: number; text: string; bos: boolean; partial: boolean }[];
  saes: {
    saeId: number;
    saeName: string;
    /** Strongest features over the text (BOS excluded), with labels. */
    top: { index: number; maxValue: number; position: number; activeTokens: number; label: string | null; url: string }[];
    /** Per token, its strongest features (descending), with labels. */
    perToken: { index: number; value: number; label: string | null; url: string }[][];
  }[];
  timingsMs: number;
}

/** Runs a text through the model and its SAEs: top features overall and per token, labelled. */
export async function textFeatures(text: string, model: string | undefined, sae: number | undefined, options: InferenceCallOptions = {}): Promise<TextFeatures> {
  const resolved = await resolveModelAndSaes(model, sae);
  const response = await inferenceActivations({ modelId: resolved.id, text, saes: resolved.saes.map((s) => ({ saeId: s.id, features: [] })), topK: 10 }, options);
  const names = new Map(resolved.saes.map((s) => [s.id, s.name]));
  const saes = await Promise.all(response.saes.map(async (result) => {
    const saeName = names.get(result.saeId) ?? String(result.saeId);
    const indices = new Set<number>(result.top.map((t) => t.index));
    for (const row of result.perToken) for (const index of row.indices) indices.add(index);
    const labels = await currentLabels(result.saeId, [...indices]);
    return {
      saeId: result.saeId,
      saeName,
      top: result.top.map((t) => ({ ...t, label: labels.get(t.index) ?? null, url: featureUrl(resolved.name, saeName, t.index) })),
      perToken: result.perToken.map((row) => row.indices.map((index, i) => ({
        index, value: row.values[i] ?? 0, label: labels.get(index) ?? null, url: featureUrl(resolved.name, saeName, index),
      }))),
    };
  }));
  return {
    modelName: resolved.name,
    executionProvider: response.executionProvider,
    tokens: response.tokens.map((t) => ({ id: t.id, text: t.text, bos: t.bos, partial: t.partial })),
    saes,
    timingsMs: response.timingsMs.total,
  };
}
