/**
 * Dashboard computation, resumable and shared: every compute run of one model on the same corpus
 * parameters joins one GROUP, which makes one pass over the corpus for all of them (one
 * tokenization, one forward per batch capturing every hook they read, each SAE encoding its own
 * hook). The pass is cut into SHARDS of whole batches of the seeded processing order; any worker
 * on any machine sharing the database takes the next shard (a lease), so a run scales out over as
 * many workers as there are shards (pg-boss delivers the jobs that wake them).
 *
 * Phases: pass 1 shards (density, max, top-k) → merged into each run's checkpoint → pass 2 shards
 * (histograms, interval samples, non-activating samples, top examples' values; read from the
 * shard's local spill file of pass 1 when there is one, see spill.ts) → finalize: merge pass 2,
 * logit effects, decoder neighbours, quality metrics, publish every run (smallest SAE first).
 * Merging is exact (statistics.ts), and publishing keeps sampled rows by order position, so any
 * number of shards and workers stores exactly what one worker going through the corpus stores.
 *
 * A shard's checkpoint (every run's state + the example rows of the batches it covers) is written
 * in one transaction at most every `checkpointMs`; a worker killed at any moment is replaced by
 * another that resumes the shard from its last checkpoint.
 */
import path from "node:path";
import { db } from "@/lib/db/client";
import {
  claimShard, discardStagedBatches, failGroup, failRun, finishShard, formGroup, getRun, insertShards, LeaseLostError, listShards,
  publishRun, rawSql as rawSqlShared, releaseShard, renewGroupRuns, renewShard, reportGroupProgress, resetGroup, runStates, saveShardState,
  setGroupContextsHash, shardResults, stagedSampleCounts, storeRunStates, withGroupLock,
  type FeatureRowValues, type ShardRow, type StagedExample,
} from "@/lib/db/dashboards";
import { loadModelPackage, type ModelSession } from "@/lib/model";
import { LOGIT_EFFECTS_CONVENTION } from "@/lib/model/logit-effects-convention";
import { evaluateSae, loadSae, type SaeQuality } from "@/lib/sae";
import { describeImportError } from "@/lib/import/errors";
import { labelSaeWithBuiltin } from "@/lib/labels/autointerp/builtin-run";
import { deserializeCheckpoint, deserializeGroupState, serializeFirstPass, serializeGroupState, serializeSecondPass, StaleCheckpointError } from "./checkpoint";
import { buildContexts, contextTokens, seededOrder, type BuiltContexts } from "./corpus";
import { encodeBatch, excludedPositions, type GroupSae } from "./encode";
import { computeDecoderNeighbours } from "./neighbours";
import { dashboardLogitEffects, featureLogitValues } from "./logit-refresh";
import { saveTypicalHookNorm } from "@/lib/db/steering";
import { measureOnDashboardContexts } from "@/lib/steering/hook-norm";
import { removeSpill, SpillReader, spillPath, SpillWriter } from "./spill";
import { DEFAULT_DASHBOARD_SETTINGS, FirstPass, SecondPass, featureStatistics, type DashboardSettings } from "./statistics";

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
  /** Set when the group forms: sha256 of the packed contexts, so every worker checks it reads the same corpus. */
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

/** What runs must share to be computed in one pass: everything that decides the contexts and their order. */
export function corpusKey(params: Record<string, unknown>): string {
  const p = params as unknown as DashboardParams;
  return JSON.stringify([p.corpus, p.tokens, p.heldoutTokens, p.contextSize, p.batchSize, p.seed]);
}

/** Default shards per pass: enough for a few workers, few enough that one worker loses nothing. */
export const DEFAULT_SHARDS = 4;

/** Contiguous batch ranges, as even as possible. */
export function shardRanges(batches: number, shards: number): Array<[number, number]> {
  const count = Math.max(1, Math.min(batches, Math.floor(shards)));
  return Array.from({ length: count }, (_, s) => [Math.floor((s * batches) / count), Math.floor(((s + 1) * batches) / count)] as [number, number]);
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
  /** Shards per pass when this call forms the group (default FEATURESCOPE_DASHBOARD_SHARDS or 4). */
  shards?: number;
  /**
   * Called when shards other workers could take appear (a new group, or the second pass opening):
   * the job handler enqueues that many more jobs so idle workers join.
   */
  onNewWork?: (shards: number) => void | Promise<void>;
}

export type RunOutcome =
  | { status: "done"; features: number; examples: number; metrics: QualityMetricsSummary | null; resumedFrom: { phase: string; batch: number } | null }
  | { status: "skipped"; reason: string }
  | { status: "interrupted"; phase: string; batch: number }
  | { status: "failed"; code: string; message: string };

/** The SAE's quality metrics as stored in metricsDetails (lib/sae's evaluateSae, without the per-feature array). */
export type QualityMetricsSummary = Omit<SaeQuality, "firingFrequency"> & { contexts: number; formula: string };


interface Group {
  groupKey: string;
  runIds: number[];
  model: ModelSession;
  /** The group's SAEs, smallest first (publishing order). */
  members: GroupSae[];
  saes: Map<number, { saeId: number; name: string; dSae: number; hookName: string; params: DashboardParams }>;
  built: BuiltContexts;
  order: Int32Array;
  params: DashboardParams;
}

class Stopped extends Error {
  constructor(readonly phase: string, readonly batch: number) {
    super("stopped");
  }
}

function settingsOf(params: DashboardParams): DashboardSettings {
  return { ...DEFAULT_DASHBOARD_SETTINGS, ...params.settings };
}

function restorePass(bytes: Uint8Array): FirstPass | SecondPass {
  const restored = deserializeCheckpoint(bytes);
  return restored.phase === "pass1" ? restored.first : restored.second;
}

/**
 * Runs (or joins, or resumes) the group of run `runId` until no shard is left for this worker.
 * Never throws for run failures: they are recorded on the runs.
 */
export async function runDashboards(runId: number, options: RunOptions): Promise<RunOutcome> {
  const leaseMs = options.leaseMs ?? 90_000;
  const checkpointMs = options.checkpointMs ?? 10_000;
  const log = options.log ?? (() => undefined);
  const owner = options.owner;
  const run = await getRun(runId);
  if (!run) return { status: "skipped", reason: `run ${runId} does not exist` };
  if (run.status === "done") return { status: "skipped", reason: "the run is done" };
  const saeRow = await db().sae.findUnique({ where: { id: run.saeId }, include: { model: true } });
  if (!saeRow) return { status: "skipped", reason: "the SAE was deleted" };
  const params = run.params as unknown as DashboardParams;

  let group: Group | undefined;
  let current: ShardRow | null = null;
  const renew = setInterval(() => {
    if (!group) return;
    void renewGroupRuns(group.groupKey, owner, leaseMs).catch(() => undefined);
    if (current) void renewShard(current.id, owner, leaseMs).catch(() => undefined);
  }, Math.max(1000, leaseMs / 3));
  renew.unref();
  let resumedFrom: { phase: string; batch: number } | null = null;
  const published = new Map<number, { features: number; examples: number; metrics: QualityMetricsSummary | null }>();
  try {
    if (!saeRow.model.packagePath || !saeRow.path) throw new Error(`SAE ${saeRow.name} is browse-only: computing dashboards needs the model's and the SAE's weights`);
    const model = await loadModelPackage(saeRow.model.packagePath, { intraOpNumThreads: options.intraOpNumThreads });
    const { bosTokenId, eosTokenId } = model.manifest;
    const built = await buildContexts(model.tokenizer, {
      corpusPath: params.corpus, tokens: params.tokens, heldoutTokens: params.heldoutTokens,
      contextSize: params.contextSize, bosTokenId, eosTokenId, seed: params.seed,
    });
    const batches = Math.ceil(built.dashboard.count / params.batchSize);
    const shards = options.shards ?? (Number(process.env.FEATURESCOPE_DASHBOARD_SHARDS) || DEFAULT_SHARDS);
    let formed = await formGroup(runId, corpusKey, shardRanges(batches, shards));
    if (!formed) {
      await model.dispose();
      return { status: "skipped", reason: "the run is done" };
    }
    if (formed.formed) {
      await setGroupContextsHash(formed.groupKey, built.hash);
      log(`run ${runId}: one corpus pass for runs ${formed.runIds.join(", ")} (group ${formed.groupKey.slice(0, 8)}, ${Math.min(shards, batches)} shards)`);
      await options.onNewWork?.(Math.min(shards, batches) - 1);
    } else {
      const stored = (await getRun(runId))?.params as unknown as DashboardParams | undefined;
      if (stored?.contextsHash && stored.contextsHash !== built.hash) {
        log(`run ${runId}: the corpus changed since the group started; starting over`);
        await resetGroup(formed.groupKey);
        formed = await formGroup(runId, corpusKey, shardRanges(batches, shards));
        if (!formed) return { status: "skipped", reason: "the run is done" };
        await setGroupContextsHash(formed.groupKey, built.hash);
      }
    }

    // every SAE of the group, loaded once for all its shards
    const runs = await db().dashboardRun.findMany({ where: { id: { in: formed.runIds } }, include: { sae: true } });
    const saes = new Map(runs.map((r) => [r.id, { saeId: r.saeId, name: r.sae.name, dSae: r.sae.dSae, hookName: r.sae.hookName, params: r.params as unknown as DashboardParams }]));
    const members: GroupSae[] = [];
    for (const r of [...runs].sort((a, b) => a.sae.dSae - b.sae.dSae || a.id - b.id)) {
      if (!r.sae.path) throw new Error(`SAE ${r.sae.name} is browse-only: computing dashboards needs its weights`);
      const sae = await loadSae(r.sae.path, { hookWidth: model.hookWidth(r.sae.hookName), intraOpNumThreads: options.intraOpNumThreads });
      members.push({ runId: r.id, sae, hookName: r.sae.hookName });
    }
    group = { groupKey: formed.groupKey, runIds: formed.runIds, model, members, saes, built, order: seededOrder(built.dashboard.count, params.seed), params };

    for (;;) {
      current = await claimShard(group.groupKey, owner, leaseMs);
      if (!current) break;
      if (current.phase === "finalize") {
        await finalize(group, current, options, published);
        await finishShard(current.id, owner);
      } else {
        if (current.batchesDone > 0 && !resumedFrom) resumedFrom = { phase: current.phase, batch: current.batchFrom + current.batchesDone };
        try {
          await processShard(group, current, options, checkpointMs);
        } catch (error) {
          if (error instanceof Stopped) {
            await releaseShard(current.id, owner);
            await reportGroupProgress(group.groupKey, owner, leaseMs, { phase: error.phase, message: "stopped; waiting for a worker", status: "queued" });
            return { status: "interrupted", phase: error.phase, batch: error.batch };
          }
          throw error;
        }
        const opened = await advance(group);
        if (opened > 1) await options.onNewWork?.(opened - 1);
      }
      current = null;
    }
    const mine = published.get(runId);
    if (mine) return { status: "done", ...mine, resumedFrom };
    const after = await getRun(runId);
    return after?.status === "done"
      ? { status: "skipped", reason: "published by another worker of its group" }
      : { status: "skipped", reason: "other workers hold the group's remaining shards" };
  } catch (error) {
    if (error instanceof LeaseLostError) return { status: "skipped", reason: error.message };
    const described = describeImportError(error);
    log(`run ${runId} failed: ${described.code}: ${described.message}`);
    if (group) {
      await failGroup(group.groupKey, described).catch(() => undefined);
      if (current) await releaseShard(current.id, owner).catch(() => undefined);
    } else {
      await failRun(runId, null, described).catch(() => undefined);
    }
    return { status: "failed", ...described };
  } finally {
    clearInterval(renew);
    for (const member of group?.members ?? []) await member.sae.dispose().catch(() => undefined);
    await group?.model.dispose().catch(() => undefined);
  }
}

/** Tokens of the batch's contexts at counted positions, added to `counts` (the corpus's unigram frequencies). */
function countTokens(counts: Float64Array, contexts: Array<{ tokenIds: Int32Array; excluded: Uint8Array }>): void {
  for (const { tokenIds, excluded } of contexts) {
    for (let t = 0; t < tokenIds.length; t++) if (!excluded[t] && tokenIds[t] < counts.length) counts[tokenIds[t]] += 1;
  }
}

/** One shard of pass 1 or 2 for every run of the group, from its checkpoint to its end. */
async function processShard(group: Group, shard: ShardRow, options: RunOptions, checkpointMs: number): Promise<void> {
  const { owner } = options;
  const leaseMs = options.leaseMs ?? 90_000;
  const log = options.log ?? (() => undefined);
  const phase = shard.phase as "pass1" | "pass2";
  const { built, members, params, model } = group;
  const { dashboard } = built;
  const batchSize = params.batchSize;
  const batches = Math.ceil(dashboard.count / batchSize);
  const bosId = model.manifest.bosTokenId;

  // state: the checkpoint, or a fresh start (pass 2 starts from each run's merged first pass)
  let passes: Map<number, FirstPass | SecondPass>;
  let tokenCounts: Float64Array = new Float64Array(model.manifest.dVocab);
  let done = shard.batchesDone;
  let tokensDone = shard.tokensDone;
  let restored: ReturnType<typeof deserializeGroupState> | null = null;
  try {
    restored = shard.checkpoint ? deserializeGroupState(shard.checkpoint) : null;
  } catch (error) {
    if (!(error instanceof StaleCheckpointError)) throw error; // an older version's state: the shard starts over
  }
  if (restored) {
    passes = new Map([...restored.runs].map(([runId, bytes]) => [runId, restorePass(bytes)]));
    if (restored.tokenCounts) tokenCounts = restored.tokenCounts;
  } else {
    done = 0;
    tokensDone = 0;
    if (phase === "pass1") {
      passes = new Map(members.map((m) => [m.runId, new FirstPass(m.sae.dSae, settingsOf(group.saes.get(m.runId)!.params))]));
    } else {
      const states = await runStates(group.runIds);
      passes = new Map(members.map((m) => {
        const first = restorePass(states.get(m.runId)!);
        return [m.runId, new SecondPass(first instanceof FirstPass ? first : first.first)];
      }));
      // samples the earlier shards already staged are not needed again (with one worker: none is wasted)
      for (const row of await stagedSampleCounts(group.runIds, shard.batchFrom)) {
        const pass = passes.get(row.runId);
        if (pass instanceof SecondPass) pass.countEarlier(row.featureIndex, row.kind, row.intervalIndex, row.count);
      }
      for (const pass of passes.values()) if (pass instanceof SecondPass) pass.refreshPendingRandom();
    }
  }
  const from = shard.batchFrom + done;
  if (phase === "pass2") await discardStagedBatches(group.runIds, from, shard.batchTo);

  const spillFile = spillPath(group.groupKey, shard.shard);
  const dSaes = members.map((m) => m.sae.dSae);
  const writer = phase === "pass1" && done === 0 && spillFile ? new SpillWriter(spillFile, dSaes) : null;
  const reader = phase === "pass2" && done === 0 ? SpillReader.open(spillFile, dSaes) : null;
  if (reader) log(`group ${group.groupKey.slice(0, 8)} shard ${shard.shard}: pass 2 reads pass 1's activations from ${spillFile}`);
  const state = () => serializeGroupState(
    new Map([...passes].map(([runId, pass]) => [runId, pass instanceof SecondPass ? serializeSecondPass(pass) : serializeFirstPass(pass)])),
    phase === "pass1" ? tokenCounts : undefined,
  );

  let pending: Array<StagedExample & { runId: number }> = [];
  let lastSave = Date.now();
  try {
    for (let b = from; b < shard.batchTo; b++) {
      if (options.signal?.aborted) {
        await saveShardState(shard, owner, leaseMs, { batchesDone: b - shard.batchFrom, tokensDone }, state(), pending, false);
        throw new Stopped(phase, b);
      }
      const indices = group.order.subarray(b * batchSize, Math.min(dashboard.count, (b + 1) * batchSize));
      const perSae = reader
        ? reader.read(indices.length, (c) => {
            const tokenIds = contextTokens(dashboard, indices[c]);
            return { contextIndex: indices[c], tokenIds, excluded: excludedPositions(tokenIds, bosId), order: b * batchSize + c };
          })
        : await encodeBatch(model, members, dashboard, indices, b * batchSize, bosId);
      writer?.write(perSae);
      members.forEach((member, m) => {
        const pass = passes.get(member.runId)!;
        if (pass instanceof SecondPass) {
          for (const context of perSae[m]) for (const row of pass.add(context)) pending.push({ ...row, batch: b, runId: member.runId });
        } else {
          for (const context of perSae[m]) pass.add(context);
        }
      });
      if (phase === "pass1") countTokens(tokenCounts, perSae[0] ?? []);
      for (let i = 0; i < indices.length; i++) tokensDone += dashboard.offsets[indices[i] + 1] - dashboard.offsets[indices[i]];
      await options.afterBatch?.(phase, b);
      const last = b === shard.batchTo - 1;
      if (last || Date.now() - lastSave >= checkpointMs) {
        if (last) writer?.finish();
        await saveShardState(shard, owner, leaseMs, { batchesDone: b + 1 - shard.batchFrom, tokensDone }, state(), pending, last);
        pending = [];
        lastSave = Date.now();
        await reportGroupProgress(group.groupKey, owner, leaseMs, {
          phase, message: `pass ${phase === "pass1" ? 1 : 2} of 2: batch ${b + 1 - shard.batchFrom}/${shard.batchTo - shard.batchFrom} of shard ${shard.shard + 1}/${shard.shardCount} (${batches} batches)`,
        });
      }
    }
    if (shard.batchTo === shard.batchFrom) await saveShardState(shard, owner, leaseMs, { batchesDone: 0, tokensDone }, state(), [], true);
  } catch (error) {
    writer?.abandon();
    throw error;
  } finally {
    reader?.close();
  }
  if (phase === "pass2") removeSpill(spillFile);
}

/**
 * After a shard: when every shard of pass 1 is done, merges them into each run's checkpoint and
 * opens pass 2; when every shard of pass 2 is done, opens the finalize step. Returns how many
 * shards it opened (0 when the phase is still running elsewhere or already moved on).
 */
async function advance(group: Group): Promise<number> {
  return withGroupLock(group.groupKey, async (tx) => {
    const shards = await listShards(tx, group.groupKey);
    const of = (phase: string) => shards.filter((s) => s.phase === phase);
    const pass1 = of("pass1");
    if (of("pass2").length === 0) {
      if (!pass1.every((s) => s.status === "done")) return 0;
      const merged = new Map<number, FirstPass>();
      for (const bytes of await shardResults(tx, group.groupKey, "pass1")) {
        for (const [runId, state] of deserializeGroupState(bytes).runs) {
          const first = restorePass(state) as FirstPass;
          const into = merged.get(runId);
          if (into) into.merge(first);
          else merged.set(runId, first);
        }
      }
      await storeRunStates(tx, new Map([...merged].map(([runId, first]) => [runId, serializeFirstPass(first)])));
      const ranges = pass1.sort((a, b) => a.shard - b.shard).map((s) => [s.batchFrom, s.batchTo] as [number, number]);
      await insertShards(tx, group.groupKey, group.runIds, "pass2", ranges);
      return ranges.length;
    }
    if (of("finalize").length === 0 && of("pass2").every((s) => s.status === "done")) {
      await insertShards(tx, group.groupKey, group.runIds, "finalize", [[0, 0]]);
      return 1;
    }
    return 0;
  });
}

/** Merges pass 2 and publishes every unfinished run of the group: readout, metrics, rows. */
async function finalize(
  group: Group,
  shard: ShardRow,
  options: RunOptions,
  published: Map<number, { features: number; examples: number; metrics: QualityMetricsSummary | null }>,
): Promise<void> {
  const { owner } = options;
  const leaseMs = options.leaseMs ?? 90_000;
  const log = options.log ?? (() => undefined);
  const { model, built, params } = group;
  const firsts = await runStates(group.runIds);
  const seconds = new Map<number, SecondPass>();
  for (const [runId, bytes] of firsts) {
    const first = restorePass(bytes);
    seconds.set(runId, new SecondPass(first instanceof FirstPass ? first : first.first));
  }
  let tokenCounts: Float64Array | undefined;
  for (const bytes of await shardResults(rawSqlShared(), group.groupKey, "pass1")) {
    const counts = deserializeGroupState(bytes).tokenCounts;
    if (!counts) continue;
    if (!tokenCounts) tokenCounts = counts;
    else for (let i = 0; i < counts.length; i++) tokenCounts[i] += counts[i];
  }
  for (const bytes of await shardResults(rawSqlShared(), group.groupKey, "pass2")) {
    for (const [runId, state] of deserializeGroupState(bytes).runs) seconds.get(runId)?.merge(restorePass(state) as SecondPass);
  }
  const heldoutContexts: number[][] = [];
  for (let c = 0; c < built.heldout.count; c++) heldoutContexts.push(Array.from(contextTokens(built.heldout, c)));

  for (const member of group.members) {
    const run = await getRun(member.runId);
    if (!run || run.status === "done") continue;
    const info = group.saes.get(member.runId)!;
    const second = seconds.get(member.runId);
    if (!second) throw new Error(`run ${member.runId} has no first-pass state to publish from`);
    const settings = settingsOf(info.params);
    await reportGroupProgress(group.groupKey, owner, leaseMs, { phase: "readout", message: `${info.name}: logit effects and decoder neighbours` });
    const effects = await dashboardLogitEffects(model, member.sae, member.hookName);
    const neighbours = await computeDecoderNeighbours(member.sae.decoderMatrix(), member.sae.dSae, { k: 10, intraOpNumThreads: options.intraOpNumThreads });
    // the hook's typical ‖h‖, the unit of steering's "add" in hook-norm units (docs/STEERING.md)
    const hookNorm = await measureOnDashboardContexts(model, member.hookName, built.dashboard, { seed: params.seed, bosTokenId: model.manifest.bosTokenId, batchSize: params.batchSize });
    await saveTypicalHookNorm(info.saeId, hookNorm.mean);

    await reportGroupProgress(group.groupKey, owner, leaseMs, { phase: "metrics", message: `${info.name}: quality metrics on ${built.heldout.totalTokens} held-out tokens` });
    let metrics: QualityMetricsSummary | null = null;
    if (heldoutContexts.length > 0) {
      const quality: Partial<SaeQuality> = {
        ...(await evaluateSae(model, member.sae, heldoutContexts, { excludeBos: true, batchSize: params.batchSize, hookName: member.hookName })),
      };
      delete quality.firingFrequency; // per feature; the dashboards' own density is on Feature rows
      metrics = {
        ...(quality as Omit<SaeQuality, "firingFrequency">), contexts: heldoutContexts.length,
        formula: "EV = 1 - mean_t ||x-x̂||² / (mean_t ||x||² - ||mean_t x||²); CE recovered = (CE_zero - CE_sae) / (CE_zero - CE_clean); every BOS-id position excluded (not counted, not spliced, not zeroed; no CE term predicted from it)",
      };
    }

    await reportGroupProgress(group.groupKey, owner, leaseMs, { phase: "publish", message: `${info.name}: writing features and examples` });
    const first = second.first;
    const nk = neighbours.k;
    const dSae = member.sae.dSae;
    function* featureRows(): Generator<FeatureRowValues> {
      for (let i = 0; i < dSae; i++) {
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
    for (let i = 0; i < dSae; i++) if (first.activeCount[i] === 0) deadOnDashboard += 1;
    const written = await publishRun(member.runId, info.saeId, featureRows(), {
      l0: metrics?.l0 ?? null,
      explainedVariance: metrics?.explainedVariance ?? null,
      ceLossRecovered: metrics?.ceLossRecovered ?? null,
      deadFraction: metrics?.deadFraction ?? null,
      denseFraction: metrics?.denseFraction ?? null,
      metricsDetails: {
        heldout: metrics,
        dashboard: {
          contexts: built.dashboard.count, totalTokens: built.dashboard.totalTokens, countedTokens: first.tokens,
          deadFeatures: deadOnDashboard, seed: params.seed, settings, bosExcluded: true,
          sharedPass: { runs: group.runIds, shards: (await listShards(rawSqlShared(), group.groupKey)).filter((s) => s.phase === "pass1").length },
        },
        executionProvider: model.executionProvider,
        logitEffects: LOGIT_EFFECTS_CONVENTION,
      },
      dashboardCorpus: params.corpus,
      dashboardTokens: first.tokens,
      dashboardContextSize: params.contextSize,
      tokenCounts: tokenCounts ? { counts: tokenCounts, tokens: first.tokens } : undefined,
    }, { interval: settings.examplesPerInterval, random: settings.nonActivatingExamples });
    published.set(member.runId, { ...written, metrics });
    log(`run ${member.runId} (${info.name}): published ${written.features} features and ${written.examples} examples`);
  }

  // every feature gets a machine draft at once, offline (FEATURESCOPE_BUILTIN_LABELS=off skips it);
  // the SAEs are browsable already, so a failure here is logged, not a failed run
  if (process.env.FEATURESCOPE_BUILTIN_LABELS?.trim() === "off") return;
  for (const member of group.members) {
    if (!published.has(member.runId)) continue;
    const info = group.saes.get(member.runId)!;
    try {
      const { drafted, summary } = await labelSaeWithBuiltin(info.saeId, { log });
      log(`run ${member.runId} (${info.name}): ${drafted} machine drafts from the built-in explainer in ${summary.seconds.toFixed(1)} s`);
    } catch (error) {
      log(`run ${member.runId} (${info.name}): built-in labels failed: ${(error as Error).message}`);
    }
  }
}

