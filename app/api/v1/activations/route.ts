/** POST /api/v1/activations — text through a model and its SAEs, via the inference service. */
import { ActivationsBodySchema, ActivationsResultSchema } from "@/lib/api/contracts/activations";
import { badRequest } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { currentLabels, saesOfModel } from "@/lib/db/inference";
import { inferenceActivations } from "@/lib/inference/client";
import { requireWeights } from "@/lib/db/weights";

export const dynamic = "force-dynamic";

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/activations",
  operationId: "featureActivations",
  summary: "Feature activations of a text",
  description:
    "Tokenizes the text (BOS first), runs the model and the given SAEs in the inference service, and returns each token's strongest features, the strongest features overall (BOS excluded) with their current labels, and the full activation of the requested features. Token texts are untrusted: render them as text.",
  tags: ["Inference"],
  access: "public",
  scope: "read",
  body: ActivationsBodySchema,
  response: ActivationsResultSchema,
  errors: [404, 409, 503],
  rateLimit: { limit: 60, windowMs: 60_000 },
  maxBodyBytes: 64 * 1024,
  handler: async ({ body }) => {
    const saeIds = body.saes.map((s) => s.saeId);
    const known = await saesOfModel(body.modelId, saeIds);
    const missing = saeIds.filter((id) => !known.some((s) => s.id === id));
    if (missing.length) throw badRequest(`SAE ${missing.join(", ")} is not an SAE of model ${body.modelId}.`);
    await requireWeights("Running text through an SAE", body.modelId, saeIds);
    const result = await inferenceActivations(body);
    const names = new Map(known.map((s) => [s.id, s.name]));
    const saes = await Promise.all(result.saes.map(async (sae) => {
      const labels = await currentLabels(sae.saeId, sae.top.map((t) => t.index));
      return { ...sae, saeName: names.get(sae.saeId) ?? String(sae.saeId), top: sae.top.map((t) => ({ ...t, label: labels.get(t.index) ?? null })) };
    }));
    return { ...result, saes };
  },
});
