/**
 * The inference service's core, independent of HTTP: keeps model sessions and SAEs loaded (by
 * database id), and answers activation requests — text through the model and its SAEs.
 */
import { loadModelPackage, ModelPackageError, tokenRows, type ModelSession } from "../model";
import { loadSae, SaeError, type Sae } from "../sae";
import type { ExecutionProviderName } from "../model/execution-provider";
import { ActivationsRequestSchema, type ActivationsRequest, type ActivationsResponse, type ServiceSteerRequest, type SteerDoneEvent, type SteerEvent } from "./protocol";
import { runSteering } from "./steering";

/** Where the engine finds model packages and SAE folders (the database, or a test's stand-in). */
export interface InferenceCatalog {
  model(id: number): Promise<{ id: number; packagePath: string } | null>;
  sae(id: number): Promise<{ id: number; modelId: number; hookName: string; path: string } | null>;
}

/**
 * A registered model or SAE whose files cannot be loaded (browse-only imports, moved folders): the
 * caller asked for something this service cannot run, said without the server's paths, which go to the log.
 */
function unrunnable(what: string, error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  if (error instanceof ModelPackageError || error instanceof SaeError) {
    console.error(`[inference] ${what} cannot be loaded:`, (error as Error).message);
    return new InferenceError("bad_request", `${what} cannot run on this server: its files could not be loaded (${String(code)}).`);
  }
  return error as Error;
}

export class InferenceError extends Error {
  constructor(
    readonly code: "not_found" | "validation_failed" | "bad_request" | "unavailable",
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "InferenceError";
  }
}

export interface EngineOptions {
  executionProviders?: ExecutionProviderName[];
  intraOpNumThreads?: number;
}

export class InferenceEngine {
  private readonly models = new Map<number, Promise<ModelSession>>();
  private readonly saes = new Map<number, Promise<{ sae: Sae; modelId: number; hookName: string }>>();
  /** The provider the first loaded session runs on (all sessions share the plan). */
  executionProvider: ExecutionProviderName | "not loaded yet" = "not loaded yet";

  constructor(private readonly catalog: InferenceCatalog, private readonly options: EngineOptions = {}) {}

  get loaded() {
    return { models: [...this.models.keys()], saes: [...this.saes.keys()] };
  }

  async model(id: number): Promise<ModelSession> {
    let pending = this.models.get(id);
    if (!pending) {
      pending = (async () => {
        const row = await this.catalog.model(id);
        if (!row) throw new InferenceError("not_found", `Model ${id} does not exist.`);
        const session = await loadModelPackage(row.packagePath, this.options).catch((error: unknown) => {
          throw unrunnable(`Model ${id}`, error);
        });
        this.executionProvider = session.executionProvider;
        return session;
      })();
      this.models.set(id, pending);
      pending.catch(() => this.models.delete(id));
    }
    return pending;
  }

  async sae(id: number): Promise<{ sae: Sae; modelId: number; hookName: string }> {
    let pending = this.saes.get(id);
    if (!pending) {
      pending = (async () => {
        const row = await this.catalog.sae(id);
        if (!row) throw new InferenceError("not_found", `SAE ${id} does not exist.`);
        const model = await this.model(row.modelId);
        const sae = await loadSae(row.path, { hookWidth: model.hookWidth(row.hookName), ...this.options }).catch((error: unknown) => {
          throw unrunnable(`SAE ${id}`, error);
        });
        return { sae, modelId: row.modelId, hookName: row.hookName };
      })();
      this.saes.set(id, pending);
      pending.catch(() => this.saes.delete(id));
    }
    return pending;
  }

  async activations(input: ActivationsRequest): Promise<ActivationsResponse> {
    const parsed = ActivationsRequestSchema.safeParse(input);
    if (!parsed.success) throw new InferenceError("validation_failed", "Invalid activations request.", parsed.error.issues);
    const request = parsed.data;
    const started = performance.now();
    const model = await this.model(request.modelId);
    const saes = await Promise.all(request.saes.map((s) => this.sae(s.saeId)));
    saes.forEach((entry, i) => {
      if (entry.modelId !== request.modelId) {
        throw new InferenceError("bad_request", `SAE ${request.saes[i].saeId} belongs to model ${entry.modelId}, not ${request.modelId}.`);
      }
      for (const index of request.saes[i].features) {
        if (index >= entry.sae.dSae) throw new InferenceError("bad_request", `Feature ${index} does not exist: SAE ${request.saes[i].saeId} has ${entry.sae.dSae}.`);
      }
    });

    const ids = model.encode(request.text);
    const nCtx = model.manifest.nCtx;
    if (ids.length > nCtx) {
      throw new InferenceError("bad_request", `The text is ${ids.length} tokens long; ${model.manifest.name} reads at most ${nCtx} tokens at once. Shorten it.`);
    }
    const hasBos = model.manifest.prependBos;
    const forwardStart = performance.now();
    const hookNames = [...new Set(saes.map((s) => s.hookName))];
    const result = await model.forward([ids], { capture: hookNames, logits: "none" });
    const forwardMs = performance.now() - forwardStart;

    const encodeStart = performance.now();
    const saeResults = [];
    for (let s = 0; s < saes.length; s++) {
      const { sae, hookName } = saes[s];
      const x = tokenRows(result, result.activations[hookName], 0);
      const encoding = await sae.encode(x);
      const T = encoding.n;
      const perToken = [];
      const best = new Map<number, { maxValue: number; position: number; activeTokens: number }>();
      for (let t = 0; t < T; t++) {
        const indices: number[] = [];
        const values: number[] = [];
        for (let j = 0; j < encoding.sparseWidth; j++) {
          const value = encoding.topValues[t * encoding.sparseWidth + j];
          if (!(value > 0)) break;
          const index = encoding.topIndices[t * encoding.sparseWidth + j];
          if (indices.length < request.topK) {
            indices.push(index);
            values.push(value);
          }
          if (hasBos && t === 0) continue;
          const entry = best.get(index);
          if (!entry) best.set(index, { maxValue: value, position: t, activeTokens: 1 });
          else {
            entry.activeTokens += 1;
            if (value > entry.maxValue) Object.assign(entry, { maxValue: value, position: t });
          }
        }
        perToken.push({ indices, values });
      }
      const top = [...best.entries()]
        .map(([index, entry]) => ({ index, ...entry }))
        .sort((a, b) => b.maxValue - a.maxValue || a.index - b.index)
        .slice(0, request.topK);
      const features = request.saes[s].features.map((index) => ({
        index,
        values: Array.from({ length: T }, (_, t) => encoding.featureActs[t * encoding.dSae + index]),
      }));
      saeResults.push({ saeId: request.saes[s].saeId, hookName, perToken, top, features });
    }
    const encodeMs = performance.now() - encodeStart;

    const tokens = model.tokenizer.tokenTexts(ids).map((display, position) => ({
      id: display.id,
      text: display.text,
      partial: display.partial,
      bos: hasBos && position === 0,
    }));
    return {
      modelId: request.modelId,
      executionProvider: model.executionProvider,
      tokens,
      saes: saeResults,
      timingsMs: { total: performance.now() - started, forward: forwardMs, encode: encodeMs },
    };
  }

  /** A steering run (lib/inference/steering.ts), emitting its events as they happen. */
  async steer(request: ServiceSteerRequest, emit: (event: SteerEvent) => void | Promise<void>, signal?: AbortSignal): Promise<SteerDoneEvent> {
    if (!request || typeof request.modelId !== "number" || !Array.isArray(request.features)) {
      throw new InferenceError("validation_failed", "Invalid steering request: modelId and features are required.");
    }
    const model = await this.model(request.modelId);
    const loaded = new Map<number, { sae: Sae; hookName: string }>();
    for (const saeId of new Set(request.features.map((f) => f.saeId))) {
      const entry = await this.sae(saeId);
      if (entry.modelId !== request.modelId) throw new InferenceError("bad_request", `SAE ${saeId} belongs to model ${entry.modelId}, not ${request.modelId}.`);
      loaded.set(saeId, entry);
    }
    return runSteering(model, loaded, request, emit, signal);
  }

  async dispose(): Promise<void> {
    for (const pending of this.saes.values()) await (await pending.catch(() => undefined))?.sae.dispose();
    for (const pending of this.models.values()) await (await pending.catch(() => undefined))?.dispose();
    this.saes.clear();
    this.models.clear();
  }
}
