/**
 * Search by running text through the model: the features a text activates (overall and per token),
 * and contrast search — features active on every positive prompt and on no negative one (Anthropic's
 * multi-prompt method). Both go through the inference service (lib/inference/client); this module
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

/** The inference service takes at most this many SAEs per request. */
export const MAX_SAES_PER_REQUEST = 8;
/** Features kept per positive prompt when looking for ones they share. */
export const CONTRAST_TOP_K = 64;
/** A feature "is active" on a negative prompt when it reaches this share of its max activation. */
export const CONTRAST_NEGATIVE_THRESHOLD = 0.01;

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

export const ContrastSearchResultSchema = z
  .object({
    modelName: z.string(),
    executionProvider: z.string(),
    results: z.array(z.object({
      saeId: z.number().int(),
      saeName: z.string(),
      index: z.number().int(),
      label: z.string().nullable(),
      url: z.string(),
      score: z.number().meta({ description: "Weakest positive activation as a share of the feature's max (BOS excluded)" }),
      positive: z.array(z.number()).meta({ description: "Max activation on each positive prompt" }),
      negative: z.array(z.number()).meta({ description: "Max activation on each negative prompt (all below the threshold)" }),
      maxActivation: z.number(),
    })),
    candidates: z.number().int().meta({ description: "Features in the top 64 of every positive prompt, before negatives were checked" }),
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


/** Per SAE and feature: the largest activation on a prompt, BOS excluded. */
function maxima(response: ActivationsResponse, saeId: number): Map<number, number> {
  const result = new Map<number, number>();
  const sae = response.saes.find((s) => s.saeId === saeId);
  if (!sae) return result;
  for (const top of sae.top) result.set(top.index, top.maxValue);
  for (const feature of sae.features) {
    let max = 0;
    feature.values.forEach((value, position) => {
      if (!response.tokens[position]?.bos && value > max) max = value;
    });
    result.set(feature.index, max);
  }
  return result;
}

/**
 * Features active on every positive prompt (each in that prompt's top 64) and below 1% of their
 * max on every negative prompt, ranked by their weakest positive activation relative to their max.
 * Positives run first; negatives only measure the candidates (≤ 32 per SAE, the strongest first).
 */
export async function contrastSearch(input: ContrastSearchBody, options: InferenceCallOptions = {}): Promise<ContrastSearchResult> {
  const body = contrastSearchBodySchema.parse(input);
  const started = Date.now();
  const model = await resolveModelAndSaes(body.model, body.sae);
  const positives = await Promise.all(body.positive.map((text) =>
    inferenceActivations({ modelId: model.id, text, saes: model.saes.map((s) => ({ saeId: s.id, features: [] })), topK: CONTRAST_TOP_K }, options)));
  const executionProvider = positives[0]?.executionProvider ?? "unknown";

  interface Candidate { sae: SaeRef; index: number; positive: number[]; negative: number[]; maxActivation: number; score: number }
  const candidates: Candidate[] = [];
  for (const sae of model.saes) {
    const perPrompt = positives.map((response) => maxima(response, sae.id));
    const shared = [...perPrompt[0].keys()].filter((index) => perPrompt.every((m) => (m.get(index) ?? 0) > 0));
    if (shared.length === 0) continue;
    const features = await db().feature.findMany({ where: { saeId: sae.id, index: { in: shared } }, select: { index: true, maxActivation: true } });
    const maxOf = new Map(features.map((f) => [f.index, f.maxActivation]));
    for (const index of shared) {
      const positive = perPrompt.map((m) => m.get(index) ?? 0);
      const maxActivation = maxOf.get(index) ?? Math.max(...positive);
      const score = maxActivation > 0 ? Math.min(...positive) / maxActivation : 0;
      candidates.push({ sae, index, positive, negative: [], maxActivation, score });
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.sae.id - b.sae.id || a.index - b.index);

  // the service returns at most 32 requested features per SAE: measure the strongest candidates
  const measured = new Map<number, Candidate[]>();
  for (const candidate of candidates) {
    const list = measured.get(candidate.sae.id) ?? [];
    if (list.length < 32) list.push(candidate);
    measured.set(candidate.sae.id, list);
  }
  const kept = [...measured.values()].flat();
  if (body.negative.length > 0 && kept.length > 0) {
    const negatives = await Promise.all(body.negative.map((text) =>
      inferenceActivations({
        modelId: model.id, text, topK: 1,
        saes: [...measured].map(([saeId, list]) => ({ saeId, features: list.map((c) => c.index) })),
      }, options)));
    for (const response of negatives) {
      for (const [saeId, list] of measured) {
        const values = maxima(response, saeId);
        for (const candidate of list) candidate.negative.push(values.get(candidate.index) ?? 0);
      }
    }
  }
  const survivors = kept
    .filter((c) => c.negative.every((value) => value < CONTRAST_NEGATIVE_THRESHOLD * (c.maxActivation || 1)))
    .sort((a, b) => b.score - a.score || a.sae.id - b.sae.id || a.index - b.index)
    .slice(0, body.limit);

  const labels = new Map<number, Map<number, string>>();
  for (const sae of model.saes) {
    labels.set(sae.id, await currentLabels(sae.id, survivors.filter((c) => c.sae.id === sae.id).map((c) => c.index)));
  }
  return {
    modelName: model.name,
    executionProvider,
    candidates: candidates.length,
    results: survivors.map((c) => ({
      saeId: c.sae.id,
      saeName: c.sae.name,
      index: c.index,
      label: labels.get(c.sae.id)?.get(c.index) ?? null,
      url: featureUrl(model.name, c.sae.name, c.index),
      score: c.score,
      positive: c.positive,
      negative: c.negative,
      maxActivation: c.maxActivation,
    })),
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
