/**
 * Attaching weights to a browse-only SAE: a model package and the SAE's SAELens folder, checked to
 * match the imported dashboards before anything is written — the SAE has at least as many features
 * as the dashboards, reads the same layer (and hook, when the import named one), and every token
 * string the dashboards show is in the model's vocabulary. Then, in one transaction, the dashboards'
 * token ids are moved onto the model's real vocabulary and the SAE gets its weights, so test-your-text,
 * search by inference and steering work; features, examples and labels are kept as they are.
 */
import { Prisma } from "@/lib/generated/prisma/client";
import { recordAudit } from "@/lib/db/audit";
import { db } from "@/lib/db/client";
import { copyInto, copyLine, rawSql } from "@/lib/db/dashboards";
import { forgetVocabulary } from "@/lib/db/vocabulary";
import { UNKNOWN_HOOK } from "./browse-only";
import { ImportError } from "./errors";
import { registerModel } from "./register";
import { validateModelPackage, validateSae } from "./validate";

export interface AttachRequest {
  modelName: string;
  saeName: string;
  modelDir: string;
  saeDir: string;
  actorId?: number | null;
}

export async function attachWeights(request: AttachRequest): Promise<{ saeId: number; modelId: number; modelName: string }> {
  const sae = await db().sae.findFirst({ where: { name: request.saeName, model: { name: request.modelName } }, include: { model: true } });
  if (!sae) throw new ImportError("IMPORT_ARGUMENT_INVALID", `there is no SAE ${request.modelName}/${request.saeName}`);
  if (sae.path !== null && sae.model.packagePath !== null) {
    throw new ImportError("IMPORT_ARGUMENT_INVALID", `${request.modelName}/${request.saeName} already has weights (${sae.path})`);
  }
  const model = await validateModelPackage(request.modelDir);
  const weights = await validateSae(request.saeDir, model.manifest);
  const problems: string[] = [];
  if (weights.config.dSae < sae.dSae) problems.push(`the SAE folder has d_sae ${weights.config.dSae}, but the dashboards have features up to index ${sae.dSae - 1}`);
  if (weights.layer !== sae.layer) problems.push(`the SAE folder reads layer ${weights.layer} (${weights.hookName}), the dashboards are of layer ${sae.layer}`);
  if (sae.hookName !== UNKNOWN_HOOK && sae.hookName !== weights.hookName) problems.push(`the SAE folder reads ${weights.hookName}, the dashboards were imported as ${sae.hookName}`);
  if (sae.path !== null && sae.contentHash !== weights.contentHash) problems.push(`the SAE already has weights from ${sae.path}, and these differ`);

  // every token string the dashboards show must be a token of the model
  const vocabulary = new Map<string, number>();
  model.tokenTexts.forEach((text, id) => { if (!vocabulary.has(text)) vocabulary.set(text, id); });
  const used = await rawSql()<Array<{ tokenId: number; text: string }>>`
    SELECT t."tokenId", t."text" FROM "Token" t WHERE t."modelId" = ${sae.modelId} AND t."tokenId" IN (
      SELECT unnest(e."tokenIds") FROM "ActivationExample" e JOIN "Feature" f ON f."id" = e."featureId" WHERE f."saeId" = ${sae.id}
      UNION SELECT unnest(f."logitTopTokenIds" || f."logitBottomTokenIds") FROM "Feature" f WHERE f."saeId" = ${sae.id})`;
  const missing = used.filter((t) => !vocabulary.has(t.text));
  if (missing.length > 0) {
    problems.push(`${missing.length} of the ${used.length} token strings the dashboards show are not tokens of ${model.manifest.name} ` +
      `(e.g. ${missing.slice(0, 5).map((t) => JSON.stringify(t.text)).join(", ")}): the dashboards were made with another tokenizer`);
  }
  if (problems.length > 0) {
    throw new ImportError("ATTACH_WEIGHTS_MISMATCH", `these weights do not match ${request.modelName}/${request.saeName}: ${problems.join("; ")}`);
  }

  // the model: the package's (registered now, or already); a name-only model of the same name is upgraded
  const nameOnly = sae.model.packagePath === null;
  const sameName = sae.model.name === model.manifest.name;
  let targetModelId: number;
  if (nameOnly && sameName) {
    targetModelId = sae.modelId;
  } else {
    targetModelId = (await registerModel(model, { actorId: request.actorId })).modelId;
  }
  const oldModelId = sae.modelId;
  const { config } = weights;
  await rawSql().begin(async (tx) => {
    // remap old token ids → the package's ids, by display text, for this SAE (and, when the
    // name-only model itself is upgraded, for every SAE of it)
    const saeIds = nameOnly && sameName
      ? (await tx<Array<{ id: number }>>`SELECT "id" FROM "Sae" WHERE "modelId" = ${oldModelId}`).map((r) => r.id)
      : [sae.id];
    await tx.unsafe(`CREATE TEMP TABLE "AttachVocabulary" ("tokenId" int, "text" text) ON COMMIT DROP`);
    await copyInto(tx, `"AttachVocabulary"`, ["tokenId", "text"], [...vocabulary].map(([text, id]) => copyLine([id, text])));
    await tx.unsafe(`CREATE TEMP TABLE "AttachRemap" ON COMMIT DROP AS
      SELECT o."tokenId" AS "old", v."tokenId" AS "new" FROM "Token" o JOIN "AttachVocabulary" v ON v."text" = o."text" WHERE o."modelId" = ${Number(oldModelId)}`);
    await tx.unsafe(`CREATE UNIQUE INDEX ON "AttachRemap" ("old")`);
    const remap = (column: string) =>
      `ARRAY(SELECT COALESCE(r."new", -1) FROM unnest(${column}) WITH ORDINALITY u(id, ord) LEFT JOIN "AttachRemap" r ON r."old" = u.id ORDER BY u.ord)`;
    await tx.unsafe(`UPDATE "ActivationExample" e SET "tokenIds" = ${remap(`e."tokenIds"`)}
      WHERE e."featureId" IN (SELECT "id" FROM "Feature" WHERE "saeId" = ANY($1::int[]))`, [saeIds]);
    await tx.unsafe(`UPDATE "Feature" f SET "logitTopTokenIds" = ${remap(`f."logitTopTokenIds"`)}, "logitBottomTokenIds" = ${remap(`f."logitBottomTokenIds"`)}
      WHERE f."saeId" = ANY($1::int[])`, [saeIds]);
    if (nameOnly && sameName) {
      const m = model.manifest;
      await tx`DELETE FROM "Token" WHERE "modelId" = ${oldModelId}`;
      await tx`INSERT INTO "Token" ("modelId", "tokenId", "text") SELECT ${oldModelId}, i - 1, t FROM unnest(${model.tokenTexts}::text[]) WITH ORDINALITY AS x(t, i)`;
      await tx`
        UPDATE "Model" SET "architecture" = ${m.architecture}, "dModel" = ${m.dModel}, "nLayers" = ${m.nLayers}, "nHeads" = ${m.nHeads},
          "dMlp" = ${m.dMlp}, "nCtx" = ${m.nCtx}, "dVocab" = ${m.dVocab}, "tokenizer" = ${m.tokenizer.type}, "bosTokenId" = ${m.bosTokenId},
          "packagePath" = ${model.dir}, "manifest" = ${tx.json(JSON.parse(JSON.stringify(m)))}, "updatedAt" = now()
        WHERE "id" = ${oldModelId}`;
    } else {
      await tx`UPDATE "Sae" SET "modelId" = ${targetModelId} WHERE "id" = ${sae.id}`;
    }
    await tx`
      UPDATE "Sae" SET "path" = ${weights.dir}, "contentHash" = ${weights.contentHash}, "cfg" = ${tx.json(JSON.parse(JSON.stringify(config.raw)))},
        "dIn" = ${config.dIn}, "dSae" = ${config.dSae}, "architecture" = ${config.architecture}, "k" = ${config.k ?? null},
        "normalizeActivations" = ${config.normalizeActivations}, "applyBDecToInput" = ${config.applyBDecToInput}, "dtype" = ${config.dtype},
        "hookName" = ${weights.hookName}, "layer" = ${weights.layer}, "updatedAt" = now()
      WHERE "id" = ${sae.id}`;
    // a name-only model left without SAEs has no purpose (its Token rows go with it)
    if (!(nameOnly && sameName) && nameOnly) {
      await tx`DELETE FROM "Model" WHERE "id" = ${oldModelId} AND NOT EXISTS (SELECT 1 FROM "Sae" WHERE "modelId" = ${oldModelId})`;
    }
  }).catch((error: { code?: string }) => {
    if (error.code === "23505") throw new ImportError("IMPORT_SAE_NAME_TAKEN", `${model.manifest.name} already has an SAE named ${request.saeName} or one with the same weights`);
    throw error;
  });
  forgetVocabulary(oldModelId);
  forgetVocabulary(targetModelId);
  await recordAudit({
    actorId: request.actorId ?? null, action: "sae.attach", targetType: "Sae", targetId: sae.id,
    details: { modelPackage: model.dir, saeFolder: weights.dir, contentHash: weights.contentHash, modelName: model.manifest.name } as Prisma.InputJsonValue,
  });
  return { saeId: sae.id, modelId: targetModelId, modelName: model.manifest.name };
}
