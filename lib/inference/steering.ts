/**
 * A steering run: the default and the steered completion generated side by side in one batch
 * (row 0 default, row 1 steered) with the same seed and sampling settings, so that every
 * difference comes from steering alone. Emits each step as it is sampled.
 */
import type { ModelSession } from "../model";
import { steer, type FeatureIntervention } from "../model/interventions";
import type { HookRegistration } from "../model/hooks";
import { logSoftmax } from "../model/sampling";
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

/** KL(p ‖ q) for two rows of logits, both at temperature 1. */
export function klDivergence(pLogits: ArrayLike<number>, qLogits: ArrayLike<number>): number {
  const logP = logSoftmax(pLogits);
  const logQ = logSoftmax(qLogits);
  let kl = 0;
  for (let i = 0; i < logP.length; i++) {
    const p = Math.exp(logP[i]);
    if (p > 0) kl += p * (logP[i] - logQ[i]);
  }
  return Math.max(0, kl);
}

export interface SteeringSaes {
  /** saeId → the loaded SAE and its hook. */
  get(saeId: number): { sae: Sae; hookName: string } | undefined;
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

  // one steering hook per SAE (row 1 only), then one measuring hook reading every steered feature
  const hooks: HookRegistration[] = [];
  const bySae = new Map<number, FeatureIntervention[]>();
  request.features.forEach((feature, i) => {
    const entry = saes.get(feature.saeId);
    if (!entry) throw new InferenceError("not_found", `SAE ${feature.saeId} is not loaded.`);
    if (feature.index >= entry.sae.dSae) throw new InferenceError("bad_request", `Feature ${feature.index} does not exist: SAE ${feature.saeId} has ${entry.sae.dSae}.`);
    const list = bySae.get(feature.saeId) ?? [];
    list.push(toIntervention(feature, request.maxActivations[i]));
    bySae.set(feature.saeId, list);
  });
  for (const [saeId, interventions] of bySae) {
    const { sae, hookName } = saes.get(saeId)!;
    hooks.push(steer(sae, interventions, { rows: [STEERED_ROW], hookName }));
  }
  let stepActs: number[][] = [[], []];
  for (const [saeId] of bySae) {
    const { sae, hookName } = saes.get(saeId)!;
    const positions = request.features.map((f, i) => ({ f, i })).filter(({ f }) => f.saeId === saeId);
    hooks.push({
      hookName,
      fn: async (tensor) => {
        // the last position of each row predicts this step's token
        const rows = new Float32Array(2 * tensor.width);
        for (let b = 0; b < 2; b++) {
          const last = (b * tensor.seqLen + tensor.seqLen - 1) * tensor.width;
          rows.set(tensor.data.subarray(last, last + tensor.width), b * tensor.width);
        }
        const encoding = await sae.encode(rows);
        for (const { f, i } of positions) {
          stepActs[DEFAULT_ROW][i] = encoding.featureActs[DEFAULT_ROW * encoding.dSae + f.index];
          stepActs[STEERED_ROW][i] = encoding.featureActs[STEERED_ROW * encoding.dSae + f.index];
        }
      },
    });
  }

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
    onStep: async ({ step, logits, tokens }) => {
      if (signal?.aborted) throw new InferenceError("unavailable", "The client went away.");
      if (step === 0) firstToken = performance.now() - started;
      const rows = [logits.subarray(0, dVocab), logits.subarray(dVocab, 2 * dVocab)];
      const stepKl = klDivergence(rows[DEFAULT_ROW], rows[STEERED_ROW]);
      kl.push(stepKl);
      featureActs.default.push([...stepActs[DEFAULT_ROW]]);
      featureActs.steered.push([...stepActs[STEERED_ROW]]);
      const generated = [DEFAULT_ROW, STEERED_ROW].map((b) => {
        if (ended[b]) return null;
        const id = tokens[b];
        const token = tokenOf(id, logSoftmax(rows[b])[id]);
        if (id === eosTokenId || promptIds.length + step >= nCtx) ended[b] = true;
        return token;
      });
      await emit({
        event: "token",
        data: { step, default: generated[0], steered: generated[1], kl: stepKl, featureActs: { default: featureActs.default[step], steered: featureActs.steered[step] } },
      });
      stepActs = [[], []];
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
