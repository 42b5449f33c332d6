/** Read queries for the catalogue of models and their SAEs (home page, API). */
import { db } from "./client";

export async function listModelsWithSaes() {
  const models = await db().model.findMany({
    orderBy: { name: "asc" },
    include: {
      saes: {
        orderBy: [{ layer: "asc" }, { name: "asc" }],
        select: {
          id: true, name: true, hookName: true, layer: true, architecture: true, dIn: true, dSae: true, k: true,
          status: true, l0: true, explainedVariance: true, ceLossRecovered: true, deadFraction: true, path: true,
        },
      },
    },
  });
  const saeIds = models.flatMap((m) => m.saes.map((s) => s.id));
  const labelled = saeIds.length
    ? await db().feature.groupBy({
        by: ["saeId"],
        // "labelled" means an accepted current label, as in the SAE table's filter
        where: { saeId: { in: saeIds }, labelStatus: "accepted" },
        _count: { _all: true },
      })
    : [];
  const labelledBySae = new Map(labelled.map((row) => [row.saeId, row._count._all]));
  // machine drafts waiting for review (the built-in explainer writes one per live feature)
  const drafted = saeIds.length
    ? await db().feature.groupBy({ by: ["saeId"], where: { saeId: { in: saeIds }, labelStatus: "draft" }, _count: { _all: true } })
    : [];
  const draftedBySae = new Map(drafted.map((row) => [row.saeId, row._count._all]));
  // dashboards still being computed: how far along (the newest unfinished run of each SAE)
  const pending = saeIds.length
    ? await db().dashboardRun.findMany({
        where: { saeId: { in: saeIds }, status: { in: ["queued", "running"] } },
        orderBy: { createdAt: "asc" },
        select: { saeId: true, status: true, progress: true, message: true, phase: true },
      })
    : [];
  const runBySae = new Map(pending.map((run) => [run.saeId, { status: run.status, progress: run.progress, message: run.message, phase: run.phase }]));
  return models.map(({ packagePath, ...model }) => ({
    ...model,
    manifest: undefined, // the package's internals stay on the server
    // a model without a package is known by name only, and every SAE without a weights folder is browse-only
    knownByNameOnly: packagePath === null,
    saes: model.saes.map(({ path, ...sae }) => ({
      ...sae, hasWeights: packagePath !== null && path !== null,
      labelledCount: labelledBySae.get(sae.id) ?? 0, draftCount: draftedBySae.get(sae.id) ?? 0, dashboardRun: runBySae.get(sae.id) ?? null,
    })),
  }));
}

export type CatalogModel = Awaited<ReturnType<typeof listModelsWithSaes>>[number];
