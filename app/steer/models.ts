/** Server helpers for the steering pages: the model options and a form state from a URL or a saved run. */
import { listModelsWithSaes } from "@/lib/db/catalog";
import { getSteeringRun, typicalHookNorms } from "@/lib/db/steering";
import { SteerRequestSchema } from "@/lib/inference/protocol";
import { parseSteerQuery } from "@/lib/steering/query";
import type { SteerFormState, SteerModelOption } from "./types";

export const DEFAULT_PROMPT = "I went for a walk and saw";

export async function steerModelOptions(): Promise<SteerModelOption[]> {
  const models = await listModelsWithSaes();
  // browse-only SAEs (and models known by name only) cannot be steered: they need weights (docs/IMPORT.md)
  const steerable = models.filter((m) => !m.knownByNameOnly);
  const norms = await typicalHookNorms(steerable.flatMap((m) => m.saes.map((s) => s.id)));
  return steerable.map((m) => ({
    id: m.id, name: m.name, displayName: m.displayName,
    saes: m.saes.filter((s) => s.hasWeights).map((s) => ({ id: s.id, name: s.name, hookName: s.hookName, dSae: s.dSae, typicalHookNorm: norms.get(s.id) ?? null })),
  }));
}

type RawParams = Record<string, string | string[] | undefined>;

/** The form's first state: a saved run (?run=<id>), a deep link (?model=&sae=&feature=…), or empty. */
export async function initialFormState(models: SteerModelOption[], params: RawParams): Promise<SteerFormState> {
  const base: SteerFormState = { modelId: models.find((m) => m.saes.length)?.id ?? models[0]?.id ?? null, prompt: DEFAULT_PROMPT, features: [], temperature: 0.7, topP: 0.9, maxTokens: 40, seed: 0 };
  const runId = typeof params.run === "string" ? params.run : null;
  if (runId !== null) {
    const run = await getSteeringRun(runId);
    const parsed = run ? SteerRequestSchema.safeParse(run.params) : null;
    if (parsed?.success) {
      const p = parsed.data;
      return { modelId: p.modelId, prompt: p.prompt, features: p.features, temperature: p.temperature, topP: p.topP, maxTokens: p.maxTokens, seed: p.seed };
    }
  }
  const link = parseSteerQuery(params);
  const sae = link.saeId ? models.flatMap((m) => m.saes.map((s) => ({ ...s, modelId: m.id }))).find((s) => s.id === link.saeId) : undefined;
  const modelId = sae?.modelId ?? (models.some((m) => m.id === link.modelId) ? link.modelId! : base.modelId);
  const features = sae && link.feature !== undefined && link.feature < sae.dSae
    ? [{ saeId: sae.id, index: link.feature, method: link.method, value: link.value, ...(link.unit ? { unit: link.unit } : {}) }]
    : [];
  return { ...base, modelId, features, prompt: link.prompt ?? base.prompt };
}
