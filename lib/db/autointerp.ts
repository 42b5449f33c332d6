/**
 * Auto-interp's storage: provider settings (admin page over environment defaults), runs with their
 * counters, spend and errors, the material a feature's draft is made from, and the draft itself
 * (a model-source Label in draft status with full provenance).
 */
import { DomainError } from "../api/errors";
import type { Prisma } from "../generated/prisma/client";
import { openSecret, sealSecret } from "../labels/autointerp/secret-box";
import type { FeatureExample, FeatureMaterial } from "../labels/autointerp/material";
import type { DraftResult } from "../labels/autointerp/pipeline";
import { PROMPT_VERSION } from "../labels/autointerp/prompts";
import { ProviderError } from "../labels/autointerp/provider";
import { recordAudit } from "./audit";
import { db } from "./client";
import { unknownToken } from "./features";
import { rawSql } from "./dashboards";
import { createLabel } from "./labels";

const SETTINGS_ID = 1;

export interface EffectiveSettings {
  baseUrl: string | null;
  model: string | null;
  apiKey: string | null;
  priceInputPerMTok: number;
  priceOutputPerMTok: number;
  spendCapUsd: number | null;
  maxTokensPerRun: number | null;
  concurrency: number;
  sources: Record<"baseUrl" | "model" | "apiKey", "settings" | "environment" | "unset">;
  /** set when a stored key cannot be decrypted */
  keyProblem: string | null;
}

function envNumber(name: string): number | null {
  const raw = process.env[name]?.trim();
  if (!raw) return null;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** Admin settings where set, else FEATURESCOPE_LLM_* from the environment. */
export async function getAutoInterpSettings(): Promise<EffectiveSettings> {
  const row = await db().autoInterpSettings.findUnique({ where: { id: SETTINGS_ID } });
  const env = {
    baseUrl: process.env.FEATURESCOPE_LLM_BASE_URL?.trim() || null,
    model: process.env.FEATURESCOPE_LLM_MODEL?.trim() || null,
    apiKey: process.env.FEATURESCOPE_LLM_API_KEY?.trim() || null,
  };
  let storedKey: string | null = null;
  let keyProblem: string | null = null;
  if (row?.apiKeyCipher) {
    storedKey = openSecret(row.apiKeyCipher);
    if (storedKey === null) keyProblem = "The stored provider key cannot be decrypted (AUTH_SECRET changed?). Enter it again.";
  }
  const pick = <T>(stored: T | null | undefined, fromEnv: T | null) =>
    stored !== null && stored !== undefined ? { value: stored, source: "settings" as const } : fromEnv !== null ? { value: fromEnv, source: "environment" as const } : { value: null, source: "unset" as const };
  const baseUrl = pick(row?.baseUrl, env.baseUrl);
  const model = pick(row?.model, env.model);
  // FEATURESCOPE_LLM_API_KEY belongs to FEATURESCOPE_LLM_BASE_URL: it is never sent to another origin an admin typed in
  const envKeyApplies = env.apiKey !== null && (baseUrl.source !== "settings" || sameOrigin(baseUrl.value, env.baseUrl));
  const apiKey = pick(storedKey, envKeyApplies ? env.apiKey : null);
  return {
    baseUrl: baseUrl.value,
    model: model.value,
    apiKey: apiKey.value,
    priceInputPerMTok: row?.priceInputPerMTok ?? envNumber("FEATURESCOPE_LLM_PRICE_INPUT_PER_MTOK") ?? 0,
    priceOutputPerMTok: row?.priceOutputPerMTok ?? envNumber("FEATURESCOPE_LLM_PRICE_OUTPUT_PER_MTOK") ?? 0,
    spendCapUsd: row?.spendCapUsd ?? envNumber("FEATURESCOPE_LLM_SPEND_CAP_USD") ?? 5,
    maxTokensPerRun: row?.maxTokensPerRun ?? envNumber("FEATURESCOPE_LLM_MAX_TOKENS_PER_RUN") ?? 2_000_000,
    concurrency: Math.max(1, Math.min(16, row?.concurrency ?? envNumber("FEATURESCOPE_LLM_CONCURRENCY") ?? 2)),
    sources: { baseUrl: baseUrl.source, model: model.source, apiKey: apiKey.source },
    keyProblem,
  };
}

/** What an admin page or API may show: everything but the key itself. */
export function publicSettings(settings: EffectiveSettings) {
  const { apiKey, ...rest } = settings;
  return { ...rest, apiKeySet: apiKey !== null, apiKeyHint: apiKey ? `…${apiKey.slice(-4)}` : null };
}

export interface SettingsChange {
  baseUrl?: string | null;
  model?: string | null;
  /** a new key; null removes the stored one; undefined keeps it */
  apiKey?: string | null;
  priceInputPerMTok?: number | null;
  priceOutputPerMTok?: number | null;
  spendCapUsd?: number | null;
  maxTokensPerRun?: number | null;
  concurrency?: number | null;
}

/** The origin (scheme, host, port) of a base URL, or null when there is none or it is not a URL. */
export function urlOrigin(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function sameOrigin(a: string | null | undefined, b: string | null | undefined): boolean {
  const origin = urlOrigin(a);
  return origin !== null && origin === urlOrigin(b);
}

/**
 * Saves provider settings. Moving the base URL to another origin clears the stored key unless the
 * same change brings a new one: the key was entered for the old server, and sending it to the new
 * one would hand it to whoever runs that (the form says so). Returns whether a key was cleared.
 */
export async function saveAutoInterpSettings(change: SettingsChange, actorId: number): Promise<{ keyCleared: boolean }> {
  const { apiKey: requestedKey, ...fields } = change;
  let apiKey = requestedKey;
  let keyCleared = false;
  if (change.baseUrl !== undefined && requestedKey === undefined) {
    const before = await db().autoInterpSettings.findUnique({ where: { id: SETTINGS_ID }, select: { baseUrl: true, apiKeyCipher: true } });
    const oldBase = before?.baseUrl ?? (process.env.FEATURESCOPE_LLM_BASE_URL?.trim() || null);
    const newBase = change.baseUrl ?? (process.env.FEATURESCOPE_LLM_BASE_URL?.trim() || null);
    if (before?.apiKeyCipher && !sameOrigin(oldBase, newBase)) {
      apiKey = null;
      keyCleared = true;
    }
  }
  const data = { ...fields, updatedById: actorId, ...(apiKey !== undefined ? { apiKeyCipher: apiKey === null ? null : sealSecret(apiKey) } : {}) };
  await db().$transaction(async (tx) => {
    await tx.autoInterpSettings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, ...data }, update: data });
    await recordAudit(
      {
        actorId,
        action: "autointerp.settings",
        targetType: "autointerp_settings",
        targetId: SETTINGS_ID,
        details: { ...fields, apiKey: keyCleared ? "cleared: base URL moved to another origin" : apiKey === undefined ? "unchanged" : apiKey === null ? "removed" : "replaced" } as Prisma.InputJsonValue,
      },
      tx,
    );
  });
  return { keyCleared };
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

export interface RunRequest {
  saeId: number;
  /** null: every live feature of the SAE that has no accepted label */
  indices: number[] | null;
  requestedById: number;
  spendCapUsd?: number | null;
}

/**
 * A run's spending cap: the admin's cap (the ceiling) unless the requester asks for less. Asking
 * for more is refused rather than silently lowered, so nobody believes they raised it.
 */
export function runSpendCap(requested: number | null | undefined, ceiling: number | null): number | null {
  if (requested === null || requested === undefined) return ceiling;
  if (ceiling !== null && requested > ceiling) {
    throw new DomainError(
      "invalid",
      `A run's spending cap can only lower the server's cap of $${ceiling}, not raise it to $${requested}; an admin sets the cap on /admin/providers.`,
    );
  }
  return requested;
}

/** Creates a run and returns it with the feature indices to enqueue. */
export async function createAutoInterpRun(request: RunRequest) {
  const settings = await getAutoInterpSettings();
  if (!settings.baseUrl || !settings.model) {
    throw new DomainError("invalid", "No auto-interp provider is configured: an admin sets one on /admin/providers (or FEATURESCOPE_LLM_BASE_URL and FEATURESCOPE_LLM_MODEL).");
  }
  if (settings.keyProblem) throw new DomainError("invalid", settings.keyProblem);
  const spendCapUsd = runSpendCap(request.spendCapUsd, settings.spendCapUsd);
  const sae = await db().sae.findUnique({ where: { id: request.saeId }, select: { id: true } });
  if (!sae) throw new DomainError("not_found", `There is no SAE ${request.saeId}.`);
  let indices: number[];
  if (request.indices) {
    const found = await db().feature.findMany({ where: { saeId: sae.id, index: { in: request.indices } }, select: { index: true } });
    const missing = request.indices.filter((i) => !found.some((f) => f.index === i));
    if (missing.length) throw new DomainError("not_found", `SAE ${sae.id} has no feature ${missing.slice(0, 5).join(", ")}.`);
    indices = [...new Set(request.indices)];
  } else {
    const rows = await db().feature.findMany({
      where: { saeId: sae.id, dead: false, OR: [{ labelStatus: null }, { labelStatus: { not: "accepted" } }] },
      select: { index: true },
      orderBy: { index: "asc" },
    });
    indices = rows.map((r) => r.index);
  }
  const run = await db().$transaction(async (tx) => {
    const created = await tx.autoInterpRun.create({
      data: {
        saeId: sae.id,
        scope: request.indices ? "feature" : "sae",
        requestedById: request.requestedById,
        provider: settings.baseUrl!,
        model: settings.model!,
        promptVersion: PROMPT_VERSION,
        spendCapUsd,
        maxTokens: settings.maxTokensPerRun,
        priceInputPerMTok: settings.priceInputPerMTok,
        priceOutputPerMTok: settings.priceOutputPerMTok,
        featuresTotal: indices.length,
        status: indices.length ? "queued" : "done",
        finishedAt: indices.length ? null : new Date(),
      },
    });
    await recordAudit(
      { actorId: request.requestedById, action: "autointerp.run", targetType: "autointerp_run", targetId: created.id, details: { saeId: sae.id, features: indices.length } },
      tx,
    );
    return created;
  });
  return { run, indices };
}

export async function getAutoInterpRun(runId: number) {
  return db().autoInterpRun.findUnique({ where: { id: runId } });
}

export async function listAutoInterpRuns(saeId: number | null, limit = 20) {
  return db().autoInterpRun.findMany({ where: saeId ? { saeId } : {}, orderBy: { id: "desc" }, take: limit });
}

/** Whether the run may spend on another feature (its spending and token caps). */
export function withinCap(run: { costUsd: number; spendCapUsd: number | null; promptTokens: number; completionTokens: number; maxTokens: number | null }): boolean {
  if (run.spendCapUsd !== null && run.costUsd >= run.spendCapUsd) return false;
  if (run.maxTokens !== null && run.promptTokens + run.completionTokens >= run.maxTokens) return false;
  return true;
}

const MAX_ERRORS_KEPT = 50;

async function settle(tx: Prisma.TransactionClient, runId: number) {
  const run = await tx.autoInterpRun.findUniqueOrThrow({ where: { id: runId } });
  const finished = run.featuresDone + run.featuresFailed + run.featuresSkipped >= run.featuresTotal;
  const status = finished
    ? run.featuresSkipped > 0 ? "capped" : run.featuresDone === 0 && run.featuresFailed > 0 ? "failed" : "done"
    : run.status === "queued" ? "running" : run.status;
  if (status !== run.status || (finished && !run.finishedAt)) {
    await tx.autoInterpRun.update({ where: { id: runId }, data: { status, finishedAt: finished ? (run.finishedAt ?? new Date()) : null } });
  }
}

async function lockRun(tx: Prisma.TransactionClient, runId: number) {
  await tx.$queryRaw`SELECT "id" FROM "AutoInterpRun" WHERE "id" = ${runId} FOR UPDATE`;
  return tx.autoInterpRun.findUniqueOrThrow({ where: { id: runId } });
}

export async function markRunStarted(runId: number) {
  await db().autoInterpRun.updateMany({ where: { id: runId, status: "queued" }, data: { status: "running" } });
}

/** Counts the tokens (and their price) a feature's calls used, whether or not they succeeded. */
export async function addRunUsage(runId: number, usage: { promptTokens: number; completionTokens: number }) {
  await db().$transaction(async (tx) => {
    const run = await lockRun(tx, runId);
    const cost = (usage.promptTokens * run.priceInputPerMTok + usage.completionTokens * run.priceOutputPerMTok) / 1_000_000;
    await tx.autoInterpRun.update({
      where: { id: runId },
      data: { promptTokens: { increment: usage.promptTokens }, completionTokens: { increment: usage.completionTokens }, costUsd: { increment: cost } },
    });
  });
}

export async function markFeatureSkipped(runId: number, index: number, reason: string) {
  await db().$transaction(async (tx) => {
    const run = await lockRun(tx, runId);
    const errors = [...((run.errors as unknown[]) ?? []), { index, message: reason, cause: { failure: "cap" }, at: new Date().toISOString() }].slice(-MAX_ERRORS_KEPT);
    await tx.autoInterpRun.update({ where: { id: runId }, data: { featuresSkipped: { increment: 1 }, errors: errors as Prisma.InputJsonValue } });
    await settle(tx, runId);
  });
}

/** A failed attempt: kept as an error with its cause; counted as a failed feature only on the last attempt. */
export async function recordFeatureFailure(runId: number, index: number, error: unknown, final: boolean, attempt: number) {
  const cause = error instanceof ProviderError ? error.toJSON() : { message: (error as Error)?.message ?? String(error), failure: "internal" };
  await db().$transaction(async (tx) => {
    const run = await lockRun(tx, runId);
    const entry = { index, attempt, final, message: cause.message, cause, at: new Date().toISOString() };
    const errors = [...((run.errors as unknown[]) ?? []), entry].slice(-MAX_ERRORS_KEPT);
    await tx.autoInterpRun.update({
      where: { id: runId },
      data: { errors: errors as Prisma.InputJsonValue, ...(final ? { featuresFailed: { increment: 1 } } : {}) },
    });
    if (final) await settle(tx, runId);
  });
}

/** Stores the draft (model label, status draft, provenance and scores) and counts the feature done. */
export async function storeDraft(runId: number, featureId: number, result: DraftResult) {
  const run = await db().autoInterpRun.findUniqueOrThrow({ where: { id: runId } });
  const provenance = {
    provider: run.provider,
    model: run.model,
    promptVersion: result.promptVersion,
    method: "Bills et al. 2023 explanation; simulation (Pearson r) and detection (balanced accuracy) scoring",
    runId,
    seed: result.seed,
    examplesShown: result.examples,
    usage: { ...result.usage, calls: result.calls },
    createdAt: new Date().toISOString(),
  };
  const label = await createLabel(
    featureId,
    {
      text: result.explanation,
      source: "model",
      status: "draft",
      provenance,
      detectionScore: result.detection.score,
      simulationScore: result.simulation.score,
      scoreDetails: { scorer: run.model, promptVersion: result.promptVersion, detection: result.detection, simulation: result.simulation } as Prisma.InputJsonValue,
      note: `machine draft (run ${runId})`,
    },
    null,
  );
  await db().$transaction(async (tx) => {
    await lockRun(tx, runId);
    await tx.autoInterpRun.update({ where: { id: runId }, data: { featuresDone: { increment: 1 } } });
    await settle(tx, runId);
  });
  return label;
}

/** An ActivationExample row as the material loaders read it. */
interface ExampleRowData {
  id: number;
  kind: "top" | "interval" | "random";
  intervalIndex: number | null;
  rank: number;
  tokenIds: number[];
  values: number[];
  maxValue: number;
  maxPosition: number;
}

function toExample(row: ExampleRowData, texts: Map<number, string>): FeatureExample {
  return {
    id: row.id,
    kind: row.kind,
    intervalIndex: row.intervalIndex ?? null,
    rank: row.rank,
    tokens: row.tokenIds.map((id) => texts.get(id) ?? unknownToken(id)),
    tokenIds: row.tokenIds,
    values: row.values,
    maxValue: row.maxValue,
    maxPosition: row.maxPosition,
  };
}

/**
 * Everything a draft is made from: the feature's stored top, interval and non-activating examples
 * (the dashboard computed the non-activating ones; nothing is assumed), with token text, and the
 * tokens its logit effects promote most.
 */
export async function loadFeatureMaterial(saeId: number, index: number): Promise<{ featureId: number; material: FeatureMaterial } | null> {
  const feature = await db().feature.findUnique({
    where: { saeId_index: { saeId, index } },
    select: { id: true, maxActivation: true, logitTopTokenIds: true, sae: { select: { modelId: true } } },
  });
  if (!feature) return null;
  const rows = await db().activationExample.findMany({
    where: { featureId: feature.id },
    orderBy: [{ kind: "asc" }, { intervalIndex: "asc" }, { rank: "asc" }],
    take: 400,
    select: { id: true, kind: true, intervalIndex: true, tokenIds: true, values: true, maxValue: true, maxPosition: true, rank: true },
  });
  const ids = new Set<number>(feature.logitTopTokenIds.slice(0, 3));
  for (const row of rows) for (const id of row.tokenIds) ids.add(id);
  const texts = new Map(
    (await db().token.findMany({ where: { modelId: feature.sae.modelId, tokenId: { in: [...ids] } }, select: { tokenId: true, text: true } }))
      .map((t) => [t.tokenId, t.text]),
  );
  const examples = rows.map((row) => toExample(row, texts));
  return {
    featureId: feature.id,
    material: {
      saeId,
      index,
      maxActivation: feature.maxActivation,
      top: examples.filter((e) => e.kind === "top"),
      interval: examples.filter((e) => e.kind === "interval"),
      random: examples.filter((e) => e.kind === "random"),
      promotes: feature.logitTopTokenIds.slice(0, 3).map((id) => texts.get(id) ?? unknownToken(id)),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bulk material for the built-in explainer (every live feature of an SAE)
// ---------------------------------------------------------------------------------------------

/** Radius of the stored window read per example (pipeline windows are ±SAMPLE_SIZES.window around the max). */
const WINDOW = 24;

/**
 * The material of the live features with index in [from, to): every stored example, cut in SQL to
 * the window around its max that the pipeline shows (so 100,000 features' examples stay a few
 * hundred MB of reading, not gigabytes), with token text from `texts`.
 */
export async function loadSaeMaterials(saeId: number, from: number, to: number, texts: Map<number, string>): Promise<Array<{ featureId: number; material: FeatureMaterial }>> {
  const sql = rawSql();
  const features = await sql`
    SELECT "id", "index", "maxActivation", "logitTopTokenIds"[1:3] AS "promotes" FROM "Feature"
    WHERE "saeId" = ${saeId} AND "index" >= ${from} AND "index" < ${to} AND NOT "dead" ORDER BY "index"`;
  if (features.length === 0) return [];
  const rows = await sql`
    SELECT e."id", e."featureId", e."kind", e."intervalIndex", e."rank", e."maxValue",
           e."tokenIds"[w.lo:w.hi] AS "tokenIds", e."values"[w.lo:w.hi] AS "values", e."maxPosition" + 1 - w.lo AS "maxPosition"
    FROM "ActivationExample" e
    CROSS JOIN LATERAL (SELECT greatest(1, e."maxPosition" + 1 - ${WINDOW}) AS lo, e."maxPosition" + 1 + ${WINDOW} AS hi) w
    WHERE e."featureId" = ANY(${features.map((f) => f.id as number)})
    ORDER BY e."featureId", e."kind", e."intervalIndex", e."rank"`;
  const byFeature = new Map<number, FeatureExample[]>();
  for (const row of rows) {
    const list = byFeature.get(row.featureId as number) ?? [];
    list.push(toExample(row as unknown as ExampleRowData, texts));
    byFeature.set(row.featureId as number, list);
  }
  return features.map((f) => {
    const examples = byFeature.get(f.id as number) ?? [];
    return {
      featureId: f.id as number,
      material: {
        saeId, index: f.index as number, maxActivation: f.maxActivation as number,
        top: examples.filter((e) => e.kind === "top"),
        interval: examples.filter((e) => e.kind === "interval"),
        random: examples.filter((e) => e.kind === "random"),
        promotes: ((f.promotes as number[] | null) ?? []).map((id) => texts.get(id) ?? unknownToken(id)),
      },
    };
  });
}

/** Every token's text for the SAE's model. */
export async function modelTokenTexts(saeId: number): Promise<Map<number, string>> {
  const rows = await rawSql()`
    SELECT t."tokenId", t."text" FROM "Token" t JOIN "Sae" s ON s."modelId" = t."modelId" WHERE s."id" = ${saeId}`;
  return new Map(rows.map((r) => [r.tokenId as number, r.text as string]));
}

/**
 * The dashboard corpus's token counts (stored by the dashboard run); for an SAE imported with
 * ready-made dashboards, the tokens of its stored non-activating contexts (uniform corpus samples).
 */
export async function saeTokenBackground(saeId: number): Promise<{ counts: number[]; total: number; source: string } | null> {
  const sql = rawSql();
  const [stored] = await sql`SELECT "tokens", "counts" FROM "SaeTokenCounts" WHERE "saeId" = ${saeId}`;
  if (stored) return { counts: stored.counts as number[], total: Number(stored.tokens), source: "dashboard corpus" };
  const rows = await sql`
    SELECT t AS id, count(*)::int AS n FROM (
      SELECT unnest(e."tokenIds") AS t FROM "ActivationExample" e JOIN "Feature" f ON f."id" = e."featureId"
      WHERE f."saeId" = ${saeId} AND e."kind" = 'random' LIMIT 2000000) x
    GROUP BY t`;
  if (rows.length === 0) return null;
  const size = Math.max(...rows.map((r) => r.id as number)) + 1;
  const counts = new Array<number>(size).fill(0);
  let total = 0;
  for (const r of rows) {
    counts[r.id as number] = r.n as number;
    total += r.n as number;
  }
  return { counts, total, source: "stored non-activating contexts" };
}

/** A run row for the built-in explainer (no provider, no spending). */
export async function createBuiltinRun(saeId: number, features: number, method: string, version: string, requestedById: number | null) {
  return db().autoInterpRun.create({
    data: {
      saeId, scope: "sae", requestedById, provider: "builtin", model: method, promptVersion: version,
      spendCapUsd: null, maxTokens: null, featuresTotal: features, status: "running",
    },
  });
}

export async function finishBuiltinRun(runId: number, update: { done: number; failed: number; summary: Record<string, unknown>; errors: unknown[] }) {
  await db().autoInterpRun.update({
    where: { id: runId },
    data: {
      featuresDone: update.done, featuresFailed: update.failed, status: update.done === 0 && update.failed > 0 ? "failed" : "done",
      summary: update.summary as Prisma.InputJsonValue, errors: update.errors.slice(-50) as Prisma.InputJsonValue, finishedAt: new Date(),
    },
  });
}

/** The latest built-in run of an SAE with its score summary (the SAE page shows it). */
export async function latestBuiltinRun(saeId: number) {
  return db().autoInterpRun.findFirst({ where: { saeId, provider: "builtin", status: "done" }, orderBy: { id: "desc" } });
}
