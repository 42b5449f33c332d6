/**
 * A steering run: the default and the steered completion generated side by side in one batch
 * (row 0 default, row 1 steered) with the same seed and sampling settings, so that every
 * difference comes from steering alone. Emits each step as it is sampled.
 */
import type { ModelSession } from "../model";
import { applyInterventions, type FeatureIntervention } from "../model/interventions";
import type { HookFn, HookRegistration, HookTensor } from "../model/hooks";
import { logNormalizer } from "../model/sampling";
import type { Sae, SaeEncoding } from "../sae";
import { InferenceError } from "./engine";
import { ServiceSteerRequestSchema, type ServiceSteerRequest, type SteerDoneEvent, type SteerEvent, type SteerTokenEvent } from "./protocol";

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

/** Each steered feature's activation at every step, default and steered row (the token events' featureActs). */
class StepActivations {
  readonly default: number[][] = [];
  readonly steered: number[][] = [];
  /** Per step, how many SAEs have not yet reported their features. */
  private readonly missing: number[] = [];

  constructor(private readonly nFeatures: number, private readonly nSaes: number) {}

  private ensure(step: number): void {
    while (this.default.length <= step) {
      this.default.push(new Array<number>(this.nFeatures));
      this.steered.push(new Array<number>(this.nFeatures));
      this.missing.push(this.nSaes);
    }
  }

  /** One SAE's reading at `step`, from rows `row` (default) and `row + 1` (steered) of an encoding. */
  report(step: number, reported: readonly { slot: number; index: number }[], encoding: SaeEncoding, row: number): void {
    this.ensure(step);
    for (const { slot, index } of reported) {
      this.default[step][slot] = encoding.featureActs[row * encoding.dSae + index];
      this.steered[step][slot] = encoding.featureActs[(row + 1) * encoding.dSae + index];
    }
    this.missing[step] -= 1;
  }

  complete(step: number): boolean {
    return step < this.missing.length && this.missing[step] === 0;
  }
}

/**
 * One SAE of a steering run: its interventions on the steered row, the features it reports, and
 * the reading it still owes.
 *
 * The activation a token event reports is read AFTER steering (INTERP §5's observable), so it
 * needs an encode of the edited h, while clamp/ablate/multiply need f(h) BEFORE the edit: two
 * encodes per step, each streaming the whole W_enc through the cache. To spend one per step, a
 * plan that steers with an encode defers its reading of step t to step t + 1 and encodes
 * [default row at t, steered row after the edit at t, steered row at t + 1 before the edit] in one
 * session run: rows 0–1 are step t's reading, row 2 is what step t + 1's intervention needs. The
 * prompt pass reads at once (the first token is not delayed); a run's last reading is flushed after
 * generation. Encoding several rows together gives each row the same bits as encoding it alone
 * (checked against the plain composition in steering.test.ts).
 */
class SaePlan {
  readonly interventions: FeatureIntervention[] = [];
  readonly reported: { slot: number; index: number }[] = [];
  /** [default row's last position, steered row's last position after steering, (steered row's next position)]. */
  private readonly rows: Float32Array;
  /** The step whose reading sits in rows[0 .. 2·width), not encoded yet. */
  private owed: number | null = null;

  constructor(readonly sae: Sae, readonly hookName: string) {
    this.rows = new Float32Array(3 * sae.dIn);
  }

  private get encodesToSteer(): boolean {
    return this.interventions.some((i) => i.kind !== "add");
  }

  /** Applies this SAE's interventions to the steered row of this forward call, settling a reading owed from the previous step. */
  async steer(steeredRow: SteeredRow, acts: StepActivations): Promise<void> {
    const { width, seqLen } = steeredRow;
    if (this.owed !== null && this.encodesToSteer && seqLen === 1) {
      this.rows.set(steeredRow.data, 2 * width);
      const encoding = await this.sae.encode(this.rows);
      acts.report(this.owed, this.reported, encoding, DEFAULT_ROW);
      this.owed = null;
      await applyInterventions(this.sae, this.interventions, steeredRow, {}, { encoding, offset: 2 });
      return;
    }
    await this.flush(acts);
    await applyInterventions(this.sae, this.interventions, steeredRow);
  }

  /** After every SAE at the hook has steered: takes this step's reading, now or owed to the next step. */
  async read(tensor: Pick<HookTensor, "data" | "seqLen" | "width" | "step">, acts: StepActivations): Promise<void> {
    const { data, seqLen, width } = tensor;
    for (const b of [DEFAULT_ROW, STEERED_ROW]) {
      const last = (b * seqLen + seqLen - 1) * width;
      this.rows.set(data.subarray(last, last + width), b * width);
    }
    this.owed = tensor.step;
    if (tensor.step === 0 || !this.encodesToSteer) await this.flush(acts);
  }

  /** Encodes a reading still owed (after generation, or when the next step cannot carry it). */
  async flush(acts: StepActivations): Promise<void> {
    if (this.owed === null) return;
    const encoding = await this.sae.encode(this.rows.subarray(0, 2 * this.sae.dIn));
    acts.report(this.owed, this.reported, encoding, DEFAULT_ROW);
    this.owed = null;
  }
}

type SteeredRow = Pick<HookTensor, "data" | "batch" | "seqLen" | "width" | "tokenMask" | "hookName">;

/** The hook function for every SAE at one hook: each steers the steered row in request order, then each takes its reading. */
function steeringStepHook(plans: SaePlan[], acts: StepActivations): HookFn {
  return async (tensor) => {
    const { data, seqLen, width, tokenMask, hookName } = tensor;
    const rowValues = seqLen * width;
    const steeredRow: SteeredRow = {
      hookName, width, seqLen, batch: 1,
      data: data.subarray(STEERED_ROW * rowValues, (STEERED_ROW + 1) * rowValues),
      tokenMask: tokenMask.subarray(STEERED_ROW * seqLen, (STEERED_ROW + 1) * seqLen),
    };
    for (const plan of plans) await plan.steer(steeredRow, acts);
    for (const plan of plans) await plan.read(tensor, acts);
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
  const plans = new Map<number, SaePlan>();
  request.features.forEach((feature, slot) => {
    const entry = saes.get(feature.saeId);
    if (!entry) throw new InferenceError("not_found", `SAE ${feature.saeId} is not loaded.`);
    if (feature.index >= entry.sae.dSae) throw new InferenceError("bad_request", `Feature ${feature.index} does not exist: SAE ${feature.saeId} has ${entry.sae.dSae}.`);
    let plan = plans.get(feature.saeId);
    if (!plan) {
      plan = new SaePlan(entry.sae, entry.hookName);
      plans.set(feature.saeId, plan);
    }
    plan.interventions.push(toIntervention(feature, request.maxActivations[slot]));
    plan.reported.push({ slot, index: feature.index });
  });
  const byHook = new Map<string, SaePlan[]>();
  for (const plan of plans.values()) byHook.set(plan.hookName, [...(byHook.get(plan.hookName) ?? []), plan]);
  const featureActs = new StepActivations(request.features.length, plans.size);
  const hooks: HookRegistration[] = [...byHook].map(([hookName, hookPlans]) => ({ hookName, fn: steeringStepHook(hookPlans, featureActs) }));

  await emit({
    event: "start",
    data: { promptTokens: model.tokenizer.tokenTexts(promptIds).map((t) => ({ id: t.id, text: t.text })), executionProvider: model.executionProvider, seed: request.seed },
  });

  const tokenOf = (id: number, logprob: number) => ({ id, text: model.tokenizer.tokenText(id), logprob });
  const ended = [false, false];
  const kl: number[] = [];
  let firstToken = 0;
  const dVocab = model.manifest.dVocab;
  // token events wait for their step's reading (at most one step, see SaePlan), then go out in order
  const waiting: Omit<SteerTokenEvent, "featureActs">[] = [];
  const emitReady = async () => {
    while (waiting.length && featureActs.complete(waiting[0].step)) {
      const data = waiting.shift()!;
      await emit({ event: "token", data: { ...data, featureActs: { default: featureActs.default[data.step], steered: featureActs.steered[data.step] } } });
    }
  };

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
      const generated = [DEFAULT_ROW, STEERED_ROW].map((b) => {
        if (ended[b]) return null;
        const id = tokens[b];
        const token = tokenOf(id, rows[b][id] - logZ[b]);
        if (id === eosTokenId || promptIds.length + step >= nCtx) ended[b] = true;
        return token;
      });
      waiting.push({ step, default: generated[0], steered: generated[1], kl: stepKl });
      await emitReady();
    },
  });
  for (const plan of plans.values()) await plan.flush(featureActs);
  await emitReady();

  const completion = (b: number) => ({
    text: model.tokenizer.decode(sequences[b].tokens),
    tokens: sequences[b].tokens.map((id, i) => tokenOf(id, sequences[b].logprobs[i])),
    finishReason: sequences[b].finishReason,
  });
  const done: SteerDoneEvent = {
    default: completion(DEFAULT_ROW),
    steered: completion(STEERED_ROW),
    kl,
    featureActs: { default: featureActs.default.slice(0, kl.length), steered: featureActs.steered.slice(0, kl.length) },
    timingsMs: { firstToken, total: performance.now() - started },
  };
  await emit({ event: "done", data: done });
  return done;
}
