import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { loadSyntheticFixture, XSS_TOKEN, type SyntheticFixture } from "@/lib/fixtures/synthetic";
import {
  countSaeFeatures, decodeCursor, featureTableQuerySchema, getSaeByNames, listSaeFeatures, randomFeatureIndex,
  type FeatureTableQuery,
} from "@/lib/db/saes";
import { exampleQuerySchema, getFeaturePage, listExamples } from "@/lib/db/features";
import { listModelsWithSaes } from "@/lib/db/catalog";

let fixture: SyntheticFixture;

beforeAll(async () => {
  fixture = await loadSyntheticFixture(db(), { modelName: "synthetic-browse-queries" });
});
afterAll(disconnectDb);

const query = (input: Record<string, unknown> = {}): FeatureTableQuery => featureTableQuerySchema.parse(input);

/** Walks every page forward and returns the indices in order. */
async function walk(input: Record<string, unknown>): Promise<number[]> {
  const seen: number[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await listSaeFeatures(fixture.saeId, query({ ...input, after }));
    seen.push(...page.rows.map((r) => r.index));
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return seen;
}

describe("the synthetic fixture", () => {
  it("is clearly synthetic and complete", async () => {
    const sae = await getSaeByNames(fixture.modelName, fixture.saeName);
    expect(sae?.model.displayName).toMatch(/synthetic/i);
    expect(sae?.dSae).toBe(fixture.featureCount);
    expect(await db().feature.count({ where: { saeId: fixture.saeId } })).toBe(fixture.featureCount);
    const alive = fixture.featureCount - fixture.deadIndices.length;
    expect(await db().activationExample.count({ where: { feature: { saeId: fixture.saeId } } })).toBe(alive * (70 + 15)); // 20 top, 50 interval and 15 non-activating per live feature
  });

  it("shows up in the catalogue with its metrics and labelled count", async () => {
    const models = await listModelsWithSaes();
    const model = models.find((m) => m.name === fixture.modelName);
    expect(model?.saes[0]).toMatchObject({ name: fixture.saeName, l0: 4, labelledCount: fixture.labelled.accepted.length, dashboardRun: null });
  });

  it("says how far an SAE's dashboards have got while they are computed", async () => {
    const run = await db().dashboardRun.create({
      data: { saeId: fixture.saeId, kind: "compute", status: "running", phase: "pass1", progress: 0.42, params: {}, paramsHash: "catalog-test", message: "pass 1 of 2: batch 9/20" },
    });
    try {
      const sae = (await listModelsWithSaes()).find((m) => m.name === fixture.modelName)?.saes[0];
      expect(sae?.dashboardRun).toEqual({ status: "running", progress: 0.42, message: "pass 1 of 2: batch 9/20", phase: "pass1" });
    } finally {
      await db().dashboardRun.delete({ where: { id: run.id } });
    }
  });
});

describe("the SAE feature table", () => {
  it("pages by index through every feature exactly once", async () => {
    const indices = await walk({ limit: 7 });
    expect(indices).toEqual(Array.from({ length: fixture.featureCount }, (_, i) => i));
  });

  it("sorts by density, descending by default, with keyset pages that neither skip nor repeat", async () => {
    const indices = await walk({ sort: "density", limit: 5 });
    expect(new Set(indices).size).toBe(fixture.featureCount);
    const rows = await db().feature.findMany({ where: { saeId: fixture.saeId }, orderBy: [{ density: "desc" }, { index: "desc" }] });
    expect(indices).toEqual(rows.map((r) => r.index));
  });

  it("sorts by max activation ascending when asked", async () => {
    const page = await listSaeFeatures(fixture.saeId, query({ sort: "maxActivation", order: "asc", limit: 48 }));
    const values = page.rows.map((r) => r.maxActivation);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it("sorts by label status: accepted, drafts, rejected, then none", async () => {
    const page = await listSaeFeatures(fixture.saeId, query({ sort: "labelStatus", limit: 200 }));
    const rank = (s: string | null) => ({ accepted: 0, draft: 1, rejected: 2 })[s ?? ""] ?? 3;
    const ranks = page.rows.map((r) => rank(r.labelStatus));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(page.rows).toHaveLength(fixture.featureCount);
  });

  it("pages through the label-status order in both directions without skipping or repeating", async () => {
    const rows = await db().feature.findMany({ where: { saeId: fixture.saeId }, select: { index: true, labelStatus: true } });
    const rank = (s: string | null) => ({ accepted: 0, draft: 1, rejected: 2 })[s ?? ""] ?? 3;
    const expected = rows.sort((a, b) => rank(a.labelStatus) - rank(b.labelStatus) || a.index - b.index).map((r) => r.index);
    // pages of 3 cross every status boundary
    expect(await walk({ sort: "labelStatus", limit: 3 })).toEqual(expected);
    expect(await walk({ sort: "labelStatus", order: "desc", limit: 4 })).toEqual([...expected].reverse());
    // back from the third page lands on the second
    const p1 = await listSaeFeatures(fixture.saeId, query({ sort: "labelStatus", limit: 5 }));
    const p2 = await listSaeFeatures(fixture.saeId, query({ sort: "labelStatus", limit: 5, after: p1.nextCursor! }));
    const p3 = await listSaeFeatures(fixture.saeId, query({ sort: "labelStatus", limit: 5, after: p2.nextCursor! }));
    const back = await listSaeFeatures(fixture.saeId, query({ sort: "labelStatus", limit: 5, before: p3.prevCursor! }));
    expect(back.rows.map((r) => r.index)).toEqual(p2.rows.map((r) => r.index));
    // and the filters still apply inside the per-status reads
    expect(await walk({ sort: "labelStatus", label: "unlabelled", limit: 3 }))
      .toEqual(expected.filter((i) => [...fixture.labelled.rejected, ...fixture.labelled.unlabelled].includes(i)));
  });

  it("counts filtered matches exactly up to the cap, then says 'at least'", async () => {
    const dead = fixture.deadIndices.length;
    expect(dead).toBeGreaterThan(1);
    expect(await countSaeFeatures(fixture.saeId, query({ dead: "dead" }), fixture.featureCount, dead))
      .toEqual({ total: dead, atLeast: false });
    expect(await countSaeFeatures(fixture.saeId, query({ dead: "dead" }), fixture.featureCount, dead - 1))
      .toEqual({ total: dead - 1, atLeast: true });
  });

  it("ranks by label score only the features that have one", async () => {
    const indices = await walk({ sort: "labelScore", limit: 4 });
    const scored = await db().feature.count({ where: { saeId: fixture.saeId, labelScore: { not: null } } });
    expect(indices).toHaveLength(scored);
    expect((await countSaeFeatures(fixture.saeId, query({ sort: "labelScore" }), undefined, Infinity)).total).toBe(scored);
  });

  it("pages back with `before` to exactly the previous page", async () => {
    const first = await listSaeFeatures(fixture.saeId, query({ sort: "density", limit: 6 }));
    expect(first.prevCursor).toBeNull();
    const second = await listSaeFeatures(fixture.saeId, query({ sort: "density", limit: 6, after: first.nextCursor! }));
    const back = await listSaeFeatures(fixture.saeId, query({ sort: "density", limit: 6, before: second.prevCursor! }));
    expect(back.rows.map((r) => r.index)).toEqual(first.rows.map((r) => r.index));
    expect(back.prevCursor).toBeNull();
    expect(back.nextCursor).not.toBeNull();
  });

  it("filters labelled, unlabelled, machine-drafted and dead features", async () => {
    const labelled = await walk({ label: "labelled" });
    expect(labelled).toEqual(fixture.labelled.accepted);
    const drafted = await walk({ label: "drafted" });
    expect(drafted).toEqual(fixture.labelled.drafted);
    const unlabelled = await walk({ label: "unlabelled" });
    expect(unlabelled).toEqual([...fixture.labelled.rejected, ...fixture.labelled.unlabelled].sort((a, b) => a - b));
    expect(await walk({ dead: "dead" })).toEqual(fixture.deadIndices);
    expect(await walk({ dead: "alive" })).toHaveLength(fixture.featureCount - fixture.deadIndices.length);
    expect((await countSaeFeatures(fixture.saeId, query({ label: "drafted" }), undefined, Infinity)).total).toBe(fixture.labelled.drafted.length);
    // d_sae answers an unfiltered count; a filter always counts
    expect((await countSaeFeatures(fixture.saeId, query({}), fixture.featureCount)).total).toBe(fixture.featureCount);
    expect((await countSaeFeatures(fixture.saeId, query({}), undefined, Infinity)).total).toBe(fixture.featureCount);
    expect((await countSaeFeatures(fixture.saeId, query({ dead: "dead" }), fixture.featureCount, Infinity)).total).toBe(fixture.deadIndices.length);
  });

  it("filters by a density range", async () => {
    const page = await listSaeFeatures(fixture.saeId, query({ minDensity: "0.001", maxDensity: "0.01", limit: 200 }));
    expect(page.rows.length).toBeGreaterThan(0);
    for (const row of page.rows) {
      expect(row.density).toBeGreaterThanOrEqual(0.001 * 0.9999);
      expect(row.density).toBeLessThanOrEqual(0.01 * 1.0001);
    }
    expect(query({ minDensity: "" }).minDensity).toBeUndefined();
    expect(() => query({ minDensity: "2" })).toThrow();
  });

  it("refuses a malformed or out-of-range cursor in the query (a 400 from the API, the first page on the SAE page)", async () => {
    expect(decodeCursor("not-a-cursor")).toBeNull();
    expect(() => query({ after: "garbage", limit: 3 })).toThrow(/Not a cursor/);
    // used to reach PostgreSQL as 2147483648::int and fail the query
    expect(() => query({ after: Buffer.from("[0, 2147483648]").toString("base64url") })).toThrow(/Not a cursor/);
    const page = await listSaeFeatures(fixture.saeId, query({ limit: 3 }));
    expect(page.rows.map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it("picks a random live feature, wrapping around past the last index", async () => {
    expect(await randomFeatureIndex(fixture.saeId, fixture.featureCount, () => 0.999)).toBe(fixture.featureCount - 1);
    const dead = fixture.deadIndices[0];
    expect(await randomFeatureIndex(fixture.saeId, fixture.featureCount, () => dead / fixture.featureCount)).toBe(dead + 1);
  });
});

describe("the feature page data", () => {
  it("holds the dashboard, a first page of examples, labels, neighbours and prev/next", async () => {
    const page = await getFeaturePage(fixture.modelName, fixture.saeName, 4);
    expect(page).not.toBeNull();
    const data = page!;
    expect(data.feature.index).toBe(4);
    expect(data.prevIndex).toBe(3);
    expect(data.nextIndex).toBe(5);
    expect(data.topExamples).toHaveLength(10);
    expect(data.topTotal).toBe(20);
    expect(data.topNextAfter).toBe(9);
    expect(data.topExamples.map((e) => e.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const example of data.topExamples) {
      expect(example.tokens).toHaveLength(example.tokenIds.length);
      expect(example.values[example.maxPosition]).toBeCloseTo(example.maxValue, 2);
    }
    expect(data.intervals).toHaveLength(10);
    expect(data.intervals[0].intervalIndex).toBe(9);
    for (const group of data.intervals) {
      expect(group.examples).toHaveLength(2);
      expect(group.total).toBe(5);
      expect(group.nextAfter).toBe(1);
      for (const e of group.examples) {
        expect(e.maxValue).toBeGreaterThanOrEqual(group.min);
        expect(e.maxValue).toBeLessThanOrEqual(group.max);
      }
    }
    expect(data.intervals[9].min).toBeGreaterThan(0); // epsilon, not zero
    expect(data.feature.logitTop).toHaveLength(10);
    expect(data.feature.logitBottom).toHaveLength(10);
    expect(data.feature.histogram?.counts).toHaveLength(50);
    expect(data.feature.neighbours).toHaveLength(10);
    expect(data.labels.find((l) => l.isCurrent)?.status).toBe("accepted");
    expect(data.labels.some((l) => l.source === "model" && l.provenance)).toBe(true);
  });

  it("keeps the XSS token as plain text", async () => {
    const data = (await getFeaturePage(fixture.modelName, fixture.saeName, fixture.xssFeatureIndex))!;
    const top = data.topExamples[0];
    expect(top.tokens[top.maxPosition]).toBe(XSS_TOKEN);
    expect(top.tokenIds[top.maxPosition]).toBe(fixture.xssTokenId);
  });

  it("returns null for a missing feature or SAE", async () => {
    expect(await getFeaturePage(fixture.modelName, fixture.saeName, 10_000)).toBeNull();
    expect(await getFeaturePage(fixture.modelName, "nope", 0)).toBeNull();
  });

  it("has no neighbours, examples or histogram for a dead feature, and prev/next skip nothing", async () => {
    const dead = fixture.deadIndices[0];
    const data = (await getFeaturePage(fixture.modelName, fixture.saeName, dead))!;
    expect(data.feature.dead).toBe(true);
    expect(data.topExamples).toHaveLength(0);
    expect(data.intervals).toHaveLength(0);
    expect(data.feature.histogram).toBeNull();
    expect(data.prevIndex).toBe(dead - 1);
  });

  it("pages through the rest of the examples with listExamples", async () => {
    const feature = await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId: fixture.saeId, index: 4 } } });
    const rest = await listExamples(feature.id, fixture.modelId, exampleQuerySchema.parse({ kind: "top", after: 9, limit: 6 }));
    expect(rest.examples.map((e) => e.rank)).toEqual([10, 11, 12, 13, 14, 15]);
    expect(rest.nextAfter).toBe(15);
    const last = await listExamples(feature.id, fixture.modelId, exampleQuerySchema.parse({ kind: "top", after: 15, limit: 6 }));
    expect(last.examples.map((e) => e.rank)).toEqual([16, 17, 18, 19]);
    expect(last.nextAfter).toBeNull();
    const interval = await listExamples(feature.id, fixture.modelId,
      exampleQuerySchema.parse({ kind: "interval", interval: "3", after: "1" }));
    expect(interval.examples.map((e) => [e.intervalIndex, e.rank])).toEqual([[3, 2], [3, 3], [3, 4]]);
    expect(() => exampleQuerySchema.parse({ kind: "interval" })).toThrow();
  });
});
