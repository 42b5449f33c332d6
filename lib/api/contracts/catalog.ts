/** API shapes for the model/SAE catalogue. */
import { z } from "zod";
import { dateTime } from "../schemas";

export const SaeSummarySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    hookName: z.string().meta({ description: "TransformerLens hook, e.g. blocks.0.hook_resid_post" }),
    layer: z.number().int(),
    architecture: z.string().meta({ description: "standard | topk | jumprelu | gated" }),
    dIn: z.number().int(),
    dSae: z.number().int(),
    k: z.number().int().nullable(),
    status: z.enum(["registered", "computing", "ready", "failed"]),
    l0: z.number().nullable(),
    explainedVariance: z.number().nullable(),
    ceLossRecovered: z.number().nullable(),
    deadFraction: z.number().nullable(),
    labelledCount: z.number().int().meta({ description: "Features with a current label" }),
  })
  .meta({ id: "SaeSummary" });

export const ModelWithSaesSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    displayName: z.string().nullable(),
    architecture: z.string(),
    dModel: z.number().int(),
    nLayers: z.number().int(),
    nHeads: z.number().int().nullable(),
    dMlp: z.number().int().nullable(),
    nCtx: z.number().int(),
    dVocab: z.number().int(),
    tokenizer: z.string(),
    createdAt: dateTime,
    saes: z.array(SaeSummarySchema),
  })
  .meta({ id: "ModelWithSaes" });

export const ModelListSchema = z.object({ models: z.array(ModelWithSaesSchema) }).meta({ id: "ModelList" });
