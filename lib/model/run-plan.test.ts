// The run planner: one segment when no hook function cuts the model, a cut after each tensor a hook
// function edits, and no pieces after the last tensor the caller wants.
import { describe, expect, it } from "vitest";
import { gpt2Layout } from "./package-layout";
import { planSegments } from "./run-plan";

const layout = gpt2Layout({ nLayers: 2, nHeads: 2, dHead: 4 }, { fused: true });
const presents = layout.cache.map((c) => c.present);
const files = (s: { start: number; end: number }) => layout.pieces.slice(s.start, s.end + 1).map((p) => p.file);

describe("planSegments", () => {
  it("runs the whole model as one segment without hook functions", () => {
    const segments = planSegments(layout.pieces, [], ["logits", ...presents]);
    expect(segments).toHaveLength(1);
    expect(files(segments[0])).toEqual(layout.pieces.map((p) => p.file));
    expect(segments[0].inputs).toEqual(["input_ids", "position_ids", "attention_mask", "past.0", "past.1"]);
    expect(segments[0].fetch).toEqual(["present.0", "present.1", "logits"]);
  });

  it("cuts after the tensor a hook edits, and fetches what later segments read", () => {
    const segments = planSegments(layout.pieces, ["blocks.0.mlp.hook_post"], ["logits"]);
    expect(segments.map(files)).toEqual([
      ["embed.onnx", "blocks.0.attn.onnx", "blocks.0.mlp_in.onnx"],
      ["blocks.0.mlp_out.onnx", "blocks.1.attn.onnx", "blocks.1.mlp_in.onnx", "blocks.1.mlp_out.onnx", "unembed.onnx"],
    ]);
    // mlp_out reads resid_mid as well as the edited hook_post: both cross the cut
    expect(segments[0].fetch).toEqual(["blocks.0.hook_resid_mid", "blocks.0.mlp.hook_post"]);
    expect(segments[1].inputs).toEqual(["blocks.0.hook_resid_mid", "blocks.0.mlp.hook_post", "attention_mask", "past.1"]);
  });

  it("stops after the last wanted tensor (a hook read for dashboards runs no later layer, no logits)", () => {
    const segments = planSegments(layout.pieces, [], ["blocks.0.hook_resid_post"]);
    expect(segments).toHaveLength(1);
    expect(files(segments[0])).toEqual(["embed.onnx", "blocks.0.attn.onnx", "blocks.0.mlp_in.onnx", "blocks.0.mlp_out.onnx"]);
    expect(segments[0].fetch).toEqual(["blocks.0.hook_resid_post"]);
    expect(planSegments(layout.pieces, [], [])).toEqual([]);
  });

  it("maps both names of the shared residual tensor to one cut", () => {
    expect(layout.hookTensor["blocks.1.hook_resid_pre"]).toBe("blocks.0.hook_resid_post");
    expect(layout.tensorHooks["blocks.0.hook_resid_post"]).toEqual(["blocks.0.hook_resid_post", "blocks.1.hook_resid_pre"]);
    const segments = planSegments(layout.pieces, [layout.hookTensor["blocks.1.hook_resid_pre"]], ["logits"]);
    expect(segments).toHaveLength(2);
  });
});
