/**
 * Labels every live feature of an SAE with the built-in explainer (builtin.ts), offline: a machine
 * draft per feature with its method, examples and scores (detection and simulation through the
 * deterministic simulator, on the same split and scorers as the LLM path), written in bulk. The
 * trivial baseline explainer is scored on the same material, and the run stores both score
 * distributions (AutoInterpRun.summary) for the SAE page and the docs. The dashboards job runs it
 * after publishing (first start); `npm run label:builtin -- --sae <id>` runs it on any SAE.
 */
import {
  createBuiltinRun, finishBuiltinRun, loadSaeMaterials, modelTokenTexts, saeTokenBackground,
} from "../../db/autointerp";
import { db } from "../../db/client";
import { createDraftLabelsBulk, type BulkDraft } from "../../db/labels";
import { BASELINE_METHOD, BUILTIN_METHOD, BUILTIN_VERSION, baselineExplainer, builtinExplainer, tokenSimulator } from "./builtin";
import { draftWith, type DraftResult } from "./pipeline";

export interface ScoreDistribution {
  n: number;
  /** features whose score is undefined (no negatives, constant predictions) */
  nulls: number;
  mean: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
}

export function distribution(values: Array<number | null>): ScoreDistribution {
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const at = (q: number) => (defined.length ? defined[Math.min(defined.length - 1, Math.floor(q * defined.length))] : null);
  return {
    n: defined.length,
    nulls: values.length - defined.length,
    mean: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
    p25: at(0.25), median: at(0.5), p75: at(0.75),
  };
}

export interface BuiltinSummary {
  method: string;
  version: string;
  simulator: string;
  features: number;
  background: string;
  builtin: { detection: ScoreDistribution; simulation: ScoreDistribution };
  baseline: { method: string; detection: ScoreDistribution; simulation: ScoreDistribution };
  /** share of features (with both scores defined) where the built-in explanation scores higher / lower */
  comparison: { detectionBetter: number; detectionWorse: number; simulationBetter: number; simulationWorse: number };
  seconds: number;
}

const CHUNK = 1000;

export async function labelSaeWithBuiltin(
  saeId: number,
  options: { log?: (line: string) => void; requestedById?: number | null } = {},
): Promise<{ runId: number; drafted: number; summary: BuiltinSummary }> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const sae = await db().sae.findUniqueOrThrow({ where: { id: saeId }, select: { id: true, name: true, dSae: true } });
  const live = await db().feature.count({ where: { saeId, dead: false } });
  const run = await createBuiltinRun(saeId, live, BUILTIN_METHOD, BUILTIN_VERSION, options.requestedById ?? null);
  const background = await saeTokenBackground(saeId);
  const texts = await modelTokenTexts(saeId);
  const explainer = builtinExplainer(background);
  const scores = { builtin: [] as DraftResult[], baseline: [] as DraftResult[] };
  const errors: unknown[] = [];
  let drafted = 0;
  for (let from = 0; from < sae.dSae; from += CHUNK) {
    const materials = await loadSaeMaterials(saeId, from, from + CHUNK, texts);
    const drafts: BulkDraft[] = [];
    for (const { featureId, material } of materials) {
      try {
        const result = await draftWith(material, explainer, tokenSimulator);
        const baseline = await draftWith(material, baselineExplainer, tokenSimulator);
        scores.builtin.push(result);
        scores.baseline.push(baseline);
        drafts.push({
          featureId,
          text: result.explanation,
          detectionScore: result.detection.score,
          simulationScore: result.simulation.score,
          provenance: {
            provider: "builtin", model: BUILTIN_METHOD, method: BUILTIN_METHOD, promptVersion: BUILTIN_VERSION, runId: run.id,
            simulator: tokenSimulator.name, seed: result.seed, examplesShown: result.examples, background: background?.source ?? "none",
            baseline: { method: BASELINE_METHOD, explanation: baseline.explanation, detectionScore: baseline.detection.score, simulationScore: baseline.simulation.score },
            createdAt: new Date().toISOString(),
          },
          scoreDetails: { scorer: tokenSimulator.name, promptVersion: BUILTIN_VERSION, detection: result.detection, simulation: result.simulation },
        });
      } catch (error) {
        errors.push({ index: material.index, message: (error as Error).message, at: new Date().toISOString() });
      }
    }
    const written = await createDraftLabelsBulk(drafts, {
      note: `machine draft (built-in explainer, run ${run.id})`, replaceMethod: BUILTIN_METHOD,
      audit: { saeId, runId: run.id, method: BUILTIN_METHOD, features: drafts.length },
    });
    drafted += written.created;
    log(`built-in labels for ${sae.name}: ${drafted}/${live} features`);
  }
  const pairs = scores.builtin.map((b, i) => [b, scores.baseline[i]] as const);
  const share = (pick: (r: DraftResult) => number | null, better: boolean) => {
    const both = pairs.filter(([b, a]) => pick(b) !== null && pick(a) !== null);
    return both.length ? both.filter(([b, a]) => (better ? pick(b)! > pick(a)! : pick(b)! < pick(a)!)).length / both.length : 0;
  };
  const detection = (r: DraftResult) => r.detection.score;
  const simulation = (r: DraftResult) => r.simulation.score;
  const summary: BuiltinSummary = {
    method: BUILTIN_METHOD, version: BUILTIN_VERSION, simulator: tokenSimulator.name, features: drafted, background: background?.source ?? "none",
    builtin: { detection: distribution(scores.builtin.map(detection)), simulation: distribution(scores.builtin.map(simulation)) },
    baseline: { method: BASELINE_METHOD, detection: distribution(scores.baseline.map(detection)), simulation: distribution(scores.baseline.map(simulation)) },
    comparison: {
      detectionBetter: share(detection, true), detectionWorse: share(detection, false),
      simulationBetter: share(simulation, true), simulationWorse: share(simulation, false),
    },
    seconds: (Date.now() - started) / 1000,
  };
  await finishBuiltinRun(run.id, { done: drafted, failed: errors.length, summary: summary as unknown as Record<string, unknown>, errors });
  return { runId: run.id, drafted, summary };
}
