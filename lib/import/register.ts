/**
 * Registers a validated model (with its vocabulary) and SAE in one transaction each: either every
 * row is written or none. Idempotent: the same model package (same name, same manifest) and the
 * same SAE files (same content hash) map to the rows already there.
 */
import { Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db/client";
import { recordAudit } from "@/lib/db/audit";
import { ImportError } from "./errors";
import type { ValidatedModel, ValidatedSae } from "./validate";

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const TOKEN_CHUNK = 5000;

export async function registerModel(
  model: ValidatedModel,
  options: { actorId?: number | null } = {},
): Promise<{ modelId: number; created: boolean }> {
  const { manifest } = model;
  return db().$transaction(async (tx) => {
    const existing = await tx.model.findUnique({ where: { name: manifest.name } });
    if (existing) {
      if (stableJson(existing.manifest) !== stableJson(manifest)) {
        throw new ImportError(
          "IMPORT_MODEL_NAME_TAKEN",
          `a different model named "${manifest.name}" is already registered (its manifest differs); rename the package in manifest.json`,
        );
      }
      if (existing.packagePath !== model.dir) await tx.model.update({ where: { id: existing.id }, data: { packagePath: model.dir } });
      return { modelId: existing.id, created: false };
    }
    const created = await tx.model.create({
      data: {
        name: manifest.name,
        displayName: manifest.name,
        architecture: manifest.architecture,
        dModel: manifest.dModel,
        nLayers: manifest.nLayers,
        nHeads: manifest.nHeads,
        dMlp: manifest.dMlp,
        nCtx: manifest.nCtx,
        dVocab: manifest.dVocab,
        tokenizer: manifest.tokenizer.type,
        bosTokenId: manifest.bosTokenId,
        packagePath: model.dir,
        manifest: manifest as unknown as Prisma.InputJsonValue,
      },
    });
    for (let start = 0; start < model.tokenTexts.length; start += TOKEN_CHUNK) {
      await tx.token.createMany({
        data: model.tokenTexts.slice(start, start + TOKEN_CHUNK).map((text, i) => ({ modelId: created.id, tokenId: start + i, text })),
      });
    }
    await recordAudit({
      actorId: options.actorId ?? null, action: "model.import", targetType: "Model", targetId: created.id,
      details: { name: manifest.name, packagePath: model.dir, tokens: model.tokenTexts.length },
    }, tx);
    return { modelId: created.id, created: true };
  }, { timeout: 120_000 });
}

/** A URL-safe SAE name: the given one, else the folder name. */
export function saeNameFor(dir: string, given?: string): string {
  const base = given ?? dir.split(/[\\/]/).filter(Boolean).at(-1) ?? "sae";
  return base.trim().replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "sae";
}

export async function registerSae(
  modelId: number,
  sae: ValidatedSae,
  options: { name?: string; actorId?: number | null } = {},
): Promise<{ saeId: number; created: boolean; status: string }> {
  const name = saeNameFor(sae.dir, options.name);
  const { config } = sae;
  return db().$transaction(async (tx) => {
    const same = await tx.sae.findUnique({ where: { modelId_contentHash: { modelId, contentHash: sae.contentHash } } });
    if (same) {
      if (same.path !== sae.dir) await tx.sae.update({ where: { id: same.id }, data: { path: sae.dir } });
      return { saeId: same.id, created: false, status: same.status };
    }
    const taken = await tx.sae.findUnique({ where: { modelId_name: { modelId, name } } });
    if (taken) {
      throw new ImportError(
        "IMPORT_SAE_NAME_TAKEN",
        `this model already has a different SAE named "${name}" (other weights); choose another name with --name`,
      );
    }
    const created = await tx.sae.create({
      data: {
        modelId,
        name,
        hookName: sae.hookName,
        layer: sae.layer,
        architecture: config.architecture,
        dIn: config.dIn,
        dSae: config.dSae,
        k: config.k ?? null,
        normalizeActivations: config.normalizeActivations,
        applyBDecToInput: config.applyBDecToInput,
        dtype: config.dtype,
        path: sae.dir,
        contentHash: sae.contentHash,
        cfg: config.raw as Prisma.InputJsonValue,
        status: "registered",
      },
    });
    await recordAudit({
      actorId: options.actorId ?? null, action: "sae.import", targetType: "Sae", targetId: created.id,
      details: { name, path: sae.dir, hookName: sae.hookName, dSae: config.dSae, contentHash: sae.contentHash },
    }, tx);
    return { saeId: created.id, created: true, status: created.status };
  });
}
