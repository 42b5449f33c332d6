/** The explain → simulate → detect pipeline against the local fake provider (an HTTP server). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { startFakeProvider, type FakeProvider } from "./fake-provider";
import { draftFeatureLabel, type FeatureExample, type FeatureMaterial } from "./pipeline";
import { parseDetection, parseSimulation, PROMPT_VERSION } from "./prompts";
import { openAiCompatibleProvider, ProviderError } from "./provider";

// each draft makes 15 HTTP calls; on a loaded 2-core machine that can take several seconds
vi.setConfig({ testTimeout: 60_000 });

let server: FakeProvider | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

let nextId = 1;
function example(kind: FeatureExample["kind"], words: string[], max: number, rank: number, intervalIndex: number | null = null): FeatureExample {
  const values = words.map((w) => (w.includes("base64") ? max : 0));
  const maxPosition = Math.max(0, values.indexOf(max));
  return { id: nextId++, kind, intervalIndex, rank, tokens: words, values, maxValue: Math.max(...values, 0), maxPosition };
}

/** A dashboard's worth of examples: 20 top, 3 per interval, 15 verified non-activating contexts. */
function material(): FeatureMaterial {
  const active = (i: number, kind: FeatureExample["kind"], max: number, intervalIndex: number | null = null) =>
    example(kind, ["data", ":", " base64", ",", `x${i}`], max, i % 3, intervalIndex);
  return {
    saeId: 1,
    index: 7,
    maxActivation: 5,
    top: Array.from({ length: 20 }, (_, i) => ({ ...active(i, "top", 5 - i * 0.01), rank: i })),
    interval: Array.from({ length: 30 }, (_, i) => active(i, "interval", 0.5 * (Math.floor(i / 3) + 0.5), Math.floor(i / 3))),
    random: Array.from({ length: 15 }, (_, i) => example("random", ["the", " cat", " sat", ` ${i}`], 0, i)),
  };
}

describe("draftFeatureLabel", () => {
  it("explains, then scores a good explanation highly on detection and simulation", async () => {
    server = await startFakeProvider({ explanation: "base64 payloads in data URLs", keyword: "base64", apiKey: "sk-test" });
    const provider = openAiCompatibleProvider({ baseUrl: server.url, model: "fake-model", apiKey: "sk-test" });
    const result = await draftFeatureLabel(material(), provider);
    expect(result.explanation).toBe("base64 payloads in data URLs");
    expect(result.detection.score).toBe(1);
    expect(result.detection.n).toBe(20);
    expect(result.detection.batches).toBe(4);
    expect(result.simulation.score).toBeGreaterThan(0.85); // true activations vary (interval records span the range), predictions are 0 or 10
    expect(result.simulation.n).toBe(15);
    expect(result.simulation.records).toEqual({ top: 5, interval: 5, random: 5 });
    expect(result.promptVersion).toBe(PROMPT_VERSION);
    expect(result.usage.promptTokens).toBeGreaterThan(0);
    expect(result.calls).toBe(1 + 15 + 4);
    // no example is shown twice: the explain set, the simulation records and the detection examples are disjoint
    const all = [...result.examples.explain, ...result.examples.simulation, ...result.examples.detectionActive, ...result.examples.detectionInactive];
    expect(new Set(all).size).toBe(all.length);
    // the explanation prompt shows activations as integers 0–10 (Bills et al.)
    const explainPrompt = server.requests[0].body.messages[1].content;
    expect(explainPrompt).toContain(" base64\t10");
    expect(explainPrompt).toContain("the main thing this neuron does is find");
    expect(server.requests[0].authorization).toBe("Bearer sk-test");
  });

  it("a poor explanation scores at chance on detection", async () => {
    server = await startFakeProvider({ explanation: "cats", keyword: "cat" });
    const result = await draftFeatureLabel(material(), openAiCompatibleProvider({ baseUrl: server.url, model: "fake-model" }));
    expect(result.detection.score).toBeLessThanOrEqual(0.5);
  });

  it("without non-activating contexts, detection has no score (null), not the true-positive rate", async () => {
    server = await startFakeProvider({ explanation: "base64 payloads in data URLs", keyword: "base64" });
    const result = await draftFeatureLabel({ ...material(), random: [] }, openAiCompatibleProvider({ baseUrl: server.url, model: "fake-model" }));
    expect(result.detection.tp).toBe(10);
    expect(result.detection.score).toBeNull();
    expect(result.detection.note).toMatch(/no non-activating/);
  });

  it("a failed provider call is an error with its cause, never a score", async () => {
    server = await startFakeProvider({ failWith: 429 });
    const provider = openAiCompatibleProvider({ baseUrl: server.url, model: "fake-model" });
    const error = await draftFeatureLabel(material(), provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(429);
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as ProviderError).message).toContain("fake provider failure 429");
  });

  it("a wrong key (401) is not retryable; a malformed answer and an unreachable host are errors too", async () => {
    server = await startFakeProvider({ apiKey: "right" });
    const wrong = await openAiCompatibleProvider({ baseUrl: server.url, model: "m", apiKey: "wrong" }).chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ failure: "http", status: 401, retryable: false });
    await server.close();
    server = await startFakeProvider({ malformed: true });
    const malformed = await openAiCompatibleProvider({ baseUrl: server.url, model: "m" }).chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e);
    expect(malformed).toMatchObject({ failure: "malformed" });
    const unreachable = await openAiCompatibleProvider({ baseUrl: "http://127.0.0.1:9/v1", model: "m", timeoutMs: 5000 }).chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(ProviderError);
    expect((unreachable as ProviderError).failure).toMatch(/network|timeout/);
  });
});

describe("reply parsing", () => {
  it("rejects simulation replies of the wrong length instead of guessing", () => {
    expect(parseSimulation('{"activations": [0, 10, 3]}', 3)).toEqual([0, 10, 3]);
    expect(parseSimulation('{"activations": [0, 10]}', 3)).toBeInstanceOf(Error);
    expect(parseSimulation("no idea", 3)).toBeInstanceOf(Error);
  });

  it("reads detection matches and rejects impossible example numbers", () => {
    expect(parseDetection('{"matches": [1, 3]}', 4)).toEqual([true, false, true, false]);
    expect(parseDetection('{"matches": []}', 2)).toEqual([false, false]);
    expect(parseDetection('{"matches": [7]}', 5)).toBeInstanceOf(Error);
  });
});
