/** API shapes for importing models and SAEs and following their dashboard runs (admins only). */
import { z } from "zod";
import { dateTime, nullableDateTime } from "../schemas";

const serverPath = z.string().trim().min(1).max(1000);

export const ImportRequestSchema = z
  .object({
    modelDir: serverPath.meta({ description: "Model package folder on the server" }),
    saeDirs: z.array(serverPath).min(1).max(32).meta({ description: "SAELens folders on the server" }),
    saeNames: z.array(z.string().trim().min(1).max(100)).max(32).optional(),
    corpus: serverPath.optional().meta({ description: "Corpus file or folder; without it the SAEs are only registered" }),
    tokens: z.number().int().positive().max(1_000_000_000).optional(),
    contextSize: z.number().int().min(2).max(65_536).optional(),
    batchSize: z.number().int().min(1).max(1024).optional(),
    seed: z.number().int().min(0).max(2_147_483_647).optional(),
  })
  .strict()
  .meta({ id: "ImportRequest" });

const RunSummarySchema = z.object({
  id: z.number().int(),
  status: z.enum(["queued", "running", "done", "failed"]),
  phase: z.string(),
  progress: z.number(),
});

export const ImportResultSchema = z
  .object({
    modelId: z.number().int(),
    modelName: z.string(),
    modelCreated: z.boolean(),
    saes: z.array(z.object({
      saeId: z.number().int(),
      name: z.string(),
      created: z.boolean(),
      hookName: z.string(),
      dSae: z.number().int(),
      run: RunSummarySchema.nullable(),
    })),
  })
  .meta({ id: "ImportResult" });

export const DashboardRunSchema = z
  .object({
    id: z.number().int(),
    saeId: z.number().int(),
    saeName: z.string(),
    modelName: z.string(),
    kind: z.enum(["compute", "neuronpedia"]),
    status: z.enum(["queued", "running", "done", "failed"]),
    phase: z.string(),
    progress: z.number().meta({ description: "0…1 over the whole run" }),
    batchesDone: z.number().int(),
    batchesTotal: z.number().int(),
    tokensDone: z.number(),
    message: z.string().nullable(),
    error: z.object({ code: z.string().optional(), message: z.string() }).nullable(),
    startedAt: nullableDateTime,
    finishedAt: nullableDateTime,
    updatedAt: dateTime,
  })
  .meta({ id: "DashboardRun" });

export const DashboardRunListSchema = z.object({ runs: z.array(DashboardRunSchema) }).meta({ id: "DashboardRunList" });
