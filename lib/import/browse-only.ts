/**
 * Browse-only SAEs: dashboards imported without the model's or the SAE's weights (a 9B model on a
 * CPU server is no use). The model is known by name only (a Model row without a package) unless a
 * model of that name is registered; the SAE has no weights folder. Its features can be browsed,
 * searched by label and activation text, labelled, listed and exported; running text through it
 * needs weights, which attachWeights (lib/import/attach.ts) adds later.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createGunzip, gunzipSync } from "node:zlib";
import { createReadStream } from "node:fs";
import readline from "node:readline";
import { recordAudit } from "@/lib/db/audit";
import { db } from "@/lib/db/client";
import { ImportError } from "./errors";
import { listExportFiles } from "./neuronpedia";
import { saeNameFor } from "./register";

export interface ExportIdentity {
  /** the model's name in the files (SAEDashboard model_id, Neuronpedia modelId) */
  modelName: string | null;
  layer: number | null;
  /** Neuronpedia's source id, e.g. "6-res-jb" (SAEDashboard: `${layer}-${sae_set}[__${sae_id_suffix}]`) */
  sourceId: string | null;
}

async function firstJsonLine(file: string): Promise<Record<string, unknown> | null> {
  const raw = createReadStream(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      return JSON.parse(line) as Record<string, unknown>;
    }
  } catch {
    return null;
  } finally {
    lines.close();
    raw.destroy();
  }
  return null;
}

/** Which model and SAE the files are dashboards of, read from the first batch file or features row. */
export async function readExportIdentity(exportDir: string): Promise<ExportIdentity> {
  const files = await listExportFiles(exportDir);
  if (files.layout === "saedashboard") {
    for (const file of files.batches) {
      try {
        const raw = await readFile(file);
        const text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
        const batch = JSON.parse(text) as { model_id?: unknown; layer?: unknown; sae_set?: unknown; sae_id_suffix?: unknown };
        const layer = Number(batch.layer);
        const set = typeof batch.sae_set === "string" && batch.sae_set ? batch.sae_set : null;
        const suffix = typeof batch.sae_id_suffix === "string" && batch.sae_id_suffix ? `__${batch.sae_id_suffix}` : "";
        return {
          modelName: typeof batch.model_id === "string" && batch.model_id ? batch.model_id : null,
          layer: Number.isInteger(layer) ? layer : null,
          // neuronpedia_export.py _build_source_id: f"{layer_num}-{source_set_id}" + f"__{suffix}"
          sourceId: set && Number.isInteger(layer) ? `${layer}-${set}${suffix}` : null,
        };
      } catch {
        continue; // a bad batch is reported by the import itself
      }
    }
    return { modelName: null, layer: null, sourceId: null };
  }
  const first = await firstJsonLine(files.features[0] ?? files.activations[0]);
  const sourceId = typeof first?.layer === "string" && first.layer ? first.layer : null;
  const layer = sourceId ? Number(/^(\d+)/.exec(sourceId)?.[1] ?? NaN) : NaN;
  return {
    modelName: typeof first?.modelId === "string" && first.modelId ? first.modelId : null,
    layer: Number.isInteger(layer) ? layer : null,
    sourceId,
  };
}

export interface BrowseOnlyRequest {
  exportDir: string;
  /** default: the files' model name */
  modelName?: string;
  /** default: the files' source id (e.g. 6-res-jb) */
  saeName?: string;
  /** TransformerLens hook, when known (the files do not say); shown on the SAE page */
  hookName?: string;
  layer?: number;
  actorId?: number | null;
}

/** Hook names of browse-only SAEs whose files do not say which hook they read. */
export const UNKNOWN_HOOK = "unknown";

/**
 * Finds or creates the model (by name; a new one is known by name only) and the browse-only SAE
 * (by model and name; an existing SAE of that name is reused, with or without weights).
 */
export async function registerBrowseOnlySae(request: BrowseOnlyRequest): Promise<{ modelId: number; saeId: number; modelName: string; saeName: string; created: boolean; browseOnly: boolean }> {
  const identity = await readExportIdentity(request.exportDir);
  const modelName = (request.modelName ?? identity.modelName)?.trim();
  if (!modelName) {
    throw new ImportError("IMPORT_ARGUMENT_INVALID", `${request.exportDir}: the files do not name their model; give --model-name`);
  }
  const layer = request.layer ?? identity.layer ?? 0;
  const saeName = saeNameFor(request.saeName ?? identity.sourceId ?? path.basename(path.resolve(request.exportDir)));
  return db().$transaction(async (tx) => {
    const model = (await tx.model.findUnique({ where: { name: modelName } })) ?? (await tx.model.create({ data: { name: modelName, displayName: modelName } }));
    const existing = await tx.sae.findUnique({ where: { modelId_name: { modelId: model.id, name: saeName } } });
    if (existing) {
      return { modelId: model.id, saeId: existing.id, modelName, saeName, created: false, browseOnly: existing.path === null || model.packagePath === null };
    }
    const sae = await tx.sae.create({
      data: { modelId: model.id, name: saeName, hookName: request.hookName ?? UNKNOWN_HOOK, layer, dSae: 0, status: "registered" },
    });
    await recordAudit({
      actorId: request.actorId ?? null, action: "sae.import", targetType: "Sae", targetId: sae.id,
      details: { name: saeName, browseOnly: true, exportDir: path.resolve(request.exportDir), model: modelName, layer },
    }, tx);
    return { modelId: model.id, saeId: sae.id, modelName, saeName, created: true, browseOnly: true };
  });
}
