// Rebuilds a package's attention and MLP-in pieces with ONNX Runtime's fused CPU/GPU kernels
// (com.microsoft Attention with the KV cache, FastGelu), from the weights the pieces carry. The
// package's own graphs are portable ONNX (opset 17, ~45 nodes per attention piece); a generation
// step at small widths costs per node, not per FLOP, so the runtime runs these instead
// (docs/RUNTIME.md "Graph layout"). The math is the manifest's architecture, the weights are read
// by name; a piece whose weights are not recognised keeps its own graph (the whole model then does).
import onnxProto, { type onnx as OnnxTypes } from "onnx-proto";
import type { DecodedPiece, PieceSpec } from "./graph-compose";
import { OnnxGraphBuilder, float } from "./onnx-graph";

const { onnx } = onnxProto;

export interface FusedDims {
  dModel: number;
  nHeads: number;
  dMlp: number;
  layerNormEps: number;
}

/** Weight names per exporter: the recipe's torch modules, and the Hugging Face names of gpt2-package.ts. */
const ATTN_NAMES = [
  { lnW: "ln_w", lnB: "ln_b", wQkv: "w_qkv", bQkv: "b_qkv", wO: "w_o", bO: "b_o" },
  { lnW: "h.L.ln_1.weight", lnB: "h.L.ln_1.bias", wQkv: "h.L.attn.c_attn.weight", bQkv: "h.L.attn.c_attn.bias", wO: "h.L.attn.c_proj.weight", bO: "h.L.attn.c_proj.bias" },
];
const MLP_IN_NAMES = [
  { lnW: "ln_w", lnB: "ln_b", w: "w", b: "b" },
  { lnW: "h.L.ln_2.weight", lnB: "h.L.ln_2.bias", w: "h.L.mlp.c_fc.weight", b: "h.L.mlp.c_fc.bias" },
];

function initializers(model: OnnxTypes.IModelProto): Map<string, OnnxTypes.ITensorProto> {
  return new Map((model.graph?.initializer ?? []).map((t) => [t.name!, t]));
}

function pick<T extends Record<string, string>>(
  found: Map<string, OnnxTypes.ITensorProto>,
  candidates: T[],
  layer: number,
  shapes: Record<keyof T, number[]>,
): Record<keyof T, OnnxTypes.ITensorProto> | undefined {
  for (const names of candidates) {
    const out = {} as Record<keyof T, OnnxTypes.ITensorProto>;
    let ok = true;
    for (const key of Object.keys(names) as Array<keyof T>) {
      const tensor = found.get(names[key].replace("L", String(layer)));
      const dims = (tensor?.dims ?? []).map(Number);
      if (!tensor || tensor.dataType !== onnx.TensorProto.DataType.FLOAT || dims.join() !== shapes[key].join()) {
        ok = false;
        break;
      }
      out[key] = tensor;
    }
    if (ok) return out;
  }
  return undefined;
}

function reuse(g: OnnxGraphBuilder, name: string, tensor: OnnxTypes.ITensorProto): string {
  return g.rawInitializer(name, tensor);
}

/**
 * Attention piece: LayerNorm → Attention (QKV projection, causal, 2-D key padding mask, past and
 * present as one [2, B, H, S, dHead] tensor) → output projection + residual.
 */
function fusedAttention(piece: DecodedPiece, layer: number, d: FusedDims): { spec: PieceSpec; bytes: Uint8Array } | undefined {
  const D = d.dModel;
  const w = pick(initializers(piece.model), ATTN_NAMES, layer, {
    lnW: [D], lnB: [D], wQkv: [D, 3 * D], bQkv: [3 * D], wO: [D, D], bO: [D],
  });
  if (!w) return undefined;
  const g = new OnnxGraphBuilder(`blocks.${layer}.attn (fused)`);
  const resid = g.input("resid_pre", "float32", ["B", "T", D]);
  const mask = g.input("attention_mask", "float32", ["B", "S"]);
  const past = g.input("past", "float32", [2, "B", d.nHeads, "P", D / d.nHeads]);
  const x = g.op("LayerNormalization", [resid, reuse(g, "ln_w", w.lnW), reuse(g, "ln_b", w.lnB)], { axis: -1, epsilon: float(d.layerNormEps) });
  const [z, present] = g.ops("Attention", [x, reuse(g, "w_qkv", w.wQkv), reuse(g, "b_qkv", w.bQkv), g.op("Cast", [mask], { to: onnx.TensorProto.DataType.INT32 }), past], 2, {
    num_heads: d.nHeads, unidirectional: 1, mask_filter_value: float(-1e9),
  }, undefined, "com.microsoft");
  const out = g.op("Add", [resid, g.op("Add", [g.op("MatMul", [z, reuse(g, "w_o", w.wO)]), reuse(g, "b_o", w.bO)])]);
  g.output(out, "resid_mid", "float32", ["B", "T", D]);
  g.output(present, "present", "float32", [2, "B", d.nHeads, "S", D / d.nHeads]);
  const spec: PieceSpec = {
    file: piece.spec.file,
    inputs: { resid_pre: piece.spec.inputs.resid_pre, attention_mask: piece.spec.inputs.attention_mask, past: `past.${layer}` },
    outputs: { resid_mid: piece.spec.outputs.resid_mid, present: `present.${layer}` },
  };
  return { spec, bytes: g.toModelBytes(17, [{ domain: "com.microsoft", version: 1 }]) };
}

/** MLP-in piece: LayerNorm → MatMul → FastGelu with the bias (gelu_new, the tanh approximation). */
function fusedMlpIn(piece: DecodedPiece, layer: number, d: FusedDims): { spec: PieceSpec; bytes: Uint8Array } | undefined {
  const D = d.dModel;
  const w = pick(initializers(piece.model), MLP_IN_NAMES, layer, { lnW: [D], lnB: [D], w: [D, d.dMlp], b: [d.dMlp] });
  if (!w) return undefined;
  const g = new OnnxGraphBuilder(`blocks.${layer}.mlp_in (fused)`);
  const resid = g.input("resid_mid", "float32", ["B", "T", D]);
  const x = g.op("LayerNormalization", [resid, reuse(g, "ln_w", w.lnW), reuse(g, "ln_b", w.lnB)], { axis: -1, epsilon: float(d.layerNormEps) });
  const post = g.op("FastGelu", [g.op("MatMul", [x, reuse(g, "w", w.w)]), reuse(g, "b", w.b)], {}, undefined, "com.microsoft");
  g.output(post, "mlp_post", "float32", ["B", "T", d.dMlp]);
  return { spec: piece.spec, bytes: g.toModelBytes(17, [{ domain: "com.microsoft", version: 1 }]) };
}

/**
 * The runtime version of one piece: attention and MLP-in rebuilt with fused kernels (with the
 * layout's runtime I/O), others as they are; undefined when an attention or MLP-in piece's weights
 * are not recognised.
 */
export function fusePiece(piece: DecodedPiece, runtimeSpec: PieceSpec, d: FusedDims): DecodedPiece | undefined {
  const match = /^blocks\.(\d+)\.(attn|mlp_in)\.onnx$/.exec(piece.spec.file);
  if (!match) return piece;
  const layer = Number(match[1]);
  const fused = match[2] === "attn" ? fusedAttention(piece, layer, d) : fusedMlpIn(piece, layer, d);
  if (!fused) return undefined;
  if (JSON.stringify(fused.spec) !== JSON.stringify(runtimeSpec)) throw new Error(`${piece.spec.file}: fused piece wiring differs from the layout`);
  return { spec: runtimeSpec, model: onnx.ModelProto.decode(fused.bytes) };
}
