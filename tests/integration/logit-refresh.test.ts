/**
 * The migration path for databases whose logit effects were computed before the final LayerNorm was
 * folded into W_U: the job worker's refreshStaleLogitEffects recomputes exactly the SAEs whose
 * dashboard run recorded the old convention, rewrites only their logit columns, records the new
 * convention, and leaves SAEs without a record (imported) or already current alone.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { closeRawSql } from "@/lib/db/dashboards";
import { dashboardLogitEffects, featureLogitValues, refreshStaleLogitEffects } from "@/lib/dashboards/logit-refresh";
import { loadModelPackage } from "@/lib/model";
import { LOGIT_EFFECTS_CONVENTION } from "@/lib/model/logit-effects-convention";
import { loadSae } from "@/lib/sae";
import { HOOK, randomSaeTensors, tempDir, writeModel, writeSae } from "./dashboards-support";

const D_SAE = 6;
const OLD = "decoder direction through W_U (MLP hooks: through W_out first); no final LayerNorm";
const stamp = `logit-refresh-${Date.now()}`;
let saeDir: string;
let modelDir: string;
const ids: Record<"stale" | "imported" | "current", number> = { stale: 0, imported: 0, current: 0 };

beforeAll(async () => {
  const root = await tempDir("logit-refresh");
  const written = await writeModel(root, `model-${stamp}`);
  modelDir = written.dir;
  saeDir = await writeSae(path.join(root, "sae"), { ...randomSaeTensors(written.dModel, D_SAE, 17) }, { dIn: written.dModel, dSae: D_SAE });
  const model = await db().model.create({
    data: { name: `model-${stamp}`, architecture: "gpt2", dModel: written.dModel, nLayers: 2, nCtx: written.nCtx, dVocab: 337, tokenizer: "byte-bpe", packagePath: modelDir, manifest: {} },
  });
  const records = { stale: OLD, imported: undefined, current: LOGIT_EFFECTS_CONVENTION };
  for (const [kind, record] of Object.entries(records) as [keyof typeof ids, unknown][]) {
    const sae = await db().sae.create({
      data: {
        modelId: model.id, name: `${kind}-${stamp}`, hookName: HOOK, layer: 0, architecture: "standard", dIn: written.dModel, dSae: D_SAE,
        path: saeDir, contentHash: `${kind}-${stamp}`, cfg: {}, status: "ready",
        metricsDetails: record === undefined ? { heldout: null } : { heldout: null, logitEffects: record as string },
      },
    });
    ids[kind] = sae.id;
    await db().feature.createMany({
      data: Array.from({ length: D_SAE }, (_, index) => ({
        saeId: sae.id, index, maxActivation: 1 + index, density: 0.01 * index,
        logitTopTokenIds: [1, 2], logitTopValues: [0.5, 0.25], logitBottomTokenIds: [3], logitBottomValues: [-0.5],
        logitHistogramMin: -1, logitHistogramMax: 1, logitHistogramCounts: [1, 2, 3],
      })),
    });
  }
});

afterAll(async () => {
  await db().model.deleteMany({ where: { name: `model-${stamp}` } });
  await closeRawSql();
  await disconnectDb();
});

describe("recomputing stale logit effects", () => {
  it("rewrites the logit columns of SAEs recorded under the old convention, and nothing else", async () => {
    const refreshed = await refreshStaleLogitEffects();
    expect(refreshed).toContain(ids.stale);
    expect(refreshed).not.toContain(ids.imported);
    expect(refreshed).not.toContain(ids.current);

    const model = await loadModelPackage(modelDir, { intraOpNumThreads: 1 });
    const sae = await loadSae(saeDir, { intraOpNumThreads: 1 });
    const effects = await dashboardLogitEffects(model, sae, HOOK);
    await sae.dispose();
    await model.dispose();

    const rows = await db().feature.findMany({ where: { saeId: ids.stale }, orderBy: { index: "asc" } });
    expect(rows).toHaveLength(D_SAE);
    for (const row of rows) {
      const expected = featureLogitValues(effects, row.index);
      expect(row.logitTopTokenIds).toEqual(Array.from(expected.logitTopTokenIds));
      expect(row.logitBottomTokenIds).toEqual(Array.from(expected.logitBottomTokenIds));
      row.logitTopValues.forEach((v, r) => expect(v).toBeCloseTo(expected.logitTopValues[r], 5));
      expect(row.logitHistogramCounts).toEqual(Array.from(expected.logitHistogramCounts));
      // the rest of the row is as it was
      expect(row.maxActivation).toBe(1 + row.index);
      expect(row.density).toBeCloseTo(0.01 * row.index, 6);
    }
    const stale = await db().sae.findUniqueOrThrow({ where: { id: ids.stale } });
    expect((stale.metricsDetails as { logitEffects: unknown; heldout: unknown })).toEqual({ heldout: null, logitEffects: LOGIT_EFFECTS_CONVENTION });

    for (const kind of ["imported", "current"] as const) {
      const untouched = await db().feature.findFirstOrThrow({ where: { saeId: ids[kind], index: 0 } });
      expect(untouched.logitTopTokenIds).toEqual([1, 2]);
    }
    // a second pass finds nothing left to do for these SAEs
    expect(await refreshStaleLogitEffects()).not.toContain(ids.stale);
  });
});
