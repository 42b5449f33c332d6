/**
 * One dashboard computation, resumable: streams the corpus through the model and the SAE (both in
 * ONNX Runtime), runs the two statistics passes with checkpoints, adds logit effects, decoder
 * neighbours and the SAE's quality metrics, and publishes everything in one transaction.
 *
 * A checkpoint (statistics state + the example rows of the batches it covers) is written in one
 * transaction at most every `checkpointMs`; a worker killed at any moment resumes from the last one
 * and, because contexts, order and arithmetic are deterministic, produces exactly what an
 * uninterrupted run would have.
 */
import path from "node:path";
import { db } from "@/lib/db/client";
import {
  claimRun, discardStagedRows, failRun, LeaseLostError, publishRun, releaseRun, reportProgress, saveCheckpoint,
  type FeatureRowValues, type StagedExample,
} from "@/lib/db/dashboards";
import { loadModelPackage, tokenRows, type ModelSession } from "@/lib/model";
import { LOGIT_EFFECTS_CONVENTION } from "@/lib/model/logit-effects-convention";
import { bosExclusionMask, evaluateSae, loadSae, type Sae, type SaeQuality } from "@/lib/sae";
import { describeImportError } from "@/lib/import/errors";
import { saveTypicalHookNorm } from "@/lib/db/steering";
import { measureOnDashboardContexts } from "@/lib/steering/hook-norm";
import { deserializeCheckpoint, serializeFirstPass, serializeSecondPass } from "./checkpoint";
import { buildContexts, contextTokens, seededOrder, type PackedContexts } from "./corpus";
import { computeDecoderNeighbours } from "./neighbours";
import { dashboardLogitEffects, featureLogitValues } from "./logit-refresh";
import { contextsFromEncoding } from "./sparse";
import { DEFAULT_DASHBOARD_SETTINGS, FirstPass, SecondPass, featureStatistics, type ContextActivations, type DashboardSettings } from "./statistics";

/** What a compute run is, stored on the DashboardRun row (its identity, with the SAE). */
export interface DashboardParams {
  /** Absolute path of the corpus file or folder. */
  corpus: string;
  /** Dashboard budget in tokens (BOS included). */
  tokens: number;
  heldoutTokens: number;
  contextSize: number;
  /** Contexts per forward pass. */
  batchSize: number;
  seed: number;
  settings: DashboardSettings;
  /** Set by the first attempt: sha256 of the packed contexts, so a resume checks the corpus is unchanged. */
  contextsHash?: string;
}

export const DEFAULT_TOKENS = 1_000_000;

export function dashboardParams(input: {
  corpus: string;
  tokens?: number;
  heldoutTokens?: number;
  contextSize?: number;
  batchSize?: number;
  seed?: number;
  modelContext: number;
  settings?: Partial<DashboardSettings>;
}): DashboardParams {
  const tokens = input.tokens ?? DEFAULT_TOKENS;
  return {
    corpus: path.resolve(input.corpus),
    tokens,
    heldoutTokens: input.heldoutTokens ?? Math.min(65_536, Math.max(1024, Math.round(tokens / 16))),
    contextSize: Math.min(input.contextSize ?? 128, input.modelContext),
    batchSize: input.batchSize ?? 32,
    seed: input.seed ?? 1,
    settings: { ...DEFAULT_DASHBOARD_SETTINGS, ...input.settings },
  };
}

export interface RunOptions {
  /** Who runs it (worker id); the lease is held under this name. */
  owner: string;
  leaseMs?: number;
  /** Longest time between checkpoints. */
  checkpointMs?: number;
  /** Stop between batches (graceful shutdown): the run is checkpointed and released. */
  signal?: AbortSignal;
  intraOpNumThreads?: number;
  log?: (line: string) => void;
  /** Test hook, called after every batch of either pass (throw to simulate a crash). */
  afterBatch?: (phase: "pass1" | "pass2", batch: number) => void | Promise<void>;
}

export type RunOutcome =
  | { status: "done"; features: number; examples: number; metrics: QualityMetricsSummary | null; resumedFrom: { phase: string; batch: number } | null }
  | { status: "skipped"; reason: string }
  | { status: "interrupted"; phase: string; batch: number }
  | { status: "failed"; code: string; message: string };

/** The SAE's quality metrics as stored in metricsDetails (lib/sae's evaluateSae, without the per-feature array). */
export type QualityMetricsSummary = Omit<SaeQuality, "firingFrequency"> & { contexts: number; formula: string };

interface Loaded {
  model: ModelSession;
  sae: Sae;
  hookName: string;
}

async function encodeContexts(loaded: Loaded, packed: PackedContexts, indices: ArrayLike<number>, bosId: number): Promise<ContextActivations[]> {
  const { model, sae, hookName } = loaded;
  const sequences: number[][] = [];
  for (let i = 0; i < indices.length; i++) sequences.push(Array.from(contextTokens(packed, indices[i])));
  const out = await model.forward(sequences, { capture: [hookName], logits: "none" });
  const acts = out.activations[hookName];
  const total = sequences.reduce((sum, s) => sum + s.length, 0);
  const x = new Float32Array(total * sae.dIn);
  const slices: Array<{ contextIndex: number; tokenIds: Int32Array; start: number; excluded: Uint8Array }> = [];
  let offset = 0;
  for (let row = 0; row < sequences.length; row++) {
    x.set(tokenRows(out, acts, row), offset * sae.dIn);
    const tokenIds = contextTokens(packed, indices[row]);
    // the same rule the quality metrics follow (lib/sae/bos.ts)
    const excluded = bosExclusionMask(tokenIds, bosId);
    slices.push({ contextIndex: indices[row], tokenIds, start: offset, excluded });
    offset += tokenIds.length;
  }
  const encoding = await sae.encode(x);
  return contextsFromEncoding(encoding, slices);
}

/** Runs (or resumes) a compute run to the end. Never throws for run failures: they are recorded. */
export async function runDashboards(runId: number, options: RunOptions): Promise<RunOutcome> {
  const leaseMs = options.leaseMs ?? 90_000;
  const checkpointMs = options.checkpointMs ?? 10_000;
  const log = options.log ?? (() => undefined);
  const run = await claimRun(runId, options.owner, leaseMs);
  if (!run) return { status: "skipped", reason: "the run is done or another worker holds it" };
  const saeRow = await db().sae.findUnique({ where: { id: run.saeId }, include: { model: true } });
  if (!saeRow) return { status: "skipped", reason: "the SAE was deleted" };
  const params = run.params as unknown as DashboardParams;
  const owner = options.owner;
  const progress = (update: Parameters<typeof reportProgress>[3]) => reportProgress(runId, owner, leaseMs, update);

  // the lease is renewed in the background too, so long steps without checkpoints (metrics,
  // publish) never let it lapse while this worker is alive
  const renew = setInterval(() => void reportProgress(runId, owner, leaseMs, {}).catch(() => undefined), Math.max(1000, leaseMs / 3));
  renew.unref();
  let loaded: Loaded | undefined;
  try {
    if (!saeRow.model.packagePath || !saeRow.path) throw new Error(`SAE ${saeRow.name} is browse-only: computing dashboards needs the model's and the SAE's weights`);
    const model = await loadModelPackage(saeRow.model.packagePath, { intraOpNumThreads: options.intraOpNumThreads });
    const sae = await loadSae(saeRow.path, { hookWidth: model.hookWidth(saeRow.hookName), intraOpNumThreads: options.intraOpNumThreads });
    loaded = { model, sae, hookName: saeRow.hookName };
    const { bosTokenId, eosTokenId } = model.manifest;

    await progress({ phase: "tokenize", message: `reading and tokenizing ${params.corpus}` });
    const built = await buildContexts(model.tokenizer, {
      corpusPath: params.corpus, tokens: params.tokens, heldoutTokens: params.heldoutTokens,
      contextSize: params.contextSize, bosTokenId, eosTokenId, seed: params.seed,
    });
    let checkpoint = run.checkpoint;
    if (params.contextsHash !== built.hash) {
      if (params.contextsHash) log(`run ${runId}: the corpus changed since the last attempt; starting over`);
      checkpoint = null;
      await progress({ params: { ...params, contextsHash: built.hash } as unknown as Record<string, unknown> });
    }
    const { dashboard, heldout } = built;
    const order = seededOrder(dashboard.count, params.seed);
    const batches = Math.ceil(dashboard.count / params.batchSize);
    const work = 2 * dashboard.totalTokens + 3 * heldout.totalTokens;
    const batchTokens = (b: number) => {
      let n = 0;
      for (let i = b * params.batchSize; i < Math.min(dashboard.count, (b + 1) * params.batchSize); i++) n += dashboard.offsets[i + 1] - dashboard.offsets[i];
      return n;
    };
    const batchIndices = (b: number) => order.subarray(b * params.batchSize, Math.min(dashboard.count, (b + 1) * params.batchSize));

    let first = new FirstPass(saeRow.dSae, params.settings);
    let second: SecondPass | undefined;
    let phase: "pass1" | "pass2" = "pass1";
    let startBatch = 0;
    let resumedFrom: { phase: string; batch: number } | null = null;
    if (checkpoint) {
      const restored = deserializeCheckpoint(checkpoint);
      phase = restored.phase;
      startBatch = restored.batchesDone;
      if (restored.phase === "pass1") first = restored.first;
      else {
        second = restored.second;
        first = second.first;
      }
      resumedFrom = { phase, batch: startBatch };
      log(`run ${runId}: resuming ${phase} at batch ${startBatch}/${batches}`);
    }
    let tokensDone = 0;
    for (let b = 0; b < (phase === "pass2" ? batches : 0) + startBatch; b++) tokensDone += batchTokens(b % batches);

    // ---- pass 1 -------------------------------------------------------------------------------
    if (phase === "pass1") {
      await discardStagedRows(runId, 0);
      let lastSave = Date.now();
      for (let b = startBatch; b < batches; b++) {
        if (options.signal?.aborted) {
          await saveCheckpoint(runId, owner, leaseMs, { phase: "pass1", batchesDone: b, batchesTotal: batches }, serializeFirstPass(first, b));
          await releaseRun(runId, owner);
          return { status: "interrupted", phase: "pass1", batch: b };
        }
        for (const context of await encodeContexts(loaded, dashboard, batchIndices(b), bosTokenId)) first.add(context);
        tokensDone += batchTokens(b);
        await options.afterBatch?.("pass1", b);
        if (b === batches - 1 || Date.now() - lastSave >= checkpointMs) {
          await saveCheckpoint(runId, owner, leaseMs, {
            phase: "pass1", batchesDone: b + 1, batchesTotal: batches, tokensDone, progress: tokensDone / work,
            message: `pass 1 of 2: batch ${b + 1}/${batches}`,
          }, serializeFirstPass(first, b + 1));
          lastSave = Date.now();
        }
      }
      phase = "pass2";
      startBatch = 0;
      second = new SecondPass(first);
    }

    // ---- pass 2 -------------------------------------------------------------------------------
    if (startBatch < batches) {
      second ??= new SecondPass(first);
      // rows an earlier attempt staged after its last checkpoint
      await discardStagedRows(runId, startBatch);
      let pending: StagedExample[] = [];
      let lastSave = Date.now();
      for (let b = startBatch; b < batches; b++) {
        if (options.signal?.aborted) {
          await saveCheckpoint(runId, owner, leaseMs, { phase: "pass2", batchesDone: b, batchesTotal: batches }, serializeSecondPass(second, b), pending);
          await releaseRun(runId, owner);
          return { status: "interrupted", phase: "pass2", batch: b };
        }
        for (const context of await encodeContexts(loaded, dashboard, batchIndices(b), bosTokenId)) {
          for (const row of second.add(context)) pending.push({ ...row, batch: b });
        }
        tokensDone += batchTokens(b);
        await options.afterBatch?.("pass2", b);
        if (b === batches - 1 || Date.now() - lastSave >= checkpointMs) {
          await saveCheckpoint(runId, owner, leaseMs, {
            phase: "pass2", batchesDone: b + 1, batchesTotal: batches, tokensDone, progress: tokensDone / work,
            message: `pass 2 of 2: batch ${b + 1}/${batches}`,
          }, serializeSecondPass(second, b + 1), pending);
          pending = [];
          lastSave = Date.now();
        }
      }
    }
    second ??= new SecondPass(first);

    // ---- weights: logit effects and neighbours ---------------------------------------------------
    await progress({ phase: "readout", message: "logit effects and decoder neighbours" });
    const effects = await dashboardLogitEffects(model, sae, saeRow.hookName);
    const neighbours = await computeDecoderNeighbours(sae.decoderMatrix(), sae.dSae, { k: 10, intraOpNumThreads: options.intraOpNumThreads });
    // the hook's typical ‖h‖, the unit of steering's "add" in hook-norm units (docs/STEERING.md)
    const hookNorm = await measureOnDashboardContexts(model, saeRow.hookName, dashboard, { seed: params.seed, bosTokenId, batchSize: params.batchSize });
    await saveTypicalHookNorm(saeRow.id, hookNorm.mean);

    // ---- quality metrics on held-out text (lib/sae's evaluateSae: every BOS-id position left out and unspliced) ----
    await progress({ phase: "metrics", message: `quality metrics on ${heldout.totalTokens} held-out tokens` });
    let metrics: QualityMetricsSummary | null = null;
    if (heldout.count > 0) {
      const heldoutContexts: number[][] = [];
      for (let c = 0; c < heldout.count; c++) heldoutContexts.push(Array.from(contextTokens(heldout, c)));
      const quality: Partial<SaeQuality> = {
        ...(await evaluateSae(model, sae, heldoutContexts, { excludeBos: true, batchSize: params.batchSize, hookName: saeRow.hookName })),
      };
      delete quality.firingFrequency; // per feature; the dashboards' own density is on Feature rows
      metrics = {
        ...(quality as Omit<SaeQuality, "firingFrequency">), contexts: heldout.count,
        formula: "EV = 1 - mean_t ||x-x̂||² / (mean_t ||x||² - ||mean_t x||²); CE recovered = (CE_zero - CE_sae) / (CE_zero - CE_clean); every BOS-id position excluded (not counted, not spliced, not zeroed; no CE term predicted from it)",
      };
    }

    // ---- publish ----------------------------------------------------------------------------------
    await progress({ phase: "publish", message: "writing features and examples" });
    const nk = neighbours.k;
    function* featureRows(): Generator<FeatureRowValues> {
      for (let i = 0; i < saeRow!.dSae; i++) {
        const stats = featureStatistics(second!, i);
        yield {
          ...featureLogitValues(effects, i),
          maxActivation: stats.maxActivation,
          density: stats.density,
          dead: stats.dead,
          ultraRare: stats.ultraRare,
          histogramMin: stats.histogramMin,
          histogramMax: stats.histogramMax,
          histogramCounts: stats.histogramCounts,
          intervalShares: stats.intervalShares,
          neighborIndices: neighbours.indices.subarray(i * nk, (i + 1) * nk),
          neighborCosines: neighbours.cosines.subarray(i * nk, (i + 1) * nk),
        };
      }
    }
    let deadOnDashboard = 0;
    for (let i = 0; i < saeRow.dSae; i++) if (first.activeCount[i] === 0) deadOnDashboard += 1;
    const written = await publishRun(runId, saeRow.id, featureRows(), {
      l0: metrics?.l0 ?? null,
      explainedVariance: metrics?.explainedVariance ?? null,
      ceLossRecovered: metrics?.ceLossRecovered ?? null,
      deadFraction: metrics?.deadFraction ?? null,
      denseFraction: metrics?.denseFraction ?? null,
      metricsDetails: {
        heldout: metrics,
        dashboard: {
          contexts: dashboard.count, totalTokens: dashboard.totalTokens, countedTokens: first.tokens,
          deadFeatures: deadOnDashboard, seed: params.seed, settings: params.settings, bosExcluded: true,
        },
        executionProvider: model.executionProvider,
        logitEffects: LOGIT_EFFECTS_CONVENTION,
      },
      dashboardCorpus: params.corpus,
      dashboardTokens: first.tokens,
      dashboardContextSize: params.contextSize,
    });
    log(`run ${runId}: published ${written.features} features and ${written.examples} examples`);
    return { status: "done", ...written, metrics, resumedFrom };
  } catch (error) {
    if (error instanceof LeaseLostError) return { status: "skipped", reason: error.message };
    const described = describeImportError(error);
    log(`run ${runId} failed: ${described.code}: ${described.message}`);
    await failRun(runId, owner, described).catch(() => undefined);
    return { status: "failed", ...described };
  } finally {
    clearInterval(renew);
    await loaded?.sae.dispose().catch(() => undefined);
    await loaded?.model.dispose().catch(() => undefined);
  }
}
