import { describe, expect, it } from "vitest";
import { createSession, cudaProviderInstalled, executionProviderFailures, planExecutionProviders } from "./execution-provider";
import { OnnxGraphBuilder } from "./onnx-graph";
import { SeededRandom, sampleToken } from "./sampling";

const withCuda = [{ name: "cpu", bundled: true }, { name: "cuda", bundled: false }];
const cpuOnly = [{ name: "cpu", bundled: true }];

describe("execution provider selection", () => {
  it("prefers CUDA only when the build lists it and its provider library is installed", () => {
    expect(planExecutionProviders({ backends: withCuda, cudaProviderInstalled: true }).order).toEqual(["cuda", "cpu"]);
    expect(planExecutionProviders({ backends: withCuda, cudaProviderInstalled: false })).toMatchObject({
      order: ["cpu"], reason: expect.stringContaining("CUDA provider not installed"),
    });
    expect(planExecutionProviders({ backends: cpuOnly, cudaProviderInstalled: true }).order).toEqual(["cpu"]);
  });

  it("obeys FEATURESCOPE_EP", () => {
    expect(planExecutionProviders({ override: "cpu", backends: withCuda, cudaProviderInstalled: true }).order).toEqual(["cpu"]);
    expect(planExecutionProviders({ override: "CUDA", backends: cpuOnly, cudaProviderInstalled: false }).order).toEqual(["cuda", "cpu"]);
    expect(planExecutionProviders({ override: "auto", backends: cpuOnly, cudaProviderInstalled: false }).order).toEqual(["cpu"]);
    expect(planExecutionProviders({ override: "webgpu", backends: cpuOnly, cudaProviderInstalled: false }).order).toEqual(["webgpu", "cpu"]);
    expect(() => planExecutionProviders({ override: "tpu", backends: cpuOnly, cudaProviderInstalled: false })).toThrow(/FEATURESCOPE_EP/);
  });

  it("falls back to CPU when CUDA cannot start, and says so", async () => {
    const g = new OnnxGraphBuilder("identity");
    g.output(g.input("x", "float32", [1]), "y", "float32", [1]);
    const created = await createSession(g.toModelBytes(), { executionProviders: ["cuda", "cpu"] });
    if (!cudaProviderInstalled()) {
      expect(created.executionProvider).toBe("cpu");
      expect(executionProviderFailures().join("\n")).toMatch(/^cuda: /);
    }
    const out = await created.session.run({ x: new (await import("onnxruntime-node")).Tensor("float32", Float32Array.from([2]), [1]) });
    expect(out.y.data[0]).toBe(2);
  });
});

describe("sampling", () => {
  it("is reproducible per seed and greedy at temperature 0", () => {
    const logits = Float32Array.from([0.1, 2, 0.3, 1.9, -1]);
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => sampleToken(logits, { temperature: 1 }, random));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(sampleToken(logits, { temperature: 0 }, new SeededRandom(1))).toBe(1);
  });

  it("top-p keeps the smallest set with mass ≥ p", () => {
    // probabilities ∝ exp: token 1 ≈ 0.45, token 3 ≈ 0.41 → p = 0.5 keeps {1, 3}
    const logits = Float32Array.from([0.1, 2, 0.3, 1.9, -1]);
    const random = new SeededRandom(3);
    const seen = new Set(Array.from({ length: 200 }, () => sampleToken(logits, { temperature: 1, topP: 0.5 }, random)));
    expect([...seen].sort()).toEqual([1, 3]);
    const tight = new Set(Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1, topP: 0.3 }, random)));
    expect([...tight]).toEqual([1]);
  });

  it("rejects bad settings", () => {
    expect(() => sampleToken([1, 2], { topP: 0 }, new SeededRandom(1))).toThrow(/topP/);
    expect(() => sampleToken([1, 2], { temperature: -1 }, new SeededRandom(1))).toThrow(/temperature/);
  });
});
