/**
 * Whether a model and SAEs can be run: a browse-only SAE (no weights folder) or a model known by
 * name only cannot, and every route that runs text (test your text, search by inference, steering)
 * says so plainly before calling the inference service.
 */
import { conflict } from "@/lib/api/errors";
import { db } from "./client";

export const NEEDS_WEIGHTS_HINT =
  "An admin can attach the model package and the SAE's weights with `npm run import:neuronpedia -- --attach` (docs/IMPORT.md).";

/** Throws a 409 naming what lacks weights; does nothing when the model and every SAE have them. */
export async function requireWeights(what: string, modelId: number, saeIds: number[]): Promise<void> {
  const [model, saes] = await Promise.all([
    db().model.findUnique({ where: { id: modelId }, select: { name: true, packagePath: true } }),
    db().sae.findMany({ where: { id: { in: saeIds }, path: null }, select: { name: true } }),
  ]);
  if (model && model.packagePath === null) {
    throw conflict(`${what} needs the model's weights: ${model.name} is known by name only (its SAEs were imported from dashboards, browse-only). ${NEEDS_WEIGHTS_HINT}`);
  }
  if (saes.length > 0) {
    throw conflict(`${what} needs the SAE's weights: ${saes.map((s) => s.name).join(", ")} ${saes.length === 1 ? "was" : "were"} imported from dashboards only (browse-only). ${NEEDS_WEIGHTS_HINT}`);
  }
}
