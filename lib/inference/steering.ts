/**
 * A steering run: the default and the steered completion generated side by side in one batch
 * (row 0 default, row 1 steered) with the same seed and sampling settings, so that every
 * difference comes from steering alone. Emits each step as it is sampled.
 */
import type { ModelSession } from "../model";
import { applyInterventions, type FeatureIntervention } from "../model/interventions";
import type { HookFn, HookRegistration } from "../model/hooks";
import { logNormalizer } from "../model/sampling";
import type { Sae } from "../sae";
import { InferenceError } from "./engine";
import { ServiceSteerRequestSchema, type ServiceSteerRequest, type SteerDoneEvent, type SteerEvent } from "./protocol";

const DEFAULT_ROW = 0;
const STEERED_ROW = 1;

/** The intervention the runtime applies for one requested feature (INTERP §5 units). */
export function toIntervention(feature: { index: number; method: string; value: number }, maxActivation: number): FeatureIntervention {
  switch (feature.method) {
    case "add":
      return { kind: "add", feature: feature.index, strength: feature.value };
    case "clamp":
      if (!(maxActivation > 0)) {
        throw new InferenceError("bad_request", `Feature ${feature.index} never fired on the dashboard corpus, so "clamp to a multiple of its max activation" has no unit. Use add instead.`);
      }
      return { kind: "clamp", feature: feature.index, multiple: feature.value, maxActivation };
    case "ablate":
      return { kind: "ablate", feature: feature.index };
    case "multiply":
      return { kind: "multiply", feature: feature.index, factor: feature.value };
    default:
      throw new InferenceError("bad_request", `Unknown steering method "${feature.method}".`);
  }
}

/**
 * KL(p ‖ q) for two rows of logits, both at temperature 1. Pass the rows' normalisers when they are
 * already known (a steering step also needs them for the tokens' logprobs).
 */
export function klDivergence(pLogits: ArrayLike<number>, qLogits: ArrayLike<number>, logZp = logNormalizer(pLogits), logZq = logNormalizer(qLogits)): number {
  let kl = 0;
  for (let i = 0; i < pLogits.length; i++) {
    const logP = pLogits[i] - logZp;
    const p = Math.exp(logP);
    if (p > 0) kl += p * (logP - (qLogits[i] - logZq));
  }
  return Math.max(0, kl);
}

export interface SteeringSaes {
  /** saeId → the loaded SAE and its hook. */
  get(saeId: number): { sae: Sae; hookName: string } | undefined;
}

/** One SAE of a steering run: its interventions on the steered row and the features it reports. */
interface SaePlan {
  sae: Sae;
  interventions: FeatureIntervention[];
  /** (slot in the request's features, feature index) for every requested feature of this SAE. */
  reported: { slot: number; index: number }[];
  /** [default row's last position, steered row's last position], reused every step. */
  lastPositions: Float32Array;
}

/**
 * The hook function for every SAE steering at one hook. Per forward call it (1) applies each SAE's
 * interventions to the steered row only — SAE-encoding just that row's positions, and only when a
 * method needs f(h) (clamp, ablate, multiply; add does not) — in request order, exactly
 * applyInterventions' math; then (2) once all of them have edited h, encodes the two rows' last
 * positions to read each requested feature's activation after steering (INTERP §5's observable).
 * (2) cannot reuse (1)'s encoding: it must see h after the edit.
 */
function steeringStepHook(plans: SaePlan[], stepActs: () => { default: number[]; steered: number[] }): HookFn {
  return async (tensor) => {
    const acts = stepActs();
    const { data, seqLen, width, tokenMask, hookName } = tensor;
    const rowValues = seqLen * width;
    const steeredRow = {
      hookName, width, seqLen, batch: 1,
      data: data.subarray(STEERED_ROW * rowValues, (STEERED_ROW + 1) * rowValues),
      tokenMask: tokenMask.subarray(STEERED_ROW * seqLen, (STEERED_ROW + 1) * seqLen),
    };
    for (const plan of plans) {
      if (plan.interventions.length) await applyInterventions(plan.sae, plan.interventions, steeredRow);
    }
    for (const plan of plans) {
      const x = plan.lastPositions;
      for (const b of [DEFAULT_ROW, STEERED_ROW]) {
        const last = (b * seqLen + seqLen - 1) * width;
        x.set(data.subarray(last, last + width), b * width);
      }
      const encoding = await plan.sae.encode(x);
      for (const { slot, index } of plan.reported) {
        acts.default[slot] = encoding.featureActs[DEFAULT_ROW * encoding.dSae + index];
        acts.steered[slot] = encoding.featureActs[STEERED_ROW * encoding.dSae + index];
      }
    }
  };
}

export async function runSteering(
  model: ModelSession,
  saes: SteeringSaes,
  input: ServiceSteerRequest,
  emit: (event: SteerEvent) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<SteerDoneEvent> {
  const parsed = ServiceSteerRequestSchema.safeParse(input);
  if (!parsed.success) throw new InferenceError("validation_failed", "Invalid steering request.", parsed.error.issues);
  const request = parsed.data;
  if (request.maxActivations.length !== request.features.length) {
    throw new InferenceError("bad_request", "maxActivations must list one value per feature.");
  }
  const started = performance.now();
  const promptIds = model.encode(request.prompt);
  const { nCtx, eosTokenId } = model.manifest;
  if (promptIds.length >= nCtx) {
    throw new InferenceError("bad_request", `The prompt is ${promptIds.length} tokens long; ${model.manifest.name} reads at most ${nCtx}, and generating needs room. Shorten it.`);
  }

  // one plan per SAE (in request order), grouped by hook: at each hook every SAE steers, then each
  // reads its features, so a reading sees all the edits made at that hook
  const plans = new Map<number, SaePlan & { hookName: string }>();
  request.features.forEach((feature, slot) => {
    const entry = saes.get(feature.saeId);
    if (!entry) throw new InferenceError("not_found", `SAE ${feature.saeId} is not loaded.`);
    if (feature.index >= entry.sae.dSae) throw new InferenceError("bad_request", `Feature ${feature.index} does not exist: SAE ${feature.saeId} has ${entry.sae.dSae}.`);
    let plan = plans.get(feature.saeId);
    if (!plan) {
      plan = { sae: entry.sae, hookName: entry.hookName, interventions: [], reported: [], lastPositions: new Float32Array(2 * entry.sae.dIn) };
      plans.set(feature.saeId, plan);
    }
    plan.interventions.push(toIntervention(feature, request.maxActivations[slot]));
    plan.reported.push({ slot, index: feature.index });
  });
  const byHook = new Map<string, SaePlan[]>();
  for (const plan of plans.values()) byHook.set(plan.hookName, [...(byHook.get(plan.hookName) ?? []), plan]);
  const nFeatures = request.features.length;
  // the activations of the step being computed; fresh arrays each step, as the done event keeps them
  let stepActs = { default: new Array<number>(nFeatures), steered: new Array<number>(nFeatures) };
  const hooks: HookRegistration[] = [...byHook].map(([hookName, hookPlans]) => ({
    hookName,
    fn: steeringStepHook(hookPlans, () => stepActs),
  }));

  await emit({
    event: "start",
    data: { promptTokens: model.tokenizer.tokenTexts(promptIds).map((t) => ({ id: t.id, text: t.text })), executionProvider: model.executionProvider, seed: request.seed },
  });

  const tokenOf = (id: number, logprob: number) => ({ id, text: model.tokenizer.tokenText(id), logprob });
  const ended = [false, false];
  const kl: number[] = [];
  const featureActs = { default: [] as number[][], steered: [] as number[][] };
  let firstToken = 0;
  const dVocab = model.manifest.dVocab;

  const sequences = await model.generate([promptIds, promptIds], {
    maxNewTokens: request.maxTokens,
    seed: request.seed,
    temperature: request.temperature,
    topP: request.topP,
    hooks,
    onStep: async ({ step, logits, tokens, logNormalizers }) => {
      if (signal?.aborted) throw new InferenceError("unavailable", "The client went away.");
      if (step === 0) firstToken = performance.now() - started;
      const rows = [logits.subarray(0, dVocab), logits.subarray(dVocab, 2 * dVocab)];
      // one log-normaliser per row (generate's, unless the row has stopped) serves the KL and the logprobs
      const logZ = [DEFAULT_ROW, STEERED_ROW].map((b) => (Number.isNaN(logNormalizers[b]) ? logNormalizer(rows[b]) : logNormalizers[b]));
      const stepKl = klDivergence(rows[DEFAULT_ROW], rows[STEERED_ROW], logZ[DEFAULT_ROW], logZ[STEERED_ROW]);
      kl.push(stepKl);
      featureActs.default.push(stepActs.default);
      featureActs.steered.push(stepActs.steered);
      const generated = [DEFAULT_ROW, STEERED_ROW].map((b) => {
        if (ended[b]) return null;
        const id = tokens[b];
        const token = tokenOf(id, rows[b][id] - logZ[b]);
        if (id === eosTokenId || promptIds.length + step >= nCtx) ended[b] = true;
        return token;
      });
      await emit({
        event: "token",
        data: { step, default: generated[0], steered: generated[1], kl: stepKl, featureActs: { default: stepActs.default, steered: stepActs.steered } },
      });
      stepActs = { default: new Array<number>(nFeatures), steered: new Array<number>(nFeatures) };
    },
  });

  const completion = (b: number) => ({
    text: model.tokenizer.decode(sequences[b].tokens),
    tokens: sequences[b].tokens.map((id, i) => tokenOf(id, sequences[b].logprobs[i])),
    finishReason: sequences[b].finishReason,
  });
  const done: SteerDoneEvent = {
    default: completion(DEFAULT_ROW),
    steered: completion(STEERED_ROW),
    kl,
    featureActs,
    timingsMs: { firstToken, total: performance.now() - started },
  };
  await emit({ event: "done", data: done });
  return done;
}
