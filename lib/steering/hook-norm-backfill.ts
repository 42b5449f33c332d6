/**
 * Measures the typical hook norm (lib/steering/hook-norm.ts) for SAEs whose dashboards were
 * computed before the dashboards pass measured it, without recomputing the dashboards: the same
 * dashboard contexts are rebuilt from the stored run's parameters and one small forward pass per
 * SAE measures N. `npm run steer:hook-norms` runs it.
 */
import { buildContexts, type BuiltContexts } from "@/lib/dashboards/corpus";
import type { DashboardParams } from "@/lib/dashboards/run";
import { saesForHookNorms, saveTypicalHookNorm } from "@/lib/db/steering";
import { loadModelPackage, type ModelSession } from "@/lib/model";
import { measureOnDashboardContexts } from "./hook-norm";

export interface BackfillResult {
  measured: { saeId: number; name: string; hookName: string; norm: number; tokens: number }[];
  skipped: { saeId: number; name: string; reason: string }[];
}

export async function backfillTypicalHookNorms(options: { all?: boolean; saeId?: number; log?: (line: string) => void } = {}): Promise<BackfillResult> {
  const log = options.log ?? (() => undefined);
  const saes = await saesForHookNorms(options);
  const result: BackfillResult = { measured: [], skipped: [] };
  const models = new Map<number, ModelSession>();
  const contexts = new Map<string, BuiltContexts>();
  try {
    for (const sae of saes) {
      const run = sae.dashboardRuns[0];
      if (!run) {
        result.skipped.push({ saeId: sae.id, name: sae.name, reason: "no computed dashboards to take the corpus from (it is measured when they are computed)" });
        continue;
      }
      if (!sae.model.packagePath) {
        result.skipped.push({ saeId: sae.id, name: sae.name, reason: "browse-only (its model is known by name only)" });
        continue;
      }
      const params = run.params as unknown as DashboardParams;
      let model = models.get(sae.modelId);
      if (!model) {
        model = await loadModelPackage(sae.model.packagePath);
        models.set(sae.modelId, model);
      }
      const { bosTokenId, eosTokenId } = model.manifest;
      const key = JSON.stringify([sae.modelId, params.corpus, params.tokens, params.heldoutTokens, params.contextSize, params.seed]);
      let built = contexts.get(key);
      if (!built) {
        log(`reading ${params.corpus} (the dashboards' contexts)…`);
        built = await buildContexts(model.tokenizer, {
          corpusPath: params.corpus, tokens: params.tokens, heldoutTokens: params.heldoutTokens,
          contextSize: params.contextSize, bosTokenId, eosTokenId, seed: params.seed,
        });
        contexts.set(key, built);
      }
      const measured = await measureOnDashboardContexts(model, sae.hookName, built.dashboard, { seed: params.seed, bosTokenId, batchSize: params.batchSize });
      await saveTypicalHookNorm(sae.id, measured.mean);
      result.measured.push({ saeId: sae.id, name: sae.name, hookName: sae.hookName, norm: measured.mean, tokens: measured.tokens });
      log(`${sae.name} (${sae.id}) at ${sae.hookName}: typical ‖h‖ = ${measured.mean.toFixed(4)} over ${measured.tokens.toLocaleString("en")} tokens`);
    }
  } finally {
    for (const model of models.values()) await model.dispose();
  }
  return result;
}
