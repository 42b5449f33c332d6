// Runs a model package (docs/MODEL_PACKAGE.md) in ONNX Runtime: batched forward with padding and
// hook read-out/edits between graphs, and KV-cached generation with seeded sampling.
import path from "node:path";
import * as ort from "onnxruntime-node";
import { readSafetensors, type SafetensorsFile } from "@/lib/safetensors/safetensors";
import { createSession, executionProviderPlan, type ExecutionProviderName } from "./execution-provider";
import { normalizeHooks, type ForwardPhase, type HookFn, type HookSpec, type HookTensor } from "./hooks";
import { ModelPackageError, READOUT_FILE, readManifest, type ModelManifest } from "./manifest";
import { SeededRandom, logNormalizer, sampleToken, type SamplingOptions } from "./sampling";
import { BpeTokenizer, TokenizerError } from "./tokenizer/bpe";

export interface LoadModelOptions {
  executionProviders?: ExecutionProviderName[];
  intraOpNumThreads?: number;
}

export interface ForwardOptions {
  hooks?: HookSpec;
  /** Hook names whose activations (after any edits) are returned. */
  capture?: string[];
  /** Which logits to return: every position (default), the last real token of each row, or none. */
  logits?: "all" | "last" | "none";
}

/**
 * A batch's outputs. Rows are LEFT-padded to seqLen, so row b's real tokens are the last
 * lengths[b] positions and its values are contiguous: see tokenRows().
 */
export interface ForwardResult {
  batch: number;
  seqLen: number;
  lengths: number[];
  /** [batch, seqLen, dVocab] for "all", [batch, dVocab] for "last". */
  logits?: Float32Array;
  /** hook name → [batch, seqLen, width]. */
  activations: Record<string, Float32Array>;
}

/** The slice of a [batch, seqLen, width] array holding row b's real tokens, [lengths[b], width]. */
export function tokenRows(result: Pick<ForwardResult, "seqLen" | "lengths">, values: Float32Array, row: number): Float32Array {
  const width = values.length / (result.lengths.length * result.seqLen);
  const start = (row * result.seqLen + (result.seqLen - result.lengths[row])) * width;
  return values.subarray(start, (row + 1) * result.seqLen * width);
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Same seed, prompts and settings ⇒ same tokens. Each row uses its own stream seeded with it. */
  seed?: number;
  /** Stop a row when it samples the EOS token (default true). */
  stopAtEos?: boolean;
  stopTokenIds?: number[];
  /**
   * Teacher forcing: follow[b] = a (a < b) makes row b take the token row a chose at every step
   * instead of sampling its own, e.g. to read a steered model's next-token distributions on the
   * default completion's text. Rows must share the prompt length; row b's logprobs are those of
   * row a's tokens under row b's own logits.
   */
  follow?: readonly (number | null | undefined)[];
  hooks?: HookSpec;
  /**
   * Called after each step with the last-position logits [batch, dVocab], the chosen tokens and,
   * per row still generating, its logits' log-normaliser (log p(i) = logits[i] − it; NaN for rows
   * that have stopped).
   */
  onStep?: (step: { step: number; logits: Float32Array; tokens: number[]; logNormalizers: Float64Array }) => void | Promise<void>;
}

export interface GeneratedSequence {
  prompt: number[];
  tokens: number[];
  /** log p(token) under the model (temperature 1, no top-p), per generated token. */
  logprobs: number[];
  finishReason: "eos" | "stop_token" | "length" | "context";
}

interface LayerCache {
  key: ort.Tensor;
  value: ort.Tensor;
}

interface GraphSessions {
  embed: ort.InferenceSession;
  attn: ort.InferenceSession[];
  mlpIn: ort.InferenceSession[];
  mlpOut: ort.InferenceSession[];
  unembed: ort.InferenceSession;
}

const GRAPH_IO: Record<string, { inputs: string[]; outputs: string[] }> = {
  embed: { inputs: ["input_ids", "position_ids"], outputs: ["resid"] },
  attn: { inputs: ["resid_pre", "attention_mask", "past_key", "past_value"], outputs: ["resid_mid", "present_key", "present_value"] },
  mlp_in: { inputs: ["resid_mid"], outputs: ["mlp_post"] },
  mlp_out: { inputs: ["resid_mid", "mlp_post"], outputs: ["resid_post"] },
  unembed: { inputs: ["resid"], outputs: ["logits"] },
};

export class ModelSession {
  readonly manifest: ModelManifest;
  readonly tokenizer: BpeTokenizer;
  readonly dir: string;
  readonly executionProvider: ExecutionProviderName;
  private readonly sessions: GraphSessions;
  private readout?: SafetensorsFile;

  private constructor(dir: string, manifest: ModelManifest, tokenizer: BpeTokenizer, sessions: GraphSessions, provider: ExecutionProviderName) {
    this.dir = dir;
    this.manifest = manifest;
    this.tokenizer = tokenizer;
    this.sessions = sessions;
    this.executionProvider = provider;
  }

  static async load(dir: string, options: LoadModelOptions = {}): Promise<ModelSession> {
    const manifest = await readManifest(dir);
    let tokenizer: BpeTokenizer;
    try {
      tokenizer = await BpeTokenizer.load(path.join(dir, manifest.tokenizer.dir));
    } catch (error) {
      if (error instanceof TokenizerError) throw new ModelPackageError("MODEL_TOKENIZER_INVALID", error.message, { cause: error });
      throw error;
    }
    let provider: ExecutionProviderName | undefined;
    const open = async (file: string, kind: keyof typeof GRAPH_IO): Promise<ort.InferenceSession> => {
      const order = provider ? [provider] : options.executionProviders ?? executionProviderPlan().order;
      let created;
      try {
        created = await createSession(path.join(dir, file), { executionProviders: order, intraOpNumThreads: options.intraOpNumThreads });
      } catch (error) {
        throw new ModelPackageError("MODEL_GRAPH_INVALID", `${dir}/${file}: ONNX Runtime cannot load it (${(error as Error).message})`, { cause: error });
      }
      provider ??= created.executionProvider;
      const { inputs, outputs } = GRAPH_IO[kind];
      const missingIn = inputs.filter((name) => !created.session.inputNames.includes(name));
      const missingOut = outputs.filter((name) => !created.session.outputNames.includes(name));
      if (missingIn.length || missingOut.length) {
        throw new ModelPackageError(
          "MODEL_GRAPH_INVALID",
          `${dir}/${file}: expected inputs [${inputs}] and outputs [${outputs}], has inputs [${created.session.inputNames}] and outputs [${created.session.outputNames}]`,
        );
      }
      return created.session;
    };
    const embed = await open("embed.onnx", "embed");
    const attn: ort.InferenceSession[] = [];
    const mlpIn: ort.InferenceSession[] = [];
    const mlpOut: ort.InferenceSession[] = [];
    for (let layer = 0; layer < manifest.nLayers; layer++) {
      attn.push(await open(`blocks.${layer}.attn.onnx`, "attn"));
      mlpIn.push(await open(`blocks.${layer}.mlp_in.onnx`, "mlp_in"));
      mlpOut.push(await open(`blocks.${layer}.mlp_out.onnx`, "mlp_out"));
    }
    const unembed = await open("unembed.onnx", "unembed");
    if (tokenizer.vocabSize > manifest.dVocab) {
      throw new ModelPackageError("MODEL_TOKENIZER_INVALID", `${dir}: tokenizer has ${tokenizer.vocabSize} tokens but dVocab is ${manifest.dVocab}`);
    }
    return new ModelSession(dir, manifest, tokenizer, { embed, attn, mlpIn, mlpOut, unembed }, provider!);
  }

  /** Hook name → width for every hook this package serves. */
  get hooks(): Readonly<Record<string, number>> {
    return this.manifest.hooks;
  }

  hookWidth(hookName: string): number {
    const width = this.manifest.hooks[hookName];
    if (width === undefined) {
      throw new ModelPackageError("MODEL_HOOK_UNKNOWN", `hook "${hookName}" is not served by ${this.manifest.name} (${Object.keys(this.manifest.hooks).join(", ")})`);
    }
    return width;
  }

  /** Text → ids, with BOS first when the package says so. */
  encode(text: string, options: { prependBos?: boolean } = {}): number[] {
    return this.tokenizer.encode(text, { prependBos: options.prependBos ?? this.manifest.prependBos });
  }

  /** readout.safetensors (W_U, blocks.L.W_out) for logit effects; read on first use. */
  async readoutWeights(): Promise<SafetensorsFile> {
    if (!this.readout) {
      try {
        this.readout = await readSafetensors(path.join(this.dir, READOUT_FILE));
      } catch (error) {
        throw new ModelPackageError("MODEL_FILE_MISSING", `${this.dir}/${READOUT_FILE}: ${(error as Error).message}`, { cause: error });
      }
    }
    return this.readout;
  }

  private checkTokens(sequences: readonly (readonly number[])[]): void {
    if (sequences.length === 0) throw new ModelPackageError("MODEL_INPUT_INVALID", "no sequences given");
    for (const [row, tokens] of sequences.entries()) {
      if (tokens.length === 0) throw new ModelPackageError("MODEL_INPUT_INVALID", `sequence ${row} is empty`);
      if (tokens.length > this.manifest.nCtx) {
        throw new ModelPackageError("MODEL_INPUT_INVALID", `sequence ${row} has ${tokens.length} tokens; the context is ${this.manifest.nCtx}`);
      }
      for (const id of tokens) {
        if (!Number.isInteger(id) || id < 0 || id >= this.manifest.dVocab) {
          throw new ModelPackageError("MODEL_INPUT_INVALID", `sequence ${row} has token id ${id}, outside [0, ${this.manifest.dVocab})`);
        }
      }
    }
  }

  private checkHookNames(names: Iterable<string>): void {
    for (const name of names) this.hookWidth(name);
  }

  private emptyCache(batch: number): LayerCache[] {
    const { nHeads, dHead, nLayers } = this.manifest;
    return Array.from({ length: nLayers }, () => ({
      key: new ort.Tensor("float32", new Float32Array(0), [batch, nHeads, 0, dHead]),
      value: new ort.Tensor("float32", new Float32Array(0), [batch, nHeads, 0, dHead]),
    }));
  }

  /**
   * One pass through every graph for `seqLen` new positions per row. Applies hooks at each hook
   * between graphs, records captures, and returns logits [batch, seqLen, dVocab] and the new cache.
   */
  private async step(args: {
    ids: BigInt64Array;
    positions: Int32Array;
    attentionMask: Float32Array;
    batch: number;
    seqLen: number;
    cache: LayerCache[];
    hooks: Map<string, HookFn[]>;
    capture: Set<string>;
    captured: Record<string, Float32Array>;
    phase: ForwardPhase;
    stepIndex: number;
    wantLogits: boolean;
  }): Promise<{ logits?: Float32Array; cache: LayerCache[] }> {
    const { batch, seqLen, hooks, capture, captured } = args;
    const { dModel, nLayers } = this.manifest;
    const pastLength = args.cache[0]?.key.dims[2] ?? 0;
    const totalLength = pastLength + seqLen;
    const tokenMask = args.attentionMask.length === batch * seqLen
      ? args.attentionMask
      : (() => {
          const mask = new Float32Array(batch * seqLen);
          for (let b = 0; b < batch; b++) mask.set(args.attentionMask.subarray(b * totalLength + pastLength, (b + 1) * totalLength), b * seqLen);
          return mask;
        })();

    const padding = tokenMask.includes(0);
    const atHook = async (hookName: string, tensor: ort.Tensor): Promise<ort.Tensor> => {
      const fns = hooks.get(hookName);
      let data = tensor.data as Float32Array;
      if (padding) {
        // A padding query attends to nothing; graphs that mask with −∞ give it NaN, and NaN values
        // at padded keys would poison real tokens through 0·NaN in the next layer. Zero them.
        const width = tensor.dims[2];
        for (let i = 0; i < tokenMask.length; i++) if (tokenMask[i] === 0) data.fill(0, i * width, (i + 1) * width);
      }
      if (fns) {
        const width = tensor.dims[2];
        for (const fn of fns) {
          const view: HookTensor = {
            hookName, data, batch, seqLen, width, tokenMask, positions: args.positions, pastLength,
            phase: args.phase, step: args.stepIndex,
          };
          const replacement = await fn(view);
          if (replacement) {
            if (replacement.length !== data.length) {
              throw new ModelPackageError("MODEL_INPUT_INVALID", `hook at ${hookName} returned ${replacement.length} values, expected ${data.length}`);
            }
            data = replacement;
          } else if (view.data !== data) {
            data = view.data;
          }
        }
      }
      if (capture.has(hookName)) captured[hookName] = appendPositions(captured[hookName], data, batch, seqLen);
      return fns && data !== tensor.data ? new ort.Tensor("float32", data, tensor.dims) : tensor;
    };

    const positions64 = BigInt64Array.from(args.positions, (p) => BigInt(p));
    const embedded = await this.sessions.embed.run({
      input_ids: new ort.Tensor("int64", args.ids, [batch, seqLen]),
      position_ids: new ort.Tensor("int64", positions64, [batch, seqLen]),
    });
    let resid = await atHook("blocks.0.hook_resid_pre", embedded.resid);
    const mask = new ort.Tensor("float32", args.attentionMask, [batch, totalLength]);
    const cache: LayerCache[] = [];
    for (let layer = 0; layer < nLayers; layer++) {
      if (layer > 0) resid = await atHook(`blocks.${layer}.hook_resid_pre`, resid);
      const attn = await this.sessions.attn[layer].run({
        resid_pre: resid, attention_mask: mask, past_key: args.cache[layer].key, past_value: args.cache[layer].value,
      });
      cache.push({ key: attn.present_key, value: attn.present_value });
      const residMid = await atHook(`blocks.${layer}.hook_resid_mid`, attn.resid_mid);
      const mlpIn = await this.sessions.mlpIn[layer].run({ resid_mid: residMid });
      const mlpPost = await atHook(`blocks.${layer}.mlp.hook_post`, mlpIn.mlp_post);
      const mlpOut = await this.sessions.mlpOut[layer].run({ resid_mid: residMid, mlp_post: mlpPost });
      resid = await atHook(`blocks.${layer}.hook_resid_post`, mlpOut.resid_post);
    }
    if (resid.dims[2] !== dModel) throw new ModelPackageError("MODEL_GRAPH_INVALID", `residual width ${resid.dims[2]} ≠ dModel ${dModel}`);
    if (!args.wantLogits) return { cache };
    const unembedded = await this.sessions.unembed.run({ resid });
    return { logits: unembedded.logits.data as Float32Array, cache };
  }

  /** Batched forward pass over token sequences (left-padded internally), with hooks and captures. */
  async forward(sequences: readonly (readonly number[])[], options: ForwardOptions = {}): Promise<ForwardResult> {
    this.checkTokens(sequences);
    const hooks = normalizeHooks(options.hooks);
    this.checkHookNames(hooks.keys());
    const capture = new Set(options.capture ?? []);
    this.checkHookNames(capture);
    const batch = sequences.length;
    const lengths = sequences.map((s) => s.length);
    const seqLen = Math.max(...lengths);
    const { ids, positions, attentionMask } = leftPad(sequences, seqLen, this.manifest.eosTokenId);
    const captured: Record<string, Float32Array> = {};
    const mode = options.logits ?? "all";
    const { logits } = await this.step({
      ids, positions, attentionMask, batch, seqLen, cache: this.emptyCache(batch), hooks, capture, captured,
      phase: "prompt", stepIndex: 0, wantLogits: mode !== "none",
    });
    const result: ForwardResult = { batch, seqLen, lengths, activations: captured };
    if (logits && mode === "all") result.logits = logits;
    if (logits && mode === "last") result.logits = lastPosition(logits, batch, seqLen, this.manifest.dVocab);
    return result;
  }

  /** KV-cached sampling from one or several prompts (each row sampled with its own seeded stream). */
  async generate(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<GeneratedSequence[]> {
    this.checkTokens(prompts);
    const hooks = normalizeHooks(options.hooks);
    this.checkHookNames(hooks.keys());
    const { nCtx, dVocab, eosTokenId } = this.manifest;
    const batch = prompts.length;
    const lengths = prompts.map((p) => p.length);
    const seqLen = Math.max(...lengths);
    const padded = leftPad(prompts, seqLen, eosTokenId);
    const seed = options.seed ?? 0;
    const randoms = prompts.map(() => new SeededRandom(seed));
    const stopIds = new Set(options.stopTokenIds ?? []);
    const stopAtEos = options.stopAtEos ?? true;
    const follow = prompts.map((prompt, b) => {
      const source = options.follow?.[b];
      if (source === null || source === undefined) return null;
      if (!Number.isInteger(source) || source < 0 || source >= b || prompts[source].length !== prompt.length) {
        throw new ModelPackageError("MODEL_INPUT_INVALID", `row ${b} cannot follow row ${source}: it must be an earlier row with a prompt of the same length`);
      }
      return source;
    });
    const results: GeneratedSequence[] = prompts.map((prompt) => ({ prompt: [...prompt], tokens: [], logprobs: [], finishReason: "length" }));
    const done = new Array<boolean>(batch).fill(false);
    const nextPosition = [...lengths];
    let attentionMask = padded.attentionMask;
    let totalLength = seqLen;
    let cache = this.emptyCache(batch);
    let ids = padded.ids;
    let positions = padded.positions;
    let stepLen = seqLen;

    for (let step = 0; step < options.maxNewTokens; step++) {
      const { logits, cache: nextCache } = await this.step({
        ids, positions, attentionMask, batch, seqLen: stepLen, cache, hooks, capture: new Set(), captured: {},
        phase: step === 0 ? "prompt" : "generate", stepIndex: step, wantLogits: true,
      });
      cache = nextCache;
      const last = lastPosition(logits!, batch, stepLen, dVocab);
      const chosen: number[] = [];
      const logNormalizers = new Float64Array(batch).fill(NaN);
      for (let b = 0; b < batch; b++) {
        const row = last.subarray(b * dVocab, (b + 1) * dVocab);
        const source = follow[b];
        const token = source === null ? sampleToken(row, options, randoms[b]) : chosen[source];
        chosen.push(token);
        if (done[b]) continue;
        results[b].tokens.push(token);
        logNormalizers[b] = logNormalizer(row);
        results[b].logprobs.push(row[token] - logNormalizers[b]);
        if (stopAtEos && token === eosTokenId) {
          done[b] = true;
          results[b].finishReason = "eos";
        } else if (stopIds.has(token)) {
          done[b] = true;
          results[b].finishReason = "stop_token";
        } else if (nextPosition[b] >= nCtx) {
          // the sampled token would sit at position nCtx: there is no position embedding for it
          done[b] = true;
          results[b].finishReason = "context";
        }
      }
      if (options.onStep) await options.onStep({ step, logits: last, tokens: chosen, logNormalizers });
      if (done.every(Boolean) || step === options.maxNewTokens - 1) break;
      // feed the chosen tokens as one new position per row
      ids = BigInt64Array.from(chosen, (t) => BigInt(t));
      positions = Int32Array.from(nextPosition.map((p) => Math.min(p, nCtx - 1)));
      for (let b = 0; b < batch; b++) nextPosition[b] += 1;
      const grown = new Float32Array(batch * (totalLength + 1));
      for (let b = 0; b < batch; b++) {
        grown.set(attentionMask.subarray(b * totalLength, (b + 1) * totalLength), b * (totalLength + 1));
        grown[b * (totalLength + 1) + totalLength] = 1;
      }
      attentionMask = grown;
      totalLength += 1;
      stepLen = 1;
    }
    return results;
  }

  /** Tokenize, generate from one prompt, and detokenize. */
  async generateText(prompt: string, options: GenerateOptions): Promise<GeneratedSequence & { text: string }> {
    const [sequence] = await this.generate([this.encode(prompt)], options);
    return { ...sequence, text: this.tokenizer.decode(sequence.tokens) };
  }

  async dispose(): Promise<void> {
    const all = [this.sessions.embed, ...this.sessions.attn, ...this.sessions.mlpIn, ...this.sessions.mlpOut, this.sessions.unembed];
    for (const session of all) await session.release();
  }
}

/** Loads a model package folder. */
export function loadModelPackage(dir: string, options: LoadModelOptions = {}): Promise<ModelSession> {
  return ModelSession.load(dir, options);
}

function leftPad(sequences: readonly (readonly number[])[], seqLen: number, padId: number) {
  const batch = sequences.length;
  const ids = new BigInt64Array(batch * seqLen).fill(BigInt(padId));
  const positions = new Int32Array(batch * seqLen);
  const attentionMask = new Float32Array(batch * seqLen);
  sequences.forEach((tokens, b) => {
    const pad = seqLen - tokens.length;
    tokens.forEach((id, t) => {
      ids[b * seqLen + pad + t] = BigInt(id);
      positions[b * seqLen + pad + t] = t;
      attentionMask[b * seqLen + pad + t] = 1;
    });
  });
  return { ids, positions, attentionMask };
}

function lastPosition(logits: Float32Array, batch: number, seqLen: number, dVocab: number): Float32Array {
  if (seqLen === 1) return logits;
  const out = new Float32Array(batch * dVocab);
  for (let b = 0; b < batch; b++) out.set(logits.subarray(((b + 1) * seqLen - 1) * dVocab, (b + 1) * seqLen * dVocab), b * dVocab);
  return out;
}

function appendPositions(previous: Float32Array | undefined, data: Float32Array, batch: number, seqLen: number): Float32Array {
  if (!previous) return data.slice();
  const width = data.length / (batch * seqLen);
  const oldLen = previous.length / (batch * width);
  const out = new Float32Array(batch * (oldLen + seqLen) * width);
  for (let b = 0; b < batch; b++) {
    out.set(previous.subarray(b * oldLen * width, (b + 1) * oldLen * width), b * (oldLen + seqLen) * width);
    out.set(data.subarray(b * seqLen * width, (b + 1) * seqLen * width), (b * (oldLen + seqLen) + oldLen) * width);
  }
  return out;
}
