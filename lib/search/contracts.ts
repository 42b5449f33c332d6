/**
 * The search API's zod schemas: one per input, shared by the routes (app/api/v1/search/**), the
 * search page (which parses its URL with the same schemas, so a page URL and an API URL take the
 * same parameters) and lib/db/search.ts.
 */
import { z } from "zod";
import { decodeSearchCursor } from "./cursor";

export const LABEL_FILTERS = ["any", "human", "model", "unlabelled"] as const;
export type LabelFilter = (typeof LABEL_FILTERS)[number];

/** Empty strings (an untouched form field) mean "not given". */
const blankToUndefined = (value: unknown) => (value === "" || value === null ? undefined : value);

const density = z.preprocess(blankToUndefined, z.coerce.number().finite().min(0).max(1).optional());

/** Filters every search takes. */
const filterFields = {
  model: z.preprocess(blankToUndefined, z.string().max(200).optional()).meta({ description: "Model name" }),
  sae: z.preprocess(blankToUndefined, z.coerce.number().int().positive().max(2_147_483_647).optional()).meta({
    description: "SAE id (see GET /api/v1/models); narrows to one SAE",
  }),
  labels: z.preprocess(blankToUndefined, z.enum(LABEL_FILTERS).default("any")).meta({
    description:
      "human / model: label search keeps labels written by people / by a model (activation search: the feature's current label); " +
      "unlabelled: features without an accepted label",
  }),
  minDensity: density.meta({ description: "Lowest feature density (fraction of tokens, 0–1)" }),
  maxDensity: density.meta({ description: "Highest feature density (fraction of tokens, 0–1)" }),
  after: z.preprocess(
    blankToUndefined,
    z.string().max(200).refine((cursor) => decodeSearchCursor(cursor) !== null, "Not a cursor from a previous page of these results; search again without it.").optional(),
  ).meta({
    description: "Keyset cursor: the previous page's nextCursor",
  }),
  limit: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100).default(20)).meta({ description: "Page size (1–100)" }),
};

export const labelSearchQuerySchema = z
  .object({
    q: z.string().trim().min(1, "Type something to search for").max(200).meta({
      description: "Words to find in labels; typos and partial words are tolerated",
    }),
    ...filterFields,
  })
  .meta({ id: "LabelSearchQuery" });
export type LabelSearchQuery = z.output<typeof labelSearchQuerySchema>;

export const activationSearchQuerySchema = z
  .object({
    q: z.string().min(1, "Type a token or a string").max(200).refine((s) => s.trim().length > 0, "Type a token or a string").meta({
      description: "A token or string to find in features' top activating examples (case-insensitive)",
    }),
    ...filterFields,
  })
  .meta({ id: "ActivationSearchQuery" });
export type ActivationSearchQuery = z.output<typeof activationSearchQuerySchema>;

export const semanticSearchQuerySchema = labelSearchQuerySchema.meta({ id: "SemanticSearchQuery" });
export type SemanticSearchQuery = z.output<typeof semanticSearchQuerySchema>;

export const TextRangeSchema = z.object({ start: z.number().int(), end: z.number().int() });

export const SearchFeatureSchema = z
  .object({
    modelName: z.string(),
    saeId: z.number().int(),
    saeName: z.string(),
    hookName: z.string(),
    index: z.number().int(),
    density: z.number(),
    maxActivation: z.number(),
    dead: z.boolean(),
    url: z.string().meta({ description: "The feature page, relative to the site" }),
  })
  .meta({ id: "SearchFeature" });

export const LabelHitSchema = z
  .object({
    id: z.number().int(),
    text: z.string(),
    source: z.enum(["human", "model"]),
    status: z.enum(["draft", "accepted", "rejected"]),
    voteScore: z.number().int(),
    detectionScore: z.number().nullable(),
    simulationScore: z.number().nullable(),
    isCurrent: z.boolean().meta({ description: "Whether this is the label the feature currently shows" }),
    highlights: z.array(TextRangeSchema).meta({ description: "Character ranges of text that matched the query" }),
  })
  .meta({ id: "LabelHit" });

export const SearchTermSchema = z.object({
  word: z.string(),
  lexeme: z.string().nullable().meta({ description: "Stem searched for; null for stop words, which are ignored" }),
  corrections: z.array(z.object({ lexeme: z.string(), similarity: z.number() })).meta({
    description: "Vocabulary stems this word may be a typo of",
  }),
});

export const LabelSearchPageSchema = z
  .object({
    terms: z.array(SearchTermSchema),
    relaxed: z.boolean().meta({ description: "No label had every term, so labels with any term are shown" }),
    candidates: z.number().int().meta({ description: "Labels that matched and were ranked (at most 300)" }),
    truncated: z.boolean().meta({
      description: "More labels matched than were ranked: the ranked ones are those rated best (review status, votes, auto-interp scores, brevity); narrow the query or add filters to reach others",
    }),
    results: z.array(z.object({ feature: SearchFeatureSchema, label: LabelHitSchema, score: z.number() })),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "LabelSearchPage" });
export type LabelSearchPage = z.input<typeof LabelSearchPageSchema>;

export const MatchedExampleSchema = z
  .object({
    id: z.number().int(),
    tokenIds: z.array(z.number().int()),
    tokens: z.array(z.string()).meta({ description: "Display text of each token (untrusted: render as text)" }),
    values: z.array(z.number()),
    maxValue: z.number(),
    maxPosition: z.number().int(),
    matchStart: z.number().int().meta({ description: "Position (0-based) of the first matched token" }),
    matchLength: z.number().int(),
  })
  .meta({ id: "MatchedExample" });

export const ActivationSearchPageSchema = z
  .object({
    modelName: z.string(),
    pieces: z.array(z.object({ text: z.string(), tokenIds: z.array(z.number().int()) })).meta({
      description: "The query as vocabulary entries, each with every token id that has that text",
    }),
    results: z.array(
      z.object({
        feature: SearchFeatureSchema,
        labelText: z.string().nullable(),
        score: z.number().meta({ description: "0.7 × activation at the match / feature max + 0.3 × share of top examples with the match (of 10)" }),
        matchActivation: z.number(),
        matchingExamples: z.number().int(),
        example: MatchedExampleSchema,
      }),
    ),
    truncated: z.boolean().meta({ description: "More examples contained the text than were examined" }),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "ActivationSearchPage" });
export type ActivationSearchPage = z.input<typeof ActivationSearchPageSchema>;

export const SemanticSearchPageSchema = z
  .object({
    enabled: z.boolean(),
    embeddingModel: z.string().nullable(),
    results: z.array(z.object({ feature: SearchFeatureSchema, label: LabelHitSchema, score: z.number().meta({ description: "Cosine similarity" }) })),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "SemanticSearchPage" });
export type SemanticSearchPage = z.input<typeof SemanticSearchPageSchema>;

// ---------------------------------------------------------------------------------------------
// Saving search results to a feature list (POST /api/v1/lists/{id}/items/bulk). The lists' own
// schemas (FeatureList, CreateFeatureList…) are in lib/labels/contracts.ts.
// ---------------------------------------------------------------------------------------------

/** Features one request may add: more than any search page shows. */
export const SAVE_TO_LIST_MAX = 500;

export const SaveToListBodySchema = z
  .object({
    features: z
      .array(z.object({ saeId: z.number().int().positive().max(2_147_483_647), index: z.number().int().nonnegative().max(2_147_483_647) }))
      .min(1, "Choose at least one feature")
      .max(SAVE_TO_LIST_MAX, `At most ${SAVE_TO_LIST_MAX} features at once`)
      .meta({ description: "Features by SAE id and index, appended in this order; features already in the list are skipped (counted in alreadyInList), repeats count once" }),
  })
  .meta({ id: "SaveFeaturesToList" });
export type SaveToListBody = z.input<typeof SaveToListBodySchema>;

export const SaveToListResultSchema = z
  .object({
    list: z.object({ id: z.number().int(), name: z.string(), itemCount: z.number().int() }),
    added: z.number().int().meta({ description: "Features newly appended" }),
    alreadyInList: z.number().int().meta({ description: "Features that were in the list already (not duplicated)" }),
  })
  .meta({ id: "SaveFeaturesToListResult" });
export type SaveToListResult = z.output<typeof SaveToListResultSchema>;
