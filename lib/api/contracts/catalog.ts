/** API shapes for the model/SAE catalogue. */
import { z } from "zod";
import { dateTime } from "../schemas";

export const SaeSummarySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    hookName: z.string().meta({ description: "TransformerLens hook, e.g. blocks.0.hook_resid_post" }),
    layer: z.number().int(),
    architecture: z.string().nullable().meta({ description: "standard | topk | jumprelu | gated; null for a browse-only SAE" }),
    dIn: z.number().int().nullable().meta({ description: "null for a browse-only SAE" }),
    dSae: z.number().int(),
    k: z.number().int().nullable(),
    status: z.enum(["registered", "computing", "ready", "failed"]),
    l0: z.number().nullable(),
    explainedVariance: z.number().nullable(),
    ceLossRecovered: z.number().nullable(),
    deadFraction: z.number().nullable(),
    labelledCount: z.number().int().meta({ description: "Features with a current label" }),
    hasWeights: z.boolean().meta({
      description: "false for a browse-only SAE (imported from dashboards without the model's or the SAE's weights): its features can be browsed, searched by label and activation text, labelled and exported, but not run (test text, search by inference, steering)",
    }),
  })
  .meta({ id: "SaeSummary" });

export const ModelWithSaesSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    displayName: z.string().nullable(),
    architecture: z.string().nullable(),
    dModel: z.number().int().nullable(),
    nLayers: z.number().int().nullable(),
    nHeads: z.number().int().nullable(),
    dMlp: z.number().int().nullable(),
    nCtx: z.number().int().nullable(),
    dVocab: z.number().int().nullable(),
    tokenizer: z.string().nullable(),
    knownByNameOnly: z.boolean().meta({ description: "true when no model package is registered (the model's SAEs are browse-only); the numbers above are then null" }),
    createdAt: dateTime,
    saes: z.array(SaeSummarySchema),
  })
  .meta({ id: "ModelWithSaes" });

export const ModelListSchema = z.object({ models: z.array(ModelWithSaesSchema) }).meta({ id: "ModelList" });
