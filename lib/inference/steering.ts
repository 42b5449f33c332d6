/**
 * A steering run: the default and the steered completion generated side by side in one batch
 * (row 0 default, row 1 steered) with the same seed and sampling settings, so that every
 * difference comes from steering alone, plus row 2: the steered model fed the DEFAULT row's tokens
 * (teacher forcing), so the KL at every step compares the two models on the same prefix (INTERP
 * §5). Emits each step as it is sampled, with each token's feature reading at its own position.
 */
import type { ModelSession } from "../model";
import { applyInterventions, type FeatureIntervention } from "../model/interventions";
import type { HookFn, HookRegistration, HookTensor } from "../model/hooks";
import { logNormalizer } from "../model/sampling";
import type { Sae, SaeEncoding } from "../sae";
import { meanOfDefined } from "../steering/result";
import { InferenceError } from "./engine";
import {
  FEATURE_ACTS_AT, KL_PREFIX, ServiceSteerRequestSchema,
  type AddUnit, type ServiceSteerRequest, type SteerDoneEvent, type SteerEvent, type SteerTokenEvent,
} from "./protocol";

const DEFAULT_ROW = 0;
const STEERED_ROW = 1;
/** The steered model reading the default completion's text: the KL's second distribution. */
const STEERED_ON_DEFAULT_ROW = 2;

/** The intervention the runtime applies for one requested feature (INTERP §5 units, docs/STEERING.md). */
export function toIntervention(
  feature: { index: number; method: string; value: number; unit?: AddUnit },
  maxActivation: number,
  hookNorm: number | null = null,
): FeatureIntervention {
  switch (feature.method) {
    case "add":
      if (feature.unit === "hook-norm") {
        if (!(hookNorm !== null && hookNorm > 0)) {
          throw new InferenceError("bad_request", `The typical norm of this SAE's hook has not been measured yet, so "× typical ‖h‖" has no unit. Use the raw decoder unit, or measure it (npm run steer:hook-norms).`);
        }
        // s·N·d/‖d‖: applyInterventions divides by ‖d‖ for unitNorm
        return { kind: "add", feature: feature.index, strength: feature.value * hookNorm, unitNorm: true };
      }
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

/**
 * Each steered feature's reading per generated token (index s = the step that sampled it), default
 * and steered row. Token s sits at the position the forward pass of step s + 1 processes, so its
 * reading arrives one step after the token.
 */
class TokenReadings {
  readonly default: number[][] = [];
  readonly steered: number[][] = [];
  /** Per token, how many SAEs have not yet reported their features. */
  private readonly missing: number[] = [];

  constructor(private readonly nFeatures: number, private readonly nSaes: number) {}

  private ensure(token: number): void {
    while (this.default.length <= token) {
      this.default.push(new Array<number>(this.nFeatures));
      this.steered.push(new Array<number>(this.nFeatures));
      this.missing.push(this.nSaes);
    }
  }

  /** One SAE's reading of `token`, from rows 0 (default) and 1 (steered, after the edit) of an encoding. */
  report(token: number, reported: readonly { slot: number; index: number }[], encoding: SaeEncoding): void {
    this.ensure(token);
    for (const { slot, index } of reported) {
      this.default[token][slot] = encoding.featureActs[index];
      this.steered[token][slot] = encoding.featureActs[encoding.dSae + index];
    }
    this.missing[token] -= 1;
  }

  complete(token: number): boolean {
    return token < this.missing.length && this.missing[token] === 0;
  }
}

/**
 * One SAE of a steering run: its interventions on the steered rows (1 and 2), the features it
 * reports, and the reading it still owes.
 *
 * A token's reading is taken AFTER steering (INTERP §5's observable), so it needs an encode of the
 * edited h, while clamp/ablate/multiply need f(h) BEFORE the edit: two encodes per step, each
 * streaming the whole W_enc through the cache. To spend one per step, a plan that steers with an
 * encode defers the reading taken at step t to step t + 1 and encodes [default row at t, steered row
 * after the edit at t, steered rows 1 and 2 at t + 1 before the edit] in one session run: rows 0–1
 * are the reading, rows 2–3 what step t + 1's intervention needs. The reading taken at step t is of
 * token t − 1 (the prompt pass reads no generated token); a run's last reading is flushed after
 * generation. Encoding several rows together gives each row the same bits as encoding it alone
 * (checked against the plain composition in steering.test.ts).
 */
class SaePlan {
  readonly interventions: FeatureIntervention[] = [];
  readonly reported: { slot: number; index: number }[] = [];
  /** [default row's position, steered row's position after steering, (rows 1 and 2 at the next position)]. */
  private readonly rows: Float32Array;
  /** The token whose reading sits in rows[0 .. 2·width), not encoded yet. */
  private owed: number | null = null;

  constructor(readonly sae: Sae, readonly hookName: string) {
    this.rows = new Float32Array(4 * sae.dIn);
  }

  private get encodesToSteer(): boolean {
    return this.interventions.some((i) => i.kind !== "add");
  }

  /** Applies this SAE's interventions to the steered rows of this forward call, settling a reading owed from the previous step. */
  async steer(steeredRows: SteeredRows, readings: TokenReadings): Promise<void> {
    const { width, seqLen } = steeredRows;
    if (this.owed !== null && this.encodesToSteer && seqLen === 1) {
      this.rows.set(steeredRows.data, 2 * width);
      const encoding = await this.sae.encode(this.rows);
      readings.report(this.owed, this.reported, encoding);
      this.owed = null;
      await applyInterventions(this.sae, this.interventions, steeredRows, {}, { encoding, offset: 2 });
      return;
    }
    await this.flush(readings);
    await applyInterventions(this.sae, this.interventions, steeredRows);
  }

  /** After every SAE at the hook has steered: reads the token this step's position holds, now or owed to the next step. */
  async read(tensor: Pick<HookTensor, "data" | "seqLen" | "width" | "step">, readings: TokenReadings): Promise<void> {
    // step 0 is the prompt pass: its last position holds a prompt token, not a generated one
    if (tensor.step === 0) return;
    const { data, seqLen, width } = tensor;
    for (const b of [DEFAULT_ROW, STEERED_ROW]) {
      const last = (b * seqLen + seqLen - 1) * width;
      this.rows.set(data.subarray(last, last + width), b * width);
    }
    this.owed = tensor.step - 1;
    if (!this.encodesToSteer) await this.flush(readings);
  }

  /** Encodes a reading still owed (after generation, or when the next step cannot carry it). */
  async flush(readings: TokenReadings): Promise<void> {
    if (this.owed === null) return;
    const encoding = await this.sae.encode(this.rows.subarray(0, 2 * this.sae.dIn));
    readings.report(this.owed, this.reported, encoding);
    this.owed = null;
  }
}

type SteeredRows = Pick<HookTensor, "data" | "batch" | "seqLen" | "width" | "tokenMask" | "hookName">;

/** The hook function for every SAE at one hook: each steers rows 1–2 in request order, then each takes its reading. */
function steeringStepHook(plans: SaePlan[], readings: TokenReadings): HookFn {
  return async (tensor) => {
    const { data, seqLen, width, tokenMask, hookName } = tensor;
    const rowValues = seqLen * width;
    // rows 1 and 2 are contiguous: one view steers both
    const steeredRows: SteeredRows = {
      hookName, width, seqLen, batch: 2,
      data: data.subarray(STEERED_ROW * rowValues, (STEERED_ON_DEFAULT_ROW + 1) * rowValues),
      tokenMask: tokenMask.subarray(STEERED_ROW * seqLen, (STEERED_ON_DEFAULT_ROW + 1) * seqLen),
    };
    for (const plan of plans) await plan.steer(steeredRows, readings);
    for (const plan of plans) await plan.read(tensor, readings);
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
  if (request.hookNorms && request.hookNorms.length !== request.features.length) {
    throw new InferenceError("bad_request", "hookNorms must list one value per feature.");
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
    plan.interventions.push(toIntervention(feature, request.maxActivations[slot], request.hookNorms?.[slot] ?? null));
    plan.reported.push({ slot, index: feature.index });
  });
  const byHook = new Map<string, SaePlan[]>();
  for (const plan of plans.values()) byHook.set(plan.hookName, [...(byHook.get(plan.hookName) ?? []), plan]);
  const readings = new TokenReadings(request.features.length, plans.size);
  const hooks: HookRegistration[] = [...byHook].map(([hookName, hookPlans]) => ({ hookName, fn: steeringStepHook(hookPlans, readings) }));

  await emit({
    event: "start",
    data: { promptTokens: model.tokenizer.tokenTexts(promptIds).map((t) => ({ id: t.id, text: t.text })), executionProvider: model.executionProvider, seed: request.seed },
  });

  const tokenOf = (id: number, logprob: number) => ({ id, text: model.tokenizer.tokenText(id), logprob });
  /** Whether each completion has ended (its EOS or last-in-context token was emitted). */
  const ended = [false, false];
  const kl: (number | null)[] = [];
  const klSampled: (number | null)[] = [];
  const featureActs = { default: [] as (number[] | null)[], steered: [] as (number[] | null)[] };
  let firstToken: number | null = null;
  const dVocab = model.manifest.dVocab;
  const maxTokens = request.maxTokens;
  // token events wait for their token's reading (taken one step later, see SaePlan), then go out in
  // order; `read[b]` says whether row b's token will have one (not when the token ended the row)
  type Waiting = Omit<SteerTokenEvent, "featureActs"> & { read: [boolean, boolean] };
  const waiting: Waiting[] = [];
  let generationDone = false;
  const emitReady = async () => {
    while (waiting.length && (generationDone || readings.complete(waiting[0].step))) {
      const { read, ...data } = waiting.shift()!;
      const complete = readings.complete(data.step);
      const acts = {
        default: read[0] && complete ? readings.default[data.step] : null,
        steered: read[1] && complete ? readings.steered[data.step] : null,
      };
      featureActs.default.push(acts.default);
      featureActs.steered.push(acts.steered);
      firstToken ??= performance.now() - started;
      await emit({ event: "token", data: { ...data, featureActs: acts } });
    }
  };

  const sequences = await model.generate([promptIds, promptIds, promptIds], {
    // one step more than asked: its forward pass reads the last token's own position
    maxNewTokens: maxTokens + 1,
    seed: request.seed,
    temperature: request.temperature,
    topP: request.topP,
    hooks,
    follow: [null, null, DEFAULT_ROW],
    onStep: async ({ step, logits, tokens, logNormalizers }) => {
      if (signal?.aborted) throw new InferenceError("unavailable", "The client went away.");
      if (step >= maxTokens) return emitReady(); // the extra step: only its hooks' readings count
      const rows = [0, 1, 2].map((b) => logits.subarray(b * dVocab, (b + 1) * dVocab));
      // one log-normaliser per row (generate's, unless the row has stopped) serves the KL and the logprobs
      const logZ = [0, 1, 2].map((b) => logNormalizers[b]);
      for (const b of [0, 1, 2]) if (Number.isNaN(logZ[b]) && (b === STEERED_ROW ? !ended[b] : !ended[DEFAULT_ROW])) logZ[b] = logNormalizer(rows[b]);
      const running = [!ended[DEFAULT_ROW], !ended[STEERED_ROW]];
      const stepKl = running[DEFAULT_ROW] ? klDivergence(rows[DEFAULT_ROW], rows[STEERED_ON_DEFAULT_ROW], logZ[DEFAULT_ROW], logZ[STEERED_ON_DEFAULT_ROW]) : null;
      const stepKlSampled = running[DEFAULT_ROW] && running[STEERED_ROW] ? klDivergence(rows[DEFAULT_ROW], rows[STEERED_ROW], logZ[DEFAULT_ROW], logZ[STEERED_ROW]) : null;
      kl.push(stepKl);
      klSampled.push(stepKlSampled);
      const read: [boolean, boolean] = [false, false];
      const generated = [DEFAULT_ROW, STEERED_ROW].map((b) => {
        if (ended[b]) return null;
        const id = tokens[b];
        const token = tokenOf(id, rows[b][id] - logZ[b]);
        // the same stop rules as generate: an EOS, or a token with no position left, ends the row
        // and is never read by the model
        if (id === eosTokenId || promptIds.length + step >= nCtx) ended[b] = true;
        else read[b] = true;
        return token;
      });
      waiting.push({ step, default: generated[0], steered: generated[1], kl: stepKl, klSampled: stepKlSampled, read });
      await emitReady();
    },
  });
  for (const plan of plans.values()) await plan.flush(readings);
  generationDone = true;
  await emitReady();

  const completion = (b: number) => {
    const { tokens, logprobs } = sequences[b];
    // the extra step may have sampled one token more: it was never shown
    const truncated = tokens.length > maxTokens;
    return {
      text: model.tokenizer.decode(tokens.slice(0, maxTokens)),
      tokens: tokens.slice(0, maxTokens).map((id, i) => tokenOf(id, logprobs[i])),
      finishReason: truncated ? ("length" as const) : sequences[b].finishReason,
    };
  };
  const done: SteerDoneEvent = {
    default: completion(DEFAULT_ROW),
    steered: completion(STEERED_ROW),
    kl,
    klPrefix: KL_PREFIX,
    meanKl: meanOfDefined(kl).mean,
    klSampled,
    meanKlSampled: meanOfDefined(klSampled).mean,
    featureActsAt: FEATURE_ACTS_AT,
    featureActs,
    timingsMs: { firstToken: firstToken ?? performance.now() - started, total: performance.now() - started },
  };
  await emit({ event: "done", data: done });
  return done;
}
