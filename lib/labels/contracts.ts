/** The labels API's input and output schemas, shared by route handlers and the browser components. */
import { z } from "zod";
import { dateTime, nullableDateTime } from "../api/schemas";

export const LABEL_TEXT_MAX = 500;
export const COMMENT_MAX = 10_000;

export const LabelStatusSchema = z.enum(["draft", "accepted", "rejected"]);
export const LabelSourceSchema = z.enum(["human", "model"]);

export const LabelSchema = z
  .object({
    id: z.number().int(),
    featureId: z.number().int(),
    saeId: z.number().int(),
    featureIndex: z.number().int(),
    text: z.string(),
    source: LabelSourceSchema,
    status: LabelStatusSchema,
    version: z.number().int().meta({ description: "Send back as `version` when editing (optimistic concurrency)" }),
    author: z.object({ id: z.number().int(), name: z.string().nullable() }).nullable(),
    provenance: z.unknown().nullable().meta({ description: "Model-written labels: provider, model, prompt version, examples shown" }),
    detectionScore: z.number().nullable().meta({ description: "Balanced accuracy of detection (0–1)" }),
    simulationScore: z.number().nullable().meta({ description: "Pearson correlation of simulated and true activations" }),
    scoreDetails: z.unknown().nullable(),
    voteScore: z.number().int(),
    myVote: z.number().int().meta({ description: "The caller's vote: -1, 0 or 1" }),
    isCurrent: z.boolean(),
    pinned: z.boolean().meta({ description: "A reviewer chose this label as the feature's current one" }),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: "Label" });
export type LabelDto = z.output<typeof LabelSchema>;

export const FeatureLabelsSchema = z
  .object({
    featureId: z.number().int(),
    saeId: z.number().int(),
    featureIndex: z.number().int(),
    currentLabelId: z.number().int().nullable(),
    labels: z.array(LabelSchema),
  })
  .meta({ id: "FeatureLabels" });

export const CreateLabelSchema = z
  .object({
    text: z.string().trim().min(1).max(LABEL_TEXT_MAX),
    note: z.string().trim().max(500).optional(),
  })
  .meta({ id: "CreateLabel" });

export const UpdateLabelSchema = z
  .object({
    version: z.number().int().positive().max(2_147_483_647).meta({ description: "The version you edited; a newer stored version → 409" }),
    text: z.string().trim().min(1).max(LABEL_TEXT_MAX).optional(),
    status: LabelStatusSchema.optional(),
    note: z.string().trim().max(500).optional(),
  })
  .refine((body) => body.text !== undefined || body.status !== undefined, { message: "Change text or status (or both)." })
  .meta({ id: "UpdateLabel" });

export const ReviewLabelSchema = z
  .object({
    action: z.enum(["accept", "reject", "reopen"]),
    version: z.number().int().positive().max(2_147_483_647).meta({ description: "The version you reviewed; a newer stored version → 409 (nobody accepts text they have not seen)" }),
    note: z.string().trim().max(500).optional(),
  })
  .meta({ id: "ReviewLabel" });

export const VoteSchema = z.object({ value: z.union([z.literal(-1), z.literal(0), z.literal(1)]) }).meta({ id: "Vote" });
export const PinSchema = z.object({ pinned: z.boolean() }).meta({ id: "PinLabel" });

export const LabelRevisionSchema = z
  .object({
    id: z.number().int(),
    version: z.number().int(),
    text: z.string(),
    status: LabelStatusSchema,
    editor: z.object({ id: z.number().int(), name: z.string().nullable() }).nullable(),
    note: z.string().nullable(),
    createdAt: dateTime,
  })
  .meta({ id: "LabelRevision" });
export const LabelRevisionsSchema = z.object({ labelId: z.number().int(), revisions: z.array(LabelRevisionSchema) });

/** The 409 body's details: what is stored now and what the caller tried to save. */
export interface LabelConflictDetails {
  current: LabelDto;
  submitted: { version: number; text?: string; status?: string };
}

export const CommentSchema = z
  .object({
    id: z.number().int(),
    featureId: z.number().int(),
    author: z.object({ id: z.number().int(), name: z.string().nullable() }).nullable(),
    body: z.string().meta({ description: "Markdown source (empty once deleted)" }),
    html: z.string().meta({ description: "The body rendered as sanitised HTML" }),
    deleted: z.boolean(),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: "Comment" });
export type CommentDto = z.output<typeof CommentSchema>;
export const CommentsSchema = z.object({ comments: z.array(CommentSchema) });
export const CreateCommentSchema = z.object({ body: z.string().trim().min(1).max(COMMENT_MAX) }).meta({ id: "CreateComment" });

export const BookmarkStateSchema = z.object({ bookmarked: z.boolean() });
export const FeatureRefSchema = z
  .object({
    featureId: z.number().int(),
    saeId: z.number().int(),
    index: z.number().int(),
    modelName: z.string(),
    saeName: z.string(),
    labelText: z.string().nullable(),
  })
  .meta({ id: "FeatureRef" });
export const BookmarksSchema = z.object({ bookmarks: z.array(FeatureRefSchema.extend({ createdAt: dateTime })) });

export const FeatureListSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    isPublic: z.boolean().meta({ description: "Anyone with the share link may read it" }),
    shareToken: z.string().nullable().meta({ description: "Only shown to the owner" }),
    owner: z.object({ id: z.number().int(), name: z.string().nullable() }),
    itemCount: z.number().int(),
    items: z.array(FeatureRefSchema.extend({ position: z.number().int(), note: z.string().nullable() })).optional(),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: "FeatureList" });
export type FeatureListDto = z.output<typeof FeatureListSchema>;
export const FeatureListsSchema = z.object({ lists: z.array(FeatureListSchema) });
export const CreateListSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(2000).optional(),
    isPublic: z.boolean().default(false),
  })
  .meta({ id: "CreateFeatureList" });
export const UpdateListSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(2000).nullable().optional(),
    isPublic: z.boolean().optional(),
    rotateShareToken: z.boolean().optional(),
  })
  .meta({ id: "UpdateFeatureList" });
export const AddListItemSchema = z
  .object({
    saeId: z.number().int().positive().max(2_147_483_647),
    index: z.number().int().nonnegative().max(2_147_483_647),
    note: z.string().trim().max(1000).optional(),
  })
  .meta({ id: "AddFeatureListItem" });

export const QueueNextSchema = z
  .object({
    saeId: z.number().int(),
    index: z.number().int().nullable().meta({ description: "The next feature to label; null when none is left" }),
    remaining: z.number().int(),
  })
  .meta({ id: "LabellingNext" });

export const ProgressSchema = z
  .object({
    saeId: z.number().int(),
    features: z.number().int().meta({ description: "Live (not dead) features" }),
    labelled: z.number().int().meta({ description: "Features whose current label is accepted" }),
    drafted: z.number().int().meta({ description: "Features whose current label is an unreviewed draft" }),
    unlabelled: z.number().int(),
    share: z.number().meta({ description: "labelled / features" }),
    byAuthor: z.array(z.object({ authorId: z.number().int().nullable(), name: z.string(), source: LabelSourceSchema, labelled: z.number().int() })),
  })
  .meta({ id: "LabellingProgress" });
export type ProgressDto = z.output<typeof ProgressSchema>;

export { nullableDateTime };
