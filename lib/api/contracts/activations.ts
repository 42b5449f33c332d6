/** POST /api/v1/activations: run text through a model and its SAEs (test your text, search by inference). */
import { z } from "zod";
import { ActivationsRequestSchema, SaeActivationsSchema, TokenSchema } from "@/lib/inference/protocol";

export const ActivationsBodySchema = ActivationsRequestSchema.meta({ id: "ActivationsRequest" });

export const ActivationsResultSchema = z
  .object({
    modelId: z.number().int(),
    executionProvider: z.string(),
    tokens: z.array(TokenSchema),
    saes: z.array(
      SaeActivationsSchema.extend({
        saeName: z.string(),
        top: z.array(z.object({
          index: z.number().int(), maxValue: z.number(), position: z.number().int(), activeTokens: z.number().int(),
          label: z.string().nullable(),
        })),
      }),
    ),
    timingsMs: z.object({ total: z.number(), forward: z.number(), encode: z.number() }),
  })
  .meta({ id: "ActivationsResult" });
