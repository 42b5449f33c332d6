/** The rows the inference service needs to find model packages, SAE folders and feature scales. */
import { db } from "./client";

export function modelForInference(id: number) {
  return db().model.findUnique({ where: { id }, select: { id: true, name: true, packagePath: true, nCtx: true } });
}

export function saeForInference(id: number) {
  return db().sae.findUnique({ where: { id }, select: { id: true, name: true, modelId: true, hookName: true, path: true, dIn: true } });
}

/** index → max activation on the dashboard corpus (the unit of "clamp to N× max"). */
export async function featureMaxActivations(saeId: number, indices: number[]): Promise<Map<number, number>> {
  const rows = await db().feature.findMany({ where: { saeId, index: { in: indices } }, select: { index: true, maxActivation: true } });
  return new Map(rows.map((row) => [row.index, row.maxActivation]));
}
