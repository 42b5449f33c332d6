// The model package's pieces (docs/MODEL_PACKAGE.md) as a wiring table: which global tensor each
// piece input reads and each output writes. Hooks are global tensors named the TransformerLens way;
// a hook that is the same tensor as another (blocks.L.hook_resid_pre = blocks.L-1.hook_resid_post)
// is an alias. A new architecture (issue 17) adds its own table here; the composer and the run
// planner only see the table.
import type { PieceSpec } from "./graph-compose";
import type { ModelManifest } from "./manifest";

export interface CacheEntry {
  /** Global input holding the cached positions, and the output that replaces it after a step. */
  past: string;
  present: string;
  /** Its dims for `batch` rows and `length` cached positions. */
  dims: (batch: number, length: number) => number[];
  /** The axis counting cached positions. */
  lengthAxis: number;
}

export interface PackageLayout {
  /** The pieces as the runtime runs them (fused or the package's own). */
  pieces: PieceSpec[];
  /** The pieces as the package's files declare them (checked on load). */
  files: PieceSpec[];
  /** True when attention and MLP-in run as ONNX Runtime's fused kernels (fused-pieces.ts). */
  fused: boolean;
  /** Hook name → the global tensor it reads. */
  hookTensor: Record<string, string>;
  /** Global tensor → the hook names that read it, in the order their hook functions run. */
  tensorHooks: Record<string, string[]>;
  /** KV cache tensors, fed back step after step. */
  cache: CacheEntry[];
  logits: string;
}

export const MODEL_INPUTS = { ids: "input_ids", positions: "position_ids", mask: "attention_mask" } as const;

/**
 * The GPT-2 layout (architecture "gpt2"): embed, per layer attn / mlp_in / mlp_out, unembed. With
 * `fused`, each attention piece keeps its KV cache as one [2, B, H, S, dHead] tensor (the fused
 * Attention kernel's layout) instead of separate keys and values.
 */
export function gpt2Layout(manifest: Pick<ModelManifest, "nLayers" | "nHeads" | "dHead">, options: { fused?: boolean } = {}): PackageLayout {
  const fused = options.fused ?? false;
  const files: PieceSpec[] = [];
  const cache: CacheEntry[] = [];
  const kvDims = (batch: number, length: number) => [batch, manifest.nHeads, length, manifest.dHead];
  const residPre = (layer: number) => (layer === 0 ? "blocks.0.hook_resid_pre" : `blocks.${layer - 1}.hook_resid_post`);
  files.push({ file: "embed.onnx", inputs: { input_ids: MODEL_INPUTS.ids, position_ids: MODEL_INPUTS.positions }, outputs: { resid: residPre(0) } });
  const pieces: PieceSpec[] = [...files];
  const hookTensor: Record<string, string> = {};
  for (let layer = 0; layer < manifest.nLayers; layer++) {
    const c = { pastKey: `past_key.${layer}`, pastValue: `past_value.${layer}`, presentKey: `present_key.${layer}`, presentValue: `present_value.${layer}` };
    const mid = `blocks.${layer}.hook_resid_mid`;
    const post = `blocks.${layer}.mlp.hook_post`;
    const out = `blocks.${layer}.hook_resid_post`;
    const attn: PieceSpec = {
      file: `blocks.${layer}.attn.onnx`,
      inputs: { resid_pre: residPre(layer), attention_mask: MODEL_INPUTS.mask, past_key: c.pastKey, past_value: c.pastValue },
      outputs: { resid_mid: mid, present_key: c.presentKey, present_value: c.presentValue },
    };
    files.push(attn);
    if (fused) {
      pieces.push({
        file: attn.file,
        inputs: { resid_pre: residPre(layer), attention_mask: MODEL_INPUTS.mask, past: `past.${layer}` },
        outputs: { resid_mid: mid, present: `present.${layer}` },
      });
      cache.push({ past: `past.${layer}`, present: `present.${layer}`, dims: (b, n) => [2, ...kvDims(b, n)], lengthAxis: 3 });
    } else {
      pieces.push(attn);
      cache.push({ past: c.pastKey, present: c.presentKey, dims: kvDims, lengthAxis: 2 });
      cache.push({ past: c.pastValue, present: c.presentValue, dims: kvDims, lengthAxis: 2 });
    }
    const rest: PieceSpec[] = [
      { file: `blocks.${layer}.mlp_in.onnx`, inputs: { resid_mid: mid }, outputs: { mlp_post: post } },
      { file: `blocks.${layer}.mlp_out.onnx`, inputs: { resid_mid: mid, mlp_post: post }, outputs: { resid_post: out } },
    ];
    files.push(...rest);
    pieces.push(...rest);
    hookTensor[out] = out;
    hookTensor[`blocks.${layer}.hook_resid_pre`] = residPre(layer);
    hookTensor[mid] = mid;
    hookTensor[post] = post;
  }
  const unembed: PieceSpec = { file: "unembed.onnx", inputs: { resid: residPre(manifest.nLayers) }, outputs: { logits: "logits" } };
  files.push(unembed);
  pieces.push(unembed);
  // at blocks.L-1.hook_resid_post's tensor the post hooks run before layer L's pre hooks, as the
  // pieces ran them one after the other
  const tensorHooks: Record<string, string[]> = {};
  for (const [hook, tensor] of Object.entries(hookTensor).sort(([a], [b]) => hookOrder(a) - hookOrder(b))) {
    (tensorHooks[tensor] ??= []).push(hook);
  }
  return { pieces, files, fused, hookTensor, tensorHooks, cache, logits: "logits" };
}

function hookOrder(hook: string): number {
  const [, layer, rest] = /^blocks\.(\d+)\.(.*)$/.exec(hook) ?? [];
  const within = ["hook_resid_pre", "hook_resid_mid", "mlp.hook_post", "hook_resid_post"].indexOf(rest);
  return Number(layer) * 4 + within;
}
