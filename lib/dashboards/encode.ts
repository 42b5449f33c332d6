/**
 * One batch of corpus contexts through the model ONCE and through every SAE of a dashboard group:
 * the forward captures every hook the group's SAEs read (no logits), and each SAE encodes its own
 * hook's activations, fetching only the sparse outputs (top values and indices, l0). A token with
 * more active features than the sparse width is encoded again densely, so nothing is dropped.
 */
import { tokenRows, type ModelSession } from "@/lib/model";
import { bosExclusionMask, type Sae } from "@/lib/sae";
import { contextTokens, type PackedContexts } from "./corpus";
import { contextsFromEncoding } from "./sparse";
import type { ContextActivations } from "./statistics";

export interface GroupSae {
  runId: number;
  sae: Sae;
  hookName: string;
}

/** The excluded positions of a context: every BOS-id token (INTERP.md §3). */
export function excludedPositions(tokenIds: Int32Array, bosId: number): Uint8Array {
  return bosExclusionMask(tokenIds, bosId); // the same rule the quality metrics follow (lib/sae/bos.ts)
}

/**
 * The batch's contexts per SAE (in `members` order), each context tagged with its position in the
 * processing order (`firstOrder` + its place in the batch).
 */
export async function encodeBatch(
  model: ModelSession,
  members: GroupSae[],
  packed: PackedContexts,
  indices: ArrayLike<number>,
  firstOrder: number,
  bosId: number,
): Promise<ContextActivations[][]> {
  const sequences: number[][] = [];
  for (let i = 0; i < indices.length; i++) sequences.push(Array.from(contextTokens(packed, indices[i])));
  const hooks = [...new Set(members.map((m) => m.hookName))];
  const out = await model.forward(sequences, { capture: hooks, logits: "none" });
  const total = sequences.reduce((sum, s) => sum + s.length, 0);
  const slices: Array<{ contextIndex: number; tokenIds: Int32Array; start: number; excluded: Uint8Array; order: number }> = [];
  let offset = 0;
  for (let row = 0; row < sequences.length; row++) {
    const tokenIds = contextTokens(packed, indices[row]);
    slices.push({ contextIndex: indices[row], tokenIds, start: offset, excluded: excludedPositions(tokenIds, bosId), order: firstOrder + row });
    offset += tokenIds.length;
  }
  const result: ContextActivations[][] = [];
  for (const { sae, hookName } of members) {
    const acts = out.activations[hookName];
    const x = new Float32Array(total * sae.dIn);
    for (let row = 0; row < sequences.length; row++) x.set(tokenRows(out, acts, row), slices[row].start * sae.dIn);
    const encoding = await sae.encodeSparseOutputs(x);
    // tokens with more active features than the sparse outputs hold: their dense rows
    const overflow: number[] = [];
    for (let t = 0; t < encoding.n; t++) if (encoding.l0[t] > encoding.sparseWidth) overflow.push(t);
    let dense: Map<number, Float32Array> | undefined;
    if (overflow.length) {
      const rows = new Float32Array(overflow.length * sae.dIn);
      overflow.forEach((t, i) => rows.set(x.subarray(t * sae.dIn, (t + 1) * sae.dIn), i * sae.dIn));
      const full = await sae.encode(rows);
      dense = new Map(overflow.map((t, i) => [t, full.featureActs.subarray(i * sae.dSae, (i + 1) * sae.dSae)]));
    }
    result.push(contextsFromEncoding(encoding, slices, dense ? (row) => dense.get(row)! : undefined));
  }
  return result;
}
