/**
 * Import a model package and SAE folders: validate everything first, then register the rows (each
 * in one transaction), then create — or find — the dashboard run for each SAE. Calling it again
 * with the same files changes nothing and returns the same rows and runs.
 */
import { db } from "@/lib/db/client";
import { findOrCreateRun, type DashboardRunRow } from "@/lib/db/dashboards";
import { corpusFiles } from "@/lib/dashboards/corpus";
import { dashboardParams, type DashboardParams } from "@/lib/dashboards/run";
import { ImportError } from "./errors";
import { registerModel, registerSae } from "./register";
import { validateModelPackage, validateSae, type ValidatedSae } from "./validate";

export { ImportError, describeImportError } from "./errors";

export interface ImportRequest {
  modelDir: string;
  saeDirs: string[];
  /** SAE names (same order as saeDirs); default: folder names. */
  saeNames?: string[];
  /** Corpus for the dashboards; without it the SAEs are registered only. */
  corpus?: string;
  tokens?: number;
  heldoutTokens?: number;
  contextSize?: number;
  batchSize?: number;
  seed?: number;
  actorId?: number | null;
  /** Called as each step finishes (CLI output, admin page log). */
  onStep?: (message: string) => void;
}

export interface ImportedSae {
  saeId: number;
  name: string;
  created: boolean;
  hookName: string;
  dSae: number;
  run: Pick<DashboardRunRow, "id" | "status" | "phase" | "progress"> | null;
}

export interface ImportResult {
  modelId: number;
  modelName: string;
  modelCreated: boolean;
  saes: ImportedSae[];
}

export async function importModelAndSaes(request: ImportRequest): Promise<ImportResult> {
  const step = request.onStep ?? (() => undefined);
  if (request.saeDirs.length === 0) throw new ImportError("IMPORT_ARGUMENT_INVALID", "give at least one SAE folder");
  if (request.saeNames && request.saeNames.length !== request.saeDirs.length) {
    throw new ImportError("IMPORT_ARGUMENT_INVALID", `${request.saeNames.length} names for ${request.saeDirs.length} SAE folders`);
  }
  if (request.tokens !== undefined && !(Number.isInteger(request.tokens) && request.tokens > 0)) {
    throw new ImportError("IMPORT_ARGUMENT_INVALID", `--tokens must be a positive integer, got ${request.tokens}`);
  }

  // 1. validate everything before writing anything
  const model = await validateModelPackage(request.modelDir);
  step(`model ${model.manifest.name}: valid (${model.manifest.nLayers} layers, d_model ${model.manifest.dModel}, vocab ${model.manifest.dVocab})`);
  const saes: ValidatedSae[] = [];
  for (const dir of request.saeDirs) {
    const sae = await validateSae(dir, model.manifest);
    step(`SAE ${dir}: valid (${sae.config.architecture}, ${sae.hookName}, d_sae ${sae.config.dSae})`);
    // options SAELens itself drops for this architecture: said, so nobody thinks they took effect
    for (const option of sae.config.ignoredOptions) step(`SAE ${dir}: ignored ${option}`);
    saes.push(sae);
  }
  let params: DashboardParams | undefined;
  if (request.corpus) {
    params = dashboardParams({
      corpus: request.corpus, tokens: request.tokens, heldoutTokens: request.heldoutTokens, contextSize: request.contextSize,
      batchSize: request.batchSize, seed: request.seed, modelContext: model.manifest.nCtx,
    });
    // checked now, without reading any file, so a wrong path is a 400 here and not a failed run later
    await corpusFiles(params.corpus);
  }

  // 2. register (each in one transaction; idempotent)
  const registeredModel = await registerModel(model, { actorId: request.actorId });
  step(registeredModel.created ? `registered model ${model.manifest.name}` : `model ${model.manifest.name} already registered`);
  const result: ImportResult = { modelId: registeredModel.modelId, modelName: model.manifest.name, modelCreated: registeredModel.created, saes: [] };
  for (const [i, sae] of saes.entries()) {
    const registered = await registerSae(registeredModel.modelId, sae, { name: request.saeNames?.[i], actorId: request.actorId });
    const row = await db().sae.findUniqueOrThrow({ where: { id: registered.saeId }, select: { name: true } });
    step(registered.created ? `registered SAE ${row.name}` : `SAE ${row.name} already registered (same files)`);
    let run: ImportedSae["run"] = null;
    if (params) {
      const created = await findOrCreateRun(registered.saeId, "compute", params as unknown as Record<string, unknown>);
      run = { id: created.id, status: created.status, phase: created.phase, progress: created.progress };
    }
    result.saes.push({ saeId: registered.saeId, name: row.name, created: registered.created, hookName: sae.hookName, dSae: sae.config.dSae, run });
  }
  return result;
}
