/**
 * API shapes of the browse endpoints (SAE feature table, feature dashboards, example pages). The
 * query schemas live beside their queries in lib/db; these describe what the routes return.
 */
import { z } from "zod";

const labelStatus = z.enum(["draft", "accepted", "rejected"]);

export const SaeParamsSchema = z.object({
  saeId: z.coerce.number().int().positive().max(2_147_483_647).meta({ description: "SAE id" }),
});

export const FeatureParamsSchema = SaeParamsSchema.extend({
  index: z.coerce.number().int().nonnegative().max(2_147_483_647).meta({ description: "Feature index within the SAE (0 … d_sae − 1)" }),
});

export const SaeDetailSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    hookName: z.string().meta({ description: "TransformerLens hook, e.g. blocks.0.hook_resid_post" }),
    layer: z.number().int(),
    architecture: z.string().nullable().meta({ description: "null for a browse-only SAE" }),
    dIn: z.number().int().nullable().meta({ description: "null for a browse-only SAE" }),
    dSae: z.number().int(),
    hasWeights: z.boolean().meta({ description: "false for a browse-only SAE (imported from dashboards without weights): it cannot run text (test text, search by inference, steering)" }),
    k: z.number().int().nullable(),
    status: z.string(),
    l0: z.number().nullable(),
    explainedVariance: z.number().nullable(),
    ceLossRecovered: z.number().nullable(),
    deadFraction: z.number().nullable(),
    denseFraction: z.number().nullable(),
    dashboardCorpus: z.string().nullable(),
    dashboardTokens: z.number().nullable(),
    dashboardContextSize: z.number().int().nullable(),
    logitEffects: z.union([
      z.object({ version: z.number().int(), readout: z.string(), notFolded: z.string() }),
      z.string(),
    ]).nullable().meta({
      description: "How the stored logit effects were computed: version 2 folds the final LayerNorm's weight into W_U and centres it over d_model (TransformerLens fold_ln); a string is the older record (raw W_U, recomputed by the job worker); null when not recorded (e.g. imported)",
    }),
    model: z.object({ id: z.number().int(), name: z.string(), displayName: z.string().nullable(), architecture: z.string().nullable(), dVocab: z.number().int().nullable() }),
  })
  .meta({ id: "SaeDetail" });

export const FeatureTableRowSchema = z
  .object({
    index: z.number().int(),
    density: z.number().meta({ description: "Fraction of dashboard-corpus tokens on which the feature is active" }),
    maxActivation: z.number(),
    dead: z.boolean(),
    labelStatus: labelStatus.nullable(),
    labelScore: z.number().nullable(),
    labelText: z.string().nullable(),
    labelSource: z.enum(["human", "model"]).nullable(),
  })
  .meta({ id: "FeatureTableRow" });

export const FeatureTablePageSchema = z
  .object({
    rows: z.array(FeatureTableRowSchema),
    sort: z.enum(["index", "density", "maxActivation", "labelStatus", "labelScore"]),
    order: z.enum(["asc", "desc"]),
    total: z.number().int().meta({ description: "Features matching the filters (at least this many when totalAtLeast)" }),
    totalAtLeast: z.boolean().meta({ description: "True when more than `total` features match: filtered counts stop at 1,000" }),
    nextCursor: z.string().nullable().meta({ description: "Pass as `after` for the next page; null on the last" }),
    prevCursor: z.string().nullable().meta({ description: "Pass as `before` for the previous page; null on the first" }),
  })
  .meta({ id: "FeatureTablePage" });

export const ActivationExampleSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(["top", "interval", "random"]),
    rank: z.number().int(),
    intervalIndex: z.number().int().nullable(),
    tokenIds: z.array(z.number().int()),
    tokens: z.array(z.string()).meta({ description: "Display text of each token (plain text, never HTML)" }),
    values: z.array(z.number()).meta({ description: "The feature's activation on each token" }),
    maxValue: z.number(),
    maxPosition: z.number().int(),
  })
  .meta({ id: "ActivationExample" });

export const ExamplePageSchema = z
  .object({
    examples: z.array(ActivationExampleSchema),
    nextAfter: z.number().int().nullable().meta({ description: "Pass as `after` for the next page; null on the last" }),
  })
  .meta({ id: "ActivationExamplePage" });

const tokenValue = z.object({ tokenId: z.number().int(), text: z.string(), value: z.number() });
const histogram = z.object({ min: z.number(), max: z.number(), counts: z.array(z.number().int()) }).nullable();

export const FeatureDetailSchema = z
  .object({
    sae: SaeDetailSchema,
    feature: z.object({
      id: z.number().int(),
      index: z.number().int(),
      maxActivation: z.number(),
      density: z.number(),
      dead: z.boolean(),
      ultraRare: z.boolean(),
      histogram: histogram.meta({ description: "Non-zero activations in equal-width bins over [min, max]" }),
      intervalShares: z.array(z.number().nullable()).meta({ description: "Share of active tokens in each linear interval of (0, max]; null for an interval an imported dashboard does not state" }),
      logitTop: z.array(tokenValue).meta({ description: "Most promoted tokens: decoder direction · W_U with the final LayerNorm's scale folded in (sae.logitEffects says how they were computed)" }),
      logitBottom: z.array(tokenValue),
      logitHistogram: histogram,
      neighbours: z.array(z.object({
        index: z.number().int(),
        cosine: z.number().meta({ description: "Decoder cosine similarity" }),
        labelText: z.string().nullable(),
        density: z.number().nullable(),
        dead: z.boolean(),
      })),
      labelStatus: labelStatus.nullable(),
      labelScore: z.number().nullable(),
    }),
    labels: z.array(z.object({
      id: z.number().int(),
      text: z.string(),
      source: z.enum(["human", "model"]),
      status: labelStatus,
      version: z.number().int(),
      authorName: z.string().nullable(),
      provenance: z.unknown().meta({ description: "For model-written labels: provider, model, prompt version" }),
      detectionScore: z.number().nullable(),
      simulationScore: z.number().nullable(),
      voteScore: z.number().int(),
      isCurrent: z.boolean(),
      updatedAt: z.string(),
    })),
    topExamples: z.array(ActivationExampleSchema).meta({ description: "First page of top examples; page on with …/examples?kind=top" }),
    topNextAfter: z.number().int().nullable(),
    topTotal: z.number().int(),
    intervals: z.array(z.object({
      intervalIndex: z.number().int(),
      min: z.number(),
      max: z.number(),
      share: z.number().nullable(),
      examples: z.array(ActivationExampleSchema),
      nextAfter: z.number().int().nullable(),
      total: z.number().int(),
    })),
    prevIndex: z.number().int().nullable(),
    nextIndex: z.number().int().nullable(),
  })
  .meta({ id: "FeatureDetail" });

export const RandomFeatureSchema = z
  .object({ index: z.number().int().nullable().meta({ description: "A random live feature; null when every feature is dead" }) })
  .meta({ id: "RandomFeature" });
