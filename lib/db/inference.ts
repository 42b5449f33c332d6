/** The rows the inference service needs to find model packages, SAE folders and feature scales. */
import { db } from "./client";

// A model known by name only, or a browse-only SAE, has no files to load: the service finds nothing
// (routes say plainly beforehand that weights are needed, lib/db/weights.ts).
export async function modelForInference(id: number) {
  const row = await db().model.findUnique({ where: { id }, select: { id: true, name: true, packagePath: true, nCtx: true } });
  return row?.packagePath ? { ...row, packagePath: row.packagePath } : null;
}

export async function saeForInference(id: number) {
  const row = await db().sae.findUnique({ where: { id }, select: { id: true, name: true, modelId: true, hookName: true, path: true, dIn: true } });
  return row?.path ? { ...row, path: row.path } : null;
}

/** index → max activation on the dashboard corpus (the unit of "clamp to N× max"). */
export async function featureMaxActivations(saeId: number, indices: number[]): Promise<Map<number, number>> {
  const rows = await db().feature.findMany({ where: { saeId, index: { in: indices } }, select: { index: true, maxActivation: true } });
  return new Map(rows.map((row) => [row.index, row.maxActivation]));
}

/** The current label of each listed feature, for showing inference results with their meaning. */
export async function currentLabels(saeId: number, indices: number[]): Promise<Map<number, string>> {
  if (indices.length === 0) return new Map();
  const rows = await db().feature.findMany({
    where: { saeId, index: { in: indices }, currentLabelId: { not: null } },
    select: { index: true, currentLabel: { select: { text: true } } },
  });
  return new Map(rows.flatMap((row) => (row.currentLabel ? [[row.index, row.currentLabel.text] as [number, string]] : [])));
}

/** Checks that the SAEs exist and belong to the model before a request goes to the service. */
export async function saesOfModel(modelId: number, saeIds: number[]) {
  return db().sae.findMany({ where: { id: { in: saeIds }, modelId }, select: { id: true, name: true } });
}
