/**
 * Serialises the two statistics passes to bytes (a safetensors container) so a run can resume from
 * its last finished batch with exactly the state an uninterrupted run would have had.
 */
import { encodeSafetensors, parseSafetensors, type SafetensorsDtype, type SafetensorsFile } from "@/lib/safetensors/safetensors";
import { DEFAULT_DASHBOARD_SETTINGS, FirstPass, SecondPass, type DashboardSettings } from "./statistics";

type Typed = Float64Array | Float32Array | Int32Array;

function entry(array: Typed): { dtype: SafetensorsDtype; shape: number[]; data: Uint8Array } {
  const dtype: SafetensorsDtype = array instanceof Float64Array ? "F64" : array instanceof Float32Array ? "F32" : "I32";
  return { dtype, shape: [array.length], data: new Uint8Array(array.buffer, array.byteOffset, array.byteLength) };
}

function restore(file: SafetensorsFile, name: string, into: Typed): void {
  const raw = file.raw(name);
  if (raw.byteLength !== into.byteLength) {
    throw new Error(`checkpoint tensor ${name} has ${raw.byteLength} bytes, expected ${into.byteLength}`);
  }
  // copy through a byte view: the source offset need not be aligned for the typed array
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(raw);
}

/** 2: pass 2 also samples non-activating contexts (randomFilled) and ranks samples by order position. */
const VERSION = 2;

interface CheckpointMeta {
  version: typeof VERSION;
  phase: "pass1" | "pass2";
  dSae: number;
  settings: DashboardSettings;
  /** Batches of this phase finished when the state was taken. */
  batchesDone: number;
  first: { tokens: number; contexts: number };
  second?: { tokens: number; contexts: number };
}

const FIRST_ARRAYS = ["activeCount", "activationSum", "max", "minNonZero", "topValue", "topContext", "topPosition", "topSize"] as const;
const SECOND_ARRAYS = ["histogram", "intervalCount", "intervalFilled", "randomFilled"] as const;

export function serializeFirstPass(first: FirstPass, batchesDone = 0): Uint8Array {
  const meta: CheckpointMeta = {
    version: VERSION, phase: "pass1", dSae: first.dSae, settings: first.settings, batchesDone,
    first: { tokens: first.tokens, contexts: first.contexts },
  };
  const tensors = Object.fromEntries(FIRST_ARRAYS.map((name) => [`first.${name}`, entry(first[name])]));
  return encodeSafetensors(tensors, { checkpoint: JSON.stringify(meta) });
}

export function serializeSecondPass(second: SecondPass, batchesDone = 0): Uint8Array {
  const { first } = second;
  const meta: CheckpointMeta = {
    version: VERSION, phase: "pass2", dSae: first.dSae, settings: first.settings, batchesDone,
    first: { tokens: first.tokens, contexts: first.contexts },
    second: { tokens: second.tokens, contexts: second.contexts },
  };
  const tensors = Object.fromEntries([
    ...FIRST_ARRAYS.map((name) => [`first.${name}`, entry(first[name])]),
    ...SECOND_ARRAYS.map((name) => [`second.${name}`, entry(second[name])]),
  ]);
  return encodeSafetensors(tensors, { checkpoint: JSON.stringify(meta) });
}

export type RestoredCheckpoint =
  | { phase: "pass1"; batchesDone: number; first: FirstPass }
  | { phase: "pass2"; batchesDone: number; second: SecondPass };

/** A checkpoint written by an older version of this module: the run starts over. */
export class StaleCheckpointError extends Error {
  constructor(version: unknown) {
    super(`dashboard checkpoint version ${String(version)} is not ${VERSION}`);
    this.name = "StaleCheckpointError";
  }
}

export function deserializeCheckpoint(bytes: Uint8Array): RestoredCheckpoint {
  const file = parseSafetensors(bytes, "dashboard checkpoint");
  const meta = JSON.parse(file.metadata.checkpoint ?? "null") as CheckpointMeta | null;
  if (!meta) throw new Error("dashboard checkpoint has no readable metadata");
  if (meta.version !== VERSION) throw new StaleCheckpointError(meta.version);
  const first = new FirstPass(meta.dSae, { ...DEFAULT_DASHBOARD_SETTINGS, ...meta.settings });
  for (const name of FIRST_ARRAYS) restore(file, `first.${name}`, first[name]);
  first.tokens = meta.first.tokens;
  first.contexts = meta.first.contexts;
  if (meta.phase === "pass1") return { phase: "pass1", batchesDone: meta.batchesDone, first };
  const second = new SecondPass(first);
  for (const name of SECOND_ARRAYS) restore(file, `second.${name}`, second[name]);
  second.tokens = meta.second!.tokens;
  second.contexts = meta.second!.contexts;
  second.refreshPendingRandom();
  return { phase: "pass2", batchesDone: meta.batchesDone, second };
}

/**
 * A group shard's state: every run's pass state (the bytes above) under `run.<id>`, plus the token
 * counts of the contexts seen so far (the corpus is the same for every run, so they are counted once).
 */
export function serializeGroupState(runs: Map<number, Uint8Array>, tokenCounts?: Float64Array): Uint8Array {
  const tensors: Record<string, { dtype: SafetensorsDtype; shape: number[]; data: Uint8Array }> = {};
  for (const [runId, state] of runs) tensors[`run.${runId}`] = { dtype: "U8", shape: [state.byteLength], data: state };
  if (tokenCounts) tensors.tokenCounts = entry(tokenCounts);
  return encodeSafetensors(tensors, { group: JSON.stringify({ version: VERSION, runs: [...runs.keys()] }) });
}

export function deserializeGroupState(bytes: Uint8Array): { runs: Map<number, Uint8Array>; tokenCounts?: Float64Array } {
  const file = parseSafetensors(bytes, "dashboard shard state");
  const meta = JSON.parse(file.metadata.group ?? "null") as { version: number; runs: number[] } | null;
  if (!meta) throw new Error("dashboard shard state has no readable metadata");
  if (meta.version !== VERSION) throw new StaleCheckpointError(meta.version);
  const runs = new Map(meta.runs.map((runId) => [runId, file.raw(`run.${runId}`).slice()]));
  let tokenCounts: Float64Array | undefined;
  if (file.has("tokenCounts")) {
    const raw = file.raw("tokenCounts");
    tokenCounts = new Float64Array(raw.byteLength / 8);
    new Uint8Array(tokenCounts.buffer).set(raw);
  }
  return { runs, tokenCounts };
}
