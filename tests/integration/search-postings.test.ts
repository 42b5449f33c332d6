/**
 * Label search's quality-ordered postings (SearchPosting): the triggers keep them equal to what a
 * rebuild would write through every kind of label and feature write; the SQL prior and quality
 * functions are the TypeScript ones; and searches over thousands of matching labels rank the
 * best labels first, through the postings walk and through the GIN fallback alike, with the scores
 * that lib/search/ranking.ts defines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { loadSyntheticFixture, seededRandom, type SyntheticFixture } from "@/lib/fixtures/synthetic";
import { rebuildSearchLexicon, searchLabels } from "@/lib/db/search";
import { EXPECTED_POSTINGS_SQL, resetSearchRoutinesCheck } from "@/lib/db/search-postings";
import { voteOnLabel } from "@/lib/db/labels";
import { labelSearchQuerySchema } from "@/lib/search/contracts";
import {
  CURRENT_LABEL_BONUS, labelPrior, labelQuality, MATCH_WEIGHT, SHORTLIST_LIMIT, SPECIFICITY_WEIGHT, WALK_LIMIT,
} from "@/lib/search/ranking";

let fixture: SyntheticFixture;
let featureIds: number[] = [];
const labels = (input: Record<string, unknown>) => searchLabels(labelSearchQuerySchema.parse(input));

/** Rows in SearchPosting that a rebuild would not write, and rows a rebuild would write that are missing. */
async function postingDrift(): Promise<{ extra: number; missing: number }> {
  const [row] = await db().$queryRawUnsafe<{ extra: number; missing: number }[]>(`
    WITH expected AS (${EXPECTED_POSTINGS_SQL}), actual AS (SELECT * FROM "SearchPosting")
    SELECT (SELECT count(*) FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected) e)::int AS extra,
           (SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM actual) m)::int AS missing`);
  return row;
}

/** A label's score as lib/search/ranking.ts defines it, for a query of `words` words it has exactly. */
async function expectedScore(labelId: number, words = 1): Promise<number> {
  const [row] = await db().$queryRaw<{ status: "accepted" | "draft" | "rejected"; voteScore: number; detectionScore: number | null; simulationScore: number | null; lexemes: number; current: boolean }[]>`
    SELECT l."status"::text AS status, l."voteScore", l."detectionScore", l."simulationScore", length(l."searchVector") AS lexemes,
           (f."currentLabelId" = l."id") AS current
    FROM "Label" l JOIN "Feature" f ON f."id" = l."featureId" WHERE l."id" = ${labelId}`;
  const specificity = 1 - SPECIFICITY_WEIGHT + SPECIFICITY_WEIGHT * Math.min(1, words / Math.max(row.lexemes, 1));
  return MATCH_WEIGHT.exact * specificity * labelQuality(row) * (row.current ? CURRENT_LABEL_BONUS : 1);
}

beforeAll(async () => {
  fixture = await loadSyntheticFixture(db(), { modelName: "synthetic-postings", features: 400 });
  featureIds = (await db().feature.findMany({ where: { saeId: fixture.saeId }, select: { id: true }, orderBy: { index: "asc" } })).map((f) => f.id);
}, 600_000);
afterAll(disconnectDb);

describe("search postings", () => {
  it("compute the prior and quality in SQL exactly as lib/search/ranking.ts does", async () => {
    const random = seededRandom(7);
    for (let i = 0; i < 60; i++) {
      const inputs = {
        status: (["accepted", "draft", "rejected"] as const)[i % 3],
        voteScore: Math.round((random() - 0.5) * 60),
        detectionScore: i % 4 === 0 ? null : Math.fround(random()),
        simulationScore: i % 5 === 0 ? null : Math.fround(random() * 2 - 1),
        textLength: 1 + Math.floor(random() * 300),
      };
      const [row] = await db().$queryRaw<{ prior: number; quality: number }[]>`
        SELECT featurescope_label_prior(${inputs.status}::"LabelStatus", ${inputs.voteScore}::int, ${inputs.detectionScore}::real, ${inputs.simulationScore}::real, ${inputs.textLength}::int)::float8 AS prior,
               featurescope_label_quality(${inputs.status}::"LabelStatus", ${inputs.voteScore}::int, ${inputs.detectionScore}::real, ${inputs.simulationScore}::real)::float8 AS quality`;
      expect(row.prior).toBeCloseTo(labelPrior(inputs), 6);
      expect(row.quality).toBeCloseTo(labelQuality(inputs), 6);
    }
  });

  it("stay equal to a rebuild through inserts, edits, reviews, votes, scores, feature changes and deletes", async () => {
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    const [a, b, c] = featureIds;
    const first = await db().label.create({ data: { featureId: a, text: "ferries crossing the harbour at dawn", source: "human" } });
    const second = await db().label.create({ data: { featureId: b, text: "harbour pilots and tugboats", source: "model", status: "draft", detectionScore: 0.7 } });
    const third = await db().label.create({ data: { featureId: c, text: "lighthouses", source: "human" } });
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });

    await db().label.update({ where: { id: first.id }, data: { text: "ferries and water taxis crossing the harbour" } });
    await db().label.update({ where: { id: second.id }, data: { status: "accepted", simulationScore: 0.4 } });
    await db().label.update({ where: { id: third.id }, data: { voteScore: { increment: 3 } } });
    await db().$executeRaw`UPDATE "Label" SET "voteScore" = "voteScore" - 5 WHERE "id" = ${third.id}`;
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });

    // the feature side: density, labelled or not, current label, all carried by the postings
    await db().feature.update({ where: { id: a }, data: { density: 0.25 } });
    await db().feature.update({ where: { id: b }, data: { currentLabelId: second.id, labelStatus: "accepted" } });
    await db().feature.update({ where: { id: b }, data: { labelStatus: "rejected" } });
    await db().feature.update({ where: { id: b }, data: { currentLabelId: null, labelStatus: null } });
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });

    // a label moved to another feature, one deleted, and a feature deleted with its labels
    await db().label.update({ where: { id: third.id }, data: { featureId: a } });
    await db().label.delete({ where: { id: first.id } });
    await db().feature.delete({ where: { id: b } });
    featureIds = featureIds.filter((id) => id !== b);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    expect(await db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "SearchPosting" WHERE "labelId" IN (${first.id}, ${second.id})`).toEqual([{ n: 0 }]);
  });

  it("follow bulk writes set-wise: one trigger call per statement, postings equal to a rebuild, single edits still immediate", async () => {
    const sample = featureIds.slice(40, 340);
    // per transaction, how often each trigger function ran (pg_stat_xact_user_functions needs track_functions)
    const calls = await db().$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL track_functions = 'pl'`);
      await tx.label.createMany({ data: sample.map((featureId, i) => ({ featureId, text: `capybara herd ${i}`, source: "model" as const, status: "draft" as const, detectionScore: 0.8 })) });
      await tx.$executeRaw`
        UPDATE "Feature" f SET "currentLabelId" = l."id", "labelStatus" = 'draft'
        FROM "Label" l WHERE l."featureId" = f."id" AND l."text" LIKE 'capybara herd %' AND f."id" = ANY(${sample})`;
      await tx.$executeRaw`UPDATE "Label" SET "simulationScore" = 0.5 WHERE "text" LIKE 'capybara herd %'`;
      return tx.$queryRaw<{ funcname: string; calls: number }[]>`
        SELECT funcname::text AS funcname, calls::int FROM pg_stat_xact_user_functions WHERE funcname LIKE 'featurescope_%_postings%' ORDER BY funcname`;
    });
    // 300 labels inserted, 300 features updated, 300 labels rescored: one call each, not 300
    expect(calls).toEqual([
      { funcname: "featurescope_feature_postings", calls: 1 },
      { funcname: "featurescope_label_postings_insert", calls: 1 },
      { funcname: "featurescope_label_postings_update", calls: 1 },
    ]);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    const current = await db().$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "SearchPosting" WHERE "lexeme" = 'capybara' AND "isCurrent"`;
    expect(current).toEqual([{ n: sample.length }]);
    // a single edit is searchable at once
    const one = await db().label.findFirstOrThrow({ where: { text: "capybara herd 7" } });
    await db().label.update({ where: { id: one.id }, data: { text: "capybara herd wading" } });
    expect((await labels({ q: "wading" })).results.map((r) => r.label.id)).toEqual([one.id]);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
  });

  it("stay consistent, without deadlocks, when people vote on one feature's labels at the same time", async () => {
    // each vote rewrites its label's postings and may change the feature's current label, which
    // rewrites the postings of all the feature's labels
    const featureId = featureIds[20];
    const targets = await Promise.all(["kelp forests", "kelp and sea urchins", "giant kelp"].map((text) =>
      db().label.create({ data: { featureId, text, source: "human", status: "accepted" } })));
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => db().user.create({ data: { email: `voter${i}@postings.test` } })));
    const votes = users.flatMap((user, i) => targets.map((label, j) => voteOnLabel(label.id, user.id, (i + j) % 3 === 0 ? -1 : 1)));
    const outcomes = await Promise.allSettled(votes);
    expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    const current = await db().feature.findUniqueOrThrow({ where: { id: featureId }, select: { currentLabelId: true } });
    const flagged = await db().$queryRaw<{ labelId: number }[]>`SELECT DISTINCT "labelId" FROM "SearchPosting" WHERE "featureId" = ${featureId} AND "isCurrent"`;
    expect(flagged).toEqual([{ labelId: current.currentLabelId }]);
  });

  it("rank the best labels of a word that thousands of labels share, best first, with the defined scores", async () => {
    const random = seededRandom(11);
    const rows = Array.from({ length: 1500 }, (_, i) => ({
      featureId: featureIds[i % featureIds.length],
      text: `zebra crossings ${i}`,
      source: random() < 0.5 ? ("human" as const) : ("model" as const),
      status: random() < 0.6 ? ("draft" as const) : ("accepted" as const),
      voteScore: Math.floor(random() * 4),
      detectionScore: random() < 0.5 ? null : 0.5 + random() * 0.3,
    }));
    await db().label.createMany({ data: rows });
    // the one everybody agrees on: accepted, many votes, a high detection score
    const best = await db().label.create({ data: { featureId: featureIds[7], text: "zebra crossings", source: "human", status: "accepted", voteScore: 40, detectionScore: 0.97, simulationScore: 0.8 } });
    await rebuildSearchLexicon();

    const page = await labels({ q: "zebra", limit: 10 });
    expect(page.truncated).toBe(true);
    expect(page.candidates).toBe(SHORTLIST_LIMIT);
    expect(page.results[0].label.id).toBe(best.id);
    for (const result of page.results) {
      expect(result.label.text).toMatch(/zebra/);
      expect(result.score).toBeCloseTo(await expectedScore(result.label.id), 5);
    }
    const scores = page.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    // a filter applied inside the postings: model-written labels only
    const drafts = await labels({ q: "zebra", labels: "model", limit: 10 });
    expect(drafts.results.length).toBe(10);
    for (const result of drafts.results) expect(result.label.source).toBe("model");
  });

  it("are installed by the first label search of a database migrated without them", async () => {
    // what `prisma migrate deploy` alone leaves: the table, no functions, no triggers, no postings
    for (const trigger of ["insert", "update", "delete"]) await db().$executeRawUnsafe(`DROP TRIGGER featurescope_label_postings_${trigger} ON "Label"`);
    await db().$executeRawUnsafe(`DROP TRIGGER featurescope_label_truncate ON "Label"`);
    await db().$executeRawUnsafe(`DROP TRIGGER featurescope_feature_postings ON "Feature"`);
    await db().$executeRawUnsafe(`DROP FUNCTION featurescope_label_postings_insert, featurescope_label_postings_update, featurescope_label_postings_delete, featurescope_feature_postings, featurescope_truncate_postings, featurescope_label_prior, featurescope_label_quality`);
    await db().$executeRawUnsafe(`TRUNCATE "SearchPosting"`);
    resetSearchRoutinesCheck();
    const page = await labels({ q: "zebra", limit: 3 });
    expect(page.results.length).toBe(3);
    expect(await postingDrift()).toEqual({ extra: 0, missing: 0 });
    // and the triggers work again
    await db().label.create({ data: { featureId: featureIds[3], text: "okapi stripes", source: "human" } });
    expect((await labels({ q: "okapi" })).results.map((r) => r.label.text)).toEqual(["okapi stripes"]);
  });

  it("find the few labels two common words share, through the index when the walk finds too few", async () => {
    const rows = Array.from({ length: WALK_LIMIT + 500 }, (_, i) => [
      { featureId: featureIds[i % featureIds.length], text: `walrus colony ${i}`, source: "human" as const },
      { featureId: featureIds[(i + 3) % featureIds.length], text: `narwhal tusks ${i}`, source: "human" as const },
    ]).flat();
    await db().label.createMany({ data: rows });
    // long labels rank below every short "walrus colony" one by prior, so the walk down the
    // walrus postings (the best WALK_LIMIT of them) cannot reach them
    const both = await Promise.all([0, 1, 2].map((i) =>
      db().label.create({
        data: { featureId: featureIds[100 + i], text: `walrus and narwhal sightings reported along the northern coast ${i}`, source: "human", status: i === 0 ? "draft" : "accepted" },
      })));
    await rebuildSearchLexicon();

    const page = await labels({ q: "walrus narwhal" });
    expect(page.relaxed).toBe(false);
    expect(page.results.map((r) => r.label.id).sort()).toEqual(both.map((l) => l.id).sort());
    expect(page.truncated).toBe(false);
    // accepted before the draft, each with the score ranking.ts defines (here from the label's text)
    expect(page.results[2].label.id).toBe(both[0].id);
    for (const result of page.results) expect(result.score).toBeCloseTo(await expectedScore(result.label.id, 2), 5);
  });
});
