/**
 * Bulk label writes: machine drafts for many features, batch reviews and the set-wise current-label
 * choice — the SQL rule equals lib/labels/ranking.ts, the search postings equal a rebuild after
 * every bulk write, and everything is searchable at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql, rawSql } from "@/lib/db/dashboards";
import { createDraftLabelsBulk, refreshCurrentLabels, reviewLabelsBulk } from "@/lib/db/labels";
import { searchLabels } from "@/lib/db/search";
import { EXPECTED_POSTINGS_SQL } from "@/lib/db/search-postings";
import { loadSyntheticFixture, seededRandom } from "@/lib/fixtures/synthetic";
import { chooseCurrentLabel } from "@/lib/labels/ranking";
import { labelSearchQuerySchema } from "@/lib/search/contracts";

let featureIds: number[] = [];

async function postingDrift(): Promise<{ extra: number; missing: number }> {
  const [row] = await db().$queryRawUnsafe<{ extra: number; missing: number }[]>(`
    WITH expected AS (${EXPECTED_POSTINGS_SQL}), actual AS (SELECT * FROM "SearchPosting")
    SELECT (SELECT count(*) FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected) e)::int AS extra,
           (SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM actual) m)::int AS missing`);
  return row;
}

/** Every feature's current label agrees with chooseCurrentLabel over its labels. */
async function expectCurrentLabelsAsRanked(ids: number[]) {
  const labels = await db().label.findMany({ where: { featureId: { in: ids } } });
  const features = await db().feature.findMany({ where: { id: { in: ids } }, select: { id: true, currentLabelId: true, labelStatus: true } });
  for (const feature of features) {
    const chosen = chooseCurrentLabel(labels.filter((l) => l.featureId === feature.id));
    expect({ id: feature.id, current: feature.currentLabelId, status: feature.labelStatus }).toEqual({ id: feature.id, current: chosen?.id ?? null, status: chosen?.status ?? null });
  }
}

beforeAll(async () => {
  const fixture = await loadSyntheticFixture(db(), { modelName: "synthetic-bulk-labels", features: 240 });
  featureIds = (await db().feature.findMany({ where: { saeId: fixture.saeId }, select: { id: true }, orderBy: { index: "asc" } })).map((f) => f.id);
}, 600_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

describe("bulk label writes", () => {
  it("choose every feature's current label in SQL exactly as lib/labels/ranking.ts does", async () => {
    const random = seededRandom(5);
    const ids = featureIds.slice(0, 60);
    const user = await db().user.create({ data: { email: "pinner@bulk.test" } });
    for (const featureId of ids) {
      const n = 1 + Math.floor(random() * 4);
      for (let i = 0; i < n; i++) {
        await db().label.create({
          data: {
            featureId, text: `okra ${featureId} ${i}`,
            source: random() < 0.5 ? "human" : "model",
            status: (["accepted", "draft", "rejected"] as const)[Math.floor(random() * 3)],
            voteScore: Math.floor(random() * 3) - 1,
            detectionScore: random() < 0.4 ? null : Math.round(random() * 10) / 10,
            simulationScore: random() < 0.5 ? null : Math.round(random() * 10) / 10,
            pinnedAt: random() < 0.1 ? new Date(Date.now() - Math.floor(random() * 1e6)) : null,
            pinnedById: user.id,
          },
        });
      }
    }
    await rawSql().begin((tx) => refreshCurrentLabels(tx, ids));
    await expectCurrentLabelsAsRanked(ids);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
  });

  it("write drafts with scores for many features at once: searchable, current where nothing better exists, postings equal a rebuild", async () => {
    const ids = featureIds.slice(30, 240);
    const drafts = ids.map((featureId, i) => ({
      featureId, text: `" quokka" (also " wallaby") ${i}`, detectionScore: 0.5 + (i % 5) / 10, simulationScore: (i % 7) / 10,
      provenance: { method: "test-explainer", version: "1" }, scoreDetails: { scorer: "test" },
    }));
    const result = await createDraftLabelsBulk(drafts, { note: "machine draft (test)", replaceMethod: "test-explainer", audit: { test: true } });
    expect(result).toEqual({ created: ids.length, replaced: 0 });
    expect(await db().labelRevision.count({ where: { label: { text: { contains: "quokka" } }, version: 1, status: "draft" } })).toBe(ids.length);
    await expectCurrentLabelsAsRanked(ids);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    const page = await searchLabels(labelSearchQuerySchema.parse({ q: "quokka", limit: 5 }));
    expect(page.results.length).toBe(5);

    // running the same method again replaces its untouched drafts instead of piling them up
    const again = await createDraftLabelsBulk(drafts.map((d) => ({ ...d, text: d.text.replace("quokka", "numbat") })), {
      note: "machine draft (test)", replaceMethod: "test-explainer", audit: { test: true },
    });
    expect(again).toEqual({ created: ids.length, replaced: ids.length });
    expect(await db().label.count({ where: { text: { contains: "quokka" } } })).toBe(0);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    expect((await searchLabels(labelSearchQuerySchema.parse({ q: "quokka" }))).results).toEqual([]);
  });

  it("accept a batch of drafts: versions, revisions, current labels and postings all follow", async () => {
    const batch = await db().label.findMany({ where: { text: { contains: "numbat" } }, select: { id: true, featureId: true, version: true }, take: 100 });
    const reviewer = await db().user.create({ data: { email: "reviewer@bulk.test", role: "editor" } });
    const result = await reviewLabelsBulk(batch.map((l) => l.id), "accept", reviewer.id);
    expect(result.changed).toBe(batch.length);
    const after = await db().label.findMany({ where: { id: { in: batch.map((l) => l.id) } } });
    for (const label of after) expect(label).toMatchObject({ status: "accepted", version: 2 });
    expect(await db().labelRevision.count({ where: { labelId: { in: batch.map((l) => l.id) }, version: 2, status: "accepted", editorId: reviewer.id } })).toBe(batch.length);
    await expectCurrentLabelsAsRanked(batch.map((l) => l.featureId));
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    expect(await db().auditEvent.count({ where: { action: "label.bulk_accept" } })).toBe(1);
  });
});
