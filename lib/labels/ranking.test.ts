import { describe, expect, it } from "vitest";
import { chooseCurrentLabel, type RankableLabel } from "./ranking";

const label = (id: number, extra: Partial<RankableLabel> = {}): RankableLabel => ({
  id, status: "accepted", source: "human", voteScore: 0, detectionScore: null, simulationScore: null, pinnedAt: null, ...extra,
});

describe("chooseCurrentLabel", () => {
  it("ranks by votes within a review state, oldest first on ties", () => {
    expect(chooseCurrentLabel([label(1), label(2)])?.id).toBe(1);
    expect(chooseCurrentLabel([label(1), label(2, { voteScore: 2 })])?.id).toBe(2);
    expect(chooseCurrentLabel([label(1, { voteScore: -1 }), label(2)])?.id).toBe(2);
  });

  it("prefers accepted labels over drafts, and never shows a rejected one", () => {
    expect(chooseCurrentLabel([label(1, { status: "draft", voteScore: 5 }), label(2)])?.id).toBe(2);
    expect(chooseCurrentLabel([label(1, { status: "rejected", voteScore: 9 })])).toBeNull();
    expect(chooseCurrentLabel([label(1, { status: "rejected" }), label(2, { status: "draft", source: "model" })])?.id).toBe(2);
  });

  it("orders equal drafts by machine score", () => {
    const a = label(1, { status: "draft", source: "model", detectionScore: 0.6 });
    const b = label(2, { status: "draft", source: "model", detectionScore: 0.9 });
    expect(chooseCurrentLabel([a, b])?.id).toBe(2);
  });

  it("a reviewer's pin overrides rank, unless the pinned label was rejected", () => {
    const pinned = label(3, { voteScore: -4, pinnedAt: new Date() });
    expect(chooseCurrentLabel([label(1, { voteScore: 10 }), pinned])?.id).toBe(3);
    expect(chooseCurrentLabel([label(1, { voteScore: 10 }), { ...pinned, status: "rejected" }])?.id).toBe(1);
  });
});
