// Runs a model package (docs/MODEL_PACKAGE.md) in ONNX Runtime: batched forward with padding and
// hook read-out/edits between graphs, and KV-cached generation with seeded sampling.
import path from "node:path";
import * as ort from "onnxruntime-node";
import { readFile } from "node:fs/promises";
import { readSafetensors, type SafetensorsFile } from "@/lib/safetensors/safetensors";
import { createSession, executionProviderPlan, type ExecutionProviderName } from "./execution-provider";
import { normalizeHooks, type ForwardPhase, type HookFn, type HookSpec, type HookTensor } from "./hooks";
import { fusePiece } from "./fused-pieces";
import { composePieces, decodePiece, GraphComposeError, type DecodedPiece } from "./graph-compose";
import { ModelPackageError, READOUT_FILE, readManifest, type ModelManifest } from "./manifest";
import { gpt2Layout, MODEL_INPUTS, type PackageLayout } from "./package-layout";
import { planSegments, type Segment } from "./run-plan";
import { SeededRandom, logNormalizer, sampleToken, type SamplingOptions } from "./sampling";
import { BpeTokenizer, TokenizerError } from "./tokenizer/bpe";

export interface LoadModelOptions {
  executionProviders?: ExecutionProviderName[];
  intraOpNumThreads?: number;
  /**
   * "fused" (default): attention and MLP-in as ONNX Runtime's fused kernels, built from the pieces'
   * weights; "pieces": the package's own graphs. Both are composed into one graph per segment.
   * Default from FEATURESCOPE_GRAPH.
   */
  graph?: "fused" | "pieces";
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

/** The KV cache: one tensor per layout.cache entry. */
type KvCache = ort.Tensor[];

/** A composed graph for one run segment (pieces start..end), shared by every plan that uses it. */
interface SegmentSession {
  session: ort.InferenceSession;
  running: number;
  lastUsed: number;
}

/** Composed segment sessions kept per model beyond the full graph; the least recently used idle one goes first. */
const MAX_SEGMENT_SESSIONS = 12;

export class ModelSession {
  readonly manifest: ModelManifest;
  readonly tokenizer: BpeTokenizer;
  readonly dir: string;
  readonly executionProvider: ExecutionProviderName;
  /** The pieces' wiring: which global tensor (hook, KV cache, logits) each piece reads and writes. */
  readonly layout: PackageLayout;
  private readonly segments = new Map<string, Promise<SegmentSession>>();
  private readonly intraOpNumThreads?: number;
  private readout?: SafetensorsFile;
  private useCounter = 0;

  private constructor(dir: string, manifest: ModelManifest, tokenizer: BpeTokenizer, layout: PackageLayout, provider: ExecutionProviderName, intraOpNumThreads?: number) {
    this.dir = dir;
    this.manifest = manifest;
    this.tokenizer = tokenizer;
    this.layout = layout;
    this.executionProvider = provider;
    this.intraOpNumThreads = intraOpNumThreads;
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
    if (tokenizer.vocabSize > manifest.dVocab) {
      throw new ModelPackageError("MODEL_TOKENIZER_INVALID", `${dir}: tokenizer has ${tokenizer.vocabSize} tokens but dVocab is ${manifest.dVocab}`);
    }
    // every piece is checked (decodes, inputs and outputs as the package table says); attention and
    // MLP-in run as fused kernels when their weights are recognised (FEATURESCOPE_GRAPH=pieces runs
    // the package's own graphs); the whole model is composed and loaded once: the graph every plain
    // forward and generation step runs
    const wantFused = (options.graph ?? process.env.FEATURESCOPE_GRAPH ?? "fused") !== "pieces";
    let layout = gpt2Layout(manifest, { fused: wantFused });
    const allPieces = { start: 0, end: layout.pieces.length - 1 };
    let pieces = await readPieces(dir, layout, allPieces, manifest);
    if (!pieces) {
      layout = gpt2Layout(manifest, { fused: false });
      pieces = (await readPieces(dir, layout, allPieces, manifest))!;
    }
    const full = planSegments(layout.pieces, [], [layout.logits, ...layout.cache.map((c) => c.present)])[0];
    const composed = composePieces("model", pieces, full.produced);
    let created;
    try {
      created = await createSession(composed.bytes, {
        executionProviders: options.executionProviders ?? executionProviderPlan().order,
        intraOpNumThreads: options.intraOpNumThreads,
      });
    } catch (error) {
      throw new ModelPackageError("MODEL_GRAPH_INVALID", `${dir}: ONNX Runtime cannot load the composed model graph (${(error as Error).message})`, { cause: error });
    }
    const model = new ModelSession(dir, manifest, tokenizer, layout, created.executionProvider, options.intraOpNumThreads);
    model.segments.set(segmentKey(full), Promise.resolve({ session: created.session, running: 0, lastUsed: 0 }));
    return model;
  }

  /** The session for a segment, composed and created on first use. */
  private async segmentSession(segment: Segment): Promise<SegmentSession> {
    const key = segmentKey(segment);
    let entry = this.segments.get(key);
    if (!entry) {
      entry = (async () => {
        const pieces = await readPieces(this.dir, this.layout, segment, this.manifest);
        if (!pieces) throw new ModelPackageError("MODEL_GRAPH_INVALID", `${this.dir}: pieces changed on disk since the model was loaded`);
        const composed = composePieces(`segment ${segmentKey(segment)}`, pieces, segment.produced);
        const { session } = await createSession(composed.bytes, { executionProviders: [this.executionProvider], intraOpNumThreads: this.intraOpNumThreads });
        return { session, running: 0, lastUsed: 0 };
      })();
      this.segments.set(key, entry);
      entry.catch(() => this.segments.delete(key));
      await this.evictIdleSegments(key);
    }
    const segmentSession = await entry;
    segmentSession.lastUsed = ++this.useCounter;
    return segmentSession;
  }

  private async evictIdleSegments(keep: string): Promise<void> {
    if (this.segments.size <= MAX_SEGMENT_SESSIONS + 1) return;
    const full = segmentKey({ start: 0, end: this.layout.pieces.length - 1 });
    let oldest: { key: string; s: SegmentSession } | undefined;
    for (const [key, promise] of this.segments) {
      if (key === keep || key === full) continue;
      const s = await promise.catch(() => undefined);
      if (s && s.running === 0 && (!oldest || s.lastUsed < oldest.s.lastUsed)) oldest = { key, s };
    }
    if (oldest) {
      this.segments.delete(oldest.key);
      await oldest.s.session.release();
    }
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

  private emptyCache(batch: number): KvCache {
    return this.layout.cache.map((c) => {
      const dims = c.dims(batch, 0);
      return new ort.Tensor("float32", new Float32Array(0), dims);
    });
  }

  /**
   * One step for `seqLen` new positions per row: as few session runs as the hooks allow (one when
   * no hook function is given; cut after each tensor a hook function edits), stopping after the
   * last piece whose output is wanted. Records captures; returns logits [batch, seqLen, dVocab]
   * and the new cache when asked.
   */
  private async step(args: {
    ids: BigInt64Array;
    positions: Int32Array;
    attentionMask: Float32Array;
    batch: number;
    seqLen: number;
    cache: KvCache;
    hooks: Map<string, HookFn[]>;
    capture: Set<string>;
    captured: Record<string, Float32Array>;
    phase: ForwardPhase;
    stepIndex: number;
    wantLogits: boolean;
    wantCache: boolean;
  }): Promise<{ logits?: Float32Array; cache: KvCache }> {
    const { batch, seqLen, hooks, capture, captured } = args;
    const { layout } = this;
    const pastLength = args.cache[0]?.dims[layout.cache[0].lengthAxis] ?? 0;
    const totalLength = pastLength + seqLen;
    const tokenMask = args.attentionMask.length === batch * seqLen
      ? args.attentionMask
      : (() => {
          const mask = new Float32Array(batch * seqLen);
          for (let b = 0; b < batch; b++) mask.set(args.attentionMask.subarray(b * totalLength + pastLength, (b + 1) * totalLength), b * seqLen);
          return mask;
        })();
    const padding = tokenMask.includes(0);
    const zeroPadding = (data: Float32Array, width: number) => {
      for (let i = 0; i < tokenMask.length; i++) if (tokenMask[i] === 0) data.fill(0, i * width, (i + 1) * width);
    };

    const cuts = new Set([...hooks.keys()].map((h) => layout.hookTensor[h]));
    const wanted = [...capture].map((h) => layout.hookTensor[h]);
    if (args.wantLogits) wanted.push(layout.logits);
    if (args.wantCache) for (const c of layout.cache) wanted.push(c.present);
    const segments = planSegments(layout.pieces, cuts, wanted);

    const values = new Map<string, ort.Tensor>();
    values.set(MODEL_INPUTS.ids, new ort.Tensor("int64", args.ids, [batch, seqLen]));
    values.set(MODEL_INPUTS.positions, new ort.Tensor("int64", BigInt64Array.from(args.positions, (p) => BigInt(p)), [batch, seqLen]));
    values.set(MODEL_INPUTS.mask, new ort.Tensor("float32", args.attentionMask, [batch, totalLength]));
    layout.cache.forEach((c, i) => values.set(c.past, args.cache[i]));

    /** Hook functions and captures at one fetched tensor, in hook order (aliases in turn). */
    const atTensor = async (tensorName: string, tensor: ort.Tensor): Promise<void> => {
      const names = layout.tensorHooks[tensorName];
      if (!names) return;
      let data = tensor.data as Float32Array;
      const width = tensor.dims[2];
      // padding positions are finite garbage inside the graphs (masked with −1e9); hook functions
      // and captures see zeros there, as they always have
      if (padding) zeroPadding(data, width);
      let edited = false;
      for (const hookName of names) {
        for (const fn of hooks.get(hookName) ?? []) {
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
          edited = true;
        }
        if (capture.has(hookName)) captured[hookName] = appendPositions(captured[hookName], data, batch, seqLen);
      }
      if (edited) {
        // a hook may have written NaN at padding; the next graph must not see it (0·NaN in attention)
        if (padding) zeroPadding(data, width);
        values.set(tensorName, data === tensor.data ? tensor : new ort.Tensor("float32", data, tensor.dims));
      }
    };

    for (const segment of segments) {
      const entry = await this.segmentSession(segment);
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of segment.inputs) feeds[name] = values.get(name)!;
      entry.running += 1;
      let out: ort.InferenceSession.ReturnType;
      try {
        out = await entry.session.run(feeds, segment.fetch);
      } finally {
        entry.running -= 1;
      }
      for (const name of segment.fetch) values.set(name, out[name] as ort.Tensor);
      for (const name of segment.fetch) await atTensor(name, values.get(name)!);
    }
    const cache = args.wantCache
      ? layout.cache.map((c) => values.get(c.present)!)
      : [];
    if (!args.wantLogits) return { cache };
    const logits = values.get(layout.logits)!;
    if (logits.dims[2] !== this.manifest.dVocab) throw new ModelPackageError("MODEL_GRAPH_INVALID", `logits width ${logits.dims[2]} ≠ dVocab ${this.manifest.dVocab}`);
    return { logits: logits.data as Float32Array, cache };
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
      phase: "prompt", stepIndex: 0, wantLogits: mode !== "none", wantCache: false,
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
        wantCache: step < options.maxNewTokens - 1,
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
    const entries = [...this.segments.values()];
    this.segments.clear();
    for (const entry of entries) {
      const segment = await entry.catch(() => undefined);
      if (segment) await segment.session.release();
    }
  }
}

/** Loads a model package folder. */
export function loadModelPackage(dir: string, options: LoadModelOptions = {}): Promise<ModelSession> {
  return ModelSession.load(dir, options);
}

function segmentKey(segment: Pick<Segment, "start" | "end">): string {
  return `${segment.start}-${segment.end}`;
}

/**
 * Reads pieces start..end of the package, checks each against the package table, and returns them
 * as the layout runs them (fused when the layout is); undefined when a piece cannot be fused.
 */
async function readPieces(dir: string, layout: PackageLayout, range: { start: number; end: number }, manifest: ModelManifest): Promise<DecodedPiece[] | undefined> {
  const pieces: DecodedPiece[] = [];
  for (let i = range.start; i <= range.end; i++) {
    let piece: DecodedPiece;
    try {
      piece = decodePiece(layout.files[i], await readFile(path.join(dir, layout.files[i].file)));
    } catch (error) {
      if (error instanceof GraphComposeError) throw new ModelPackageError("MODEL_GRAPH_INVALID", `${dir}/${error.message}`, { cause: error });
      throw error;
    }
    if (!layout.fused) {
      pieces.push(piece);
      continue;
    }
    const fused = fusePiece(piece, layout.pieces[i], manifest);
    if (!fused) return undefined;
    pieces.push(fused);
  }
  return pieces;
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
