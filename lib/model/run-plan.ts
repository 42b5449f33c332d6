// Plans one forward step as as few session runs as possible: the pieces are cut only after a tensor
// that a JavaScript hook function must see (and edit) before the rest runs, and the run stops after
// the last piece whose output is wanted (e.g. dashboards read a hook and need no logits).
import type { PieceSpec } from "./graph-compose";

export interface Segment {
  /** First and last piece index (inclusive). */
  start: number;
  end: number;
  /** Global tensors the segment's graph reads. */
  inputs: string[];
  /** Every global tensor its pieces write (the graph's declared outputs). */
  produced: string[];
  /** The outputs this run fetches: wanted, cut for a hook, or read by a later segment. */
  fetch: string[];
}

/** Producer piece index of every global tensor. */
export function producers(pieces: readonly PieceSpec[]): Map<string, number> {
  const map = new Map<string, number>();
  pieces.forEach((piece, i) => {
    for (const global of Object.values(piece.outputs)) map.set(global, i);
  });
  return map;
}

/** The inputs a run of pieces[start..end] reads from outside itself, in first-read order. */
export function segmentInputs(pieces: readonly PieceSpec[], start: number, end: number): string[] {
  const produced = new Set<string>();
  const inputs: string[] = [];
  for (let i = start; i <= end; i++) {
    for (const global of Object.values(pieces[i].inputs)) if (!produced.has(global) && !inputs.includes(global)) inputs.push(global);
    for (const global of Object.values(pieces[i].outputs)) produced.add(global);
  }
  return inputs;
}

/**
 * Segments for one step. `cuts`: tensors a hook function edits (the segment ends after the piece
 * writing each); `wanted`: tensors the caller reads (captures, logits, the new KV cache). Pieces
 * after the last cut or wanted tensor are not run.
 */
export function planSegments(pieces: readonly PieceSpec[], cuts: Iterable<string>, wanted: Iterable<string>): Segment[] {
  const producerOf = producers(pieces);
  const index = (tensor: string) => {
    const i = producerOf.get(tensor);
    if (i === undefined) throw new Error(`no piece writes ${tensor}`);
    return i;
  };
  const cutSet = new Set(cuts);
  const wantedSet = new Set(wanted);
  let end = -1;
  for (const tensor of [...cutSet, ...wantedSet]) end = Math.max(end, index(tensor));
  if (end < 0) return [];
  const boundaries = [...new Set([...cutSet].map(index))].filter((i) => i < end).sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (const boundary of boundaries) {
    ranges.push([start, boundary]);
    start = boundary + 1;
  }
  ranges.push([start, end]);
  const segments = ranges.map(([s, e]) => ({
    start: s,
    end: e,
    inputs: segmentInputs(pieces, s, e),
    produced: pieces.slice(s, e + 1).flatMap((p) => Object.values(p.outputs)),
  }));
  return segments.map((segment, k) => {
    const later = new Set(segments.slice(k + 1).flatMap((s) => s.inputs));
    const fetch = segment.produced.filter((t) => cutSet.has(t) || wantedSet.has(t) || later.has(t));
    return { ...segment, fetch };
  });
}
