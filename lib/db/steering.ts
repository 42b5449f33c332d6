/** Steering runs: resolving the features a request steers with, and saving runs for permalinks. */
import type { Prisma } from "../generated/prisma/client";
import { db } from "./client";
import type { SteerDoneEvent } from "../inference/protocol";
import { isSteeringRunId, newSteeringRunId } from "../steering/permalink";

export class SteeringInputError extends Error {}

/** Checks every feature belongs to an SAE of the model and returns each one's max activation. */
export async function resolveSteeringFeatures(modelId: number, features: { saeId: number; index: number }[]): Promise<number[]> {
  const saeIds = [...new Set(features.map((f) => f.saeId))];
  const saes = await db().sae.findMany({ where: { id: { in: saeIds } }, select: { id: true, modelId: true, dSae: true, name: true } });
  for (const saeId of saeIds) {
    const sae = saes.find((s) => s.id === saeId);
    if (!sae) throw new SteeringInputError(`SAE ${saeId} does not exist.`);
    if (sae.modelId !== modelId) throw new SteeringInputError(`SAE ${sae.name} (${saeId}) is not an SAE of model ${modelId}.`);
  }
  for (const f of features) {
    const sae = saes.find((s) => s.id === f.saeId)!;
    if (f.index >= sae.dSae) throw new SteeringInputError(`Feature ${f.index} does not exist: SAE ${sae.name} has ${sae.dSae} features.`);
  }
  const rows = await db().feature.findMany({
    where: { OR: features.map((f) => ({ saeId: f.saeId, index: f.index })) },
    select: { saeId: true, index: true, maxActivation: true },
  });
  return features.map((f) => rows.find((r) => r.saeId === f.saeId && r.index === f.index)?.maxActivation ?? 0);
}

/** Each SAE's typical ‖h‖ at its hook (the add "hook-norm" unit), for those measured. */
export async function typicalHookNorms(saeIds: number[]): Promise<Map<number, number>> {
  if (!saeIds.length) return new Map();
  const rows = await db().sae.findMany({ where: { id: { in: [...new Set(saeIds)] }, typicalHookNorm: { not: null } }, select: { id: true, typicalHookNorm: true } });
  return new Map(rows.map((r) => [r.id, r.typicalHookNorm!]));
}

/** Stores an SAE's typical ‖h‖ at its hook (measured on its dashboard corpus, lib/steering/hook-norm.ts). */
export async function saveTypicalHookNorm(saeId: number, norm: number): Promise<void> {
  await db().sae.update({ where: { id: saeId }, data: { typicalHookNorm: norm } });
}

/** SAEs to measure the typical hook norm of (those without one, or all / one), with their model and last computed dashboard run. */
export function saesForHookNorms(options: { all?: boolean; saeId?: number }) {
  return db().sae.findMany({
    where: { ...(options.saeId ? { id: options.saeId } : {}), ...(options.all || options.saeId ? {} : { typicalHookNorm: null }) },
    include: { model: true, dashboardRuns: { where: { kind: "compute", status: "done" }, orderBy: { id: "desc" }, take: 1 } },
    orderBy: { id: "asc" },
  });
}

export interface SteeringRunInput {
  authorId: number | null;
  modelId: number;
  prompt: string;
  params: Record<string, unknown>;
  result: SteerDoneEvent;
  executionDevice: string;
}

export async function saveSteeringRun(input: SteeringRunInput) {
  const { result } = input;
  return db().steeringRun.create({
    data: {
      id: newSteeringRunId(),
      authorId: input.authorId,
      modelId: input.modelId,
      prompt: input.prompt,
      params: input.params as object,
      defaultOutput: result.default.text,
      steeredOutput: result.steered.text,
      // klPrefix / featureActsAt say how the series were measured (lib/steering/result.ts resultFromSaved labels older runs)
      defaultTokens: {
        tokens: result.default.tokens, finishReason: result.default.finishReason, featureActs: result.featureActs.default,
        kl: result.kl, klPrefix: result.klPrefix, klSampled: result.klSampled, featureActsAt: result.featureActsAt,
      } as object,
      steeredTokens: { tokens: result.steered.tokens, finishReason: result.steered.finishReason, featureActs: result.featureActs.steered } as object,
      executionDevice: input.executionDevice,
    },
    select: { id: true, createdAt: true },
  });
}

/** A run by its permalink id (anything that is not one finds nothing, without a query). */
export async function getSteeringRun(id: string) {
  if (!isSteeringRunId(id)) return null;
  return db().steeringRun.findUnique({
    where: { id },
    include: { model: { select: { id: true, name: true } }, author: { select: { id: true, name: true } } },
  });
}

/**
 * Who may see a run's author: signed-in users always; people who are not signed in only when the
 * author chose to publish their name. Otherwise the run shows "a signed-in user".
 */
export function visibleAuthor(
  run: { authorPublic: boolean; author: { id: number; name: string | null } | null },
  viewerSignedIn: boolean,
): { id: number; name: string | null } | null {
  if (!run.author) return null;
  return viewerSignedIn || run.authorPublic ? run.author : null;
}

/** The author shows (or hides) their name on a run's permalink for people who are not signed in. */
export async function setSteeringRunAuthorPublic(id: string, authorId: number, authorPublic: boolean): Promise<boolean> {
  if (!isSteeringRunId(id)) return false;
  const { count } = await db().steeringRun.updateMany({ where: { id, authorId }, data: { authorPublic } });
  return count === 1;
}

/** A person's runs, newest first, keyset-paginated by (createdAt, id): `before` is the last run's id. */
export async function listSteeringRuns(authorId: number, options: { before?: string; limit: number }) {
  let where: Prisma.SteeringRunWhereInput = { authorId };
  if (options.before) {
    const last = isSteeringRunId(options.before)
      ? await db().steeringRun.findFirst({ where: { id: options.before, authorId }, select: { id: true, createdAt: true } })
      : null;
    if (!last) return { runs: [], nextBefore: null };
    where = { authorId, OR: [{ createdAt: { lt: last.createdAt } }, { createdAt: last.createdAt, id: { lt: last.id } }] };
  }
  const rows = await db().steeringRun.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.limit + 1,
    select: { id: true, prompt: true, params: true, defaultOutput: true, steeredOutput: true, createdAt: true, model: { select: { id: true, name: true } } },
  });
  const hasMore = rows.length > options.limit;
  const runs = rows.slice(0, options.limit);
  return { runs, nextBefore: hasMore ? runs.at(-1)!.id : null };
}
