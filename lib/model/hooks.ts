// Types for reading and editing activations at a named hook (TransformerLens names) while the model
// package runs, in the prompt pass and at every generated token.

export type ForwardPhase = "prompt" | "generate";

/** The activation at one hook for one forward call: [batch, seqLen, width], row-major. */
export interface HookTensor {
  hookName: string;
  /** Modify in place, or return a replacement of the same length from the hook function. */
  data: Float32Array;
  batch: number;
  /** Positions in this call (the whole prompt, or 1 while generating with the KV cache). */
  seqLen: number;
  width: number;
  /** 1 for real tokens, 0 for padding, [batch, seqLen]. */
  tokenMask: Float32Array;
  /** Absolute position of each of these tokens in its sequence, [batch, seqLen] (padding: 0). */
  positions: Int32Array;
  /** Tokens already in the KV cache before this call. */
  pastLength: number;
  phase: ForwardPhase;
  /** 0 for the prompt pass, then 1, 2, … per generated token. */
  step: number;
}

export type HookFn = (tensor: HookTensor) => void | Float32Array | Promise<void | Float32Array>;

export interface HookRegistration {
  hookName: string;
  fn: HookFn;
}

/** Hooks as a list (applied in order) or as a map from hook name to one or several functions. */
export type HookSpec = HookRegistration[] | Record<string, HookFn | HookFn[]>;

export function normalizeHooks(spec: HookSpec | undefined): Map<string, HookFn[]> {
  const byName = new Map<string, HookFn[]>();
  if (!spec) return byName;
  const entries: Array<[string, HookFn]> = Array.isArray(spec)
    ? spec.map((h) => [h.hookName, h.fn])
    : Object.entries(spec).flatMap(([name, fns]) => (Array.isArray(fns) ? fns : [fns]).map((fn) => [name, fn] as [string, HookFn]));
  for (const [name, fn] of entries) {
    const list = byName.get(name) ?? [];
    list.push(fn);
    byName.set(name, list);
  }
  return byName;
}
