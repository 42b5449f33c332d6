import { afterAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";

afterAll(disconnectDb);

describe("the test database", () => {
  it("is migrated: every table of the data model exists", async () => {
    const rows = await db().$queryRaw<{ table_name: string }[]>`
      SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = 'public'`;
    const tables = rows.map((r) => r.table_name);
    for (const table of ["Model", "Sae", "Feature", "ActivationExample", "Label", "LabelRevision", "Vote",
      "Comment", "FeatureList", "FeatureListItem", "SteeringRun", "User", "Account", "Session",
      "VerificationToken", "ApiKey", "AuditEvent"]) {
      expect(tables).toContain(table);
    }
  });

  it("keeps (sae, index) unique", async () => {
    const model = await db().model.create({
      data: { name: "m-unique", architecture: "gpt2", dModel: 4, nLayers: 1, nCtx: 8, dVocab: 10,
        tokenizer: "byte-bpe", packagePath: "/nowhere", manifest: {} },
    });
    const sae = await db().sae.create({
      data: { modelId: model.id, name: "s", hookName: "blocks.0.hook_resid_post", layer: 0, architecture: "topk",
        dIn: 4, dSae: 8, path: "/nowhere", contentHash: "h", cfg: {} },
    });
    await db().feature.create({ data: { saeId: sae.id, index: 3 } });
    await expect(db().feature.create({ data: { saeId: sae.id, index: 3 } })).rejects.toThrow();
  });

  it("keeps each label's search vector in step with its text, indexed for full-text search", async () => {
    const index = await db().$queryRawUnsafe<{ indexdef: string }[]>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'Label_searchVector_idx'`);
    expect(index[0]?.indexdef).toContain("USING gin");
    const sae = await db().sae.findFirstOrThrow({ where: { model: { name: "m-unique" } } }); // from the test above
    const feature = await db().feature.create({ data: { saeId: sae.id, index: 4242 } });
    const label = await db().label.create({ data: { featureId: feature.id, text: "Bridges over rivers", source: "human" } });
    const vector = async () => (await db().$queryRawUnsafe<{ v: string }[]>(
      `SELECT "searchVector"::text AS v FROM "Label" WHERE "id" = $1`, label.id))[0]?.v;
    expect(await vector()).toBe("'bridg':1 'river':3");
    await db().label.update({ where: { id: label.id }, data: { text: "Golden Gate" } });
    expect(await vector()).toBe("'gate':2 'golden':1");
  });
});
