/**
 * `npm run steer:hook-norms [-- --all] [-- --sae <id>]`
 * Measures the typical ‖h‖ at each SAE's hook (the unit of steering's "add" in hook-norm units,
 * docs/STEERING.md) for SAEs whose dashboards were computed before the dashboards pass measured it,
 * without recomputing the dashboards: it rebuilds the same dashboard contexts from the stored run's
 * parameters and runs one small forward pass per SAE (lib/steering/hook-norm.ts). --all remeasures
 * every SAE that has computed dashboards.
 */
import { parseArgs } from "node:util";
import { db, disconnectDb } from "../lib/db/client";
import { currentDatabaseUrl, parseDatabaseUrl } from "../lib/db/connection";
import { explainConnectionError } from "../lib/db/server";
import { saveTypicalHookNorm } from "../lib/db/steering";
import { buildContexts, type BuiltContexts } from "../lib/dashboards/corpus";
import type { DashboardParams } from "../lib/dashboards/run";
import { loadModelPackage, type ModelSession } from "../lib/model";
import { measureOnDashboardContexts } from "../lib/steering/hook-norm";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { all: { type: "boolean", default: false }, sae: { type: "string" } } });
  const only = values.sae === undefined ? undefined : Number(values.sae);
  if (only !== undefined && !(Number.isSafeInteger(only) && only > 0)) throw new Error(`--sae must be an SAE id, got "${values.sae}"`);
  const saes = await db().sae.findMany({
    where: { ...(only ? { id: only } : {}), ...(values.all || only ? {} : { typicalHookNorm: null }) },
    include: { model: true, dashboardRuns: { where: { kind: "compute", status: "done" }, orderBy: { id: "desc" }, take: 1 } },
    orderBy: { id: "asc" },
  });
  if (!saes.length) {
    console.log(only ? `No SAE ${only}.` : "Every SAE's typical hook norm is measured (--all remeasures).");
    return;
  }
  const models = new Map<number, ModelSession>();
  const contexts = new Map<string, BuiltContexts>();
  try {
    for (const sae of saes) {
      const run = sae.dashboardRuns[0];
      if (!run) {
        console.log(`${sae.name} (${sae.id}): no computed dashboards to take the corpus from; skipped (it is measured when its dashboards are computed).`);
        continue;
      }
      if (!sae.model.packagePath) {
        console.log(`${sae.name} (${sae.id}): browse-only (its model is known by name only); skipped.`);
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
        console.log(`reading ${params.corpus} (the dashboards' contexts)…`);
        built = await buildContexts(model.tokenizer, {
          corpusPath: params.corpus, tokens: params.tokens, heldoutTokens: params.heldoutTokens,
          contextSize: params.contextSize, bosTokenId, eosTokenId, seed: params.seed,
        });
        contexts.set(key, built);
      }
      const measured = await measureOnDashboardContexts(model, sae.hookName, built.dashboard, { seed: params.seed, bosTokenId, batchSize: params.batchSize });
      await saveTypicalHookNorm(sae.id, measured.mean);
      console.log(`${sae.name} (${sae.id}) at ${sae.hookName}: typical ‖h‖ = ${measured.mean.toFixed(4)} over ${measured.tokens.toLocaleString("en")} tokens`);
    }
  } finally {
    for (const model of models.values()) await model.dispose();
  }
}

main()
  .catch((error) => {
    const code = (error as { code?: string }).code;
    const message = code && /^(ECONN|ENOTFOUND|28P01|3D000)/.test(code)
      ? explainConnectionError(error, parseDatabaseUrl(currentDatabaseUrl()))
      : (error as Error).message;
    console.error(`✖ ${message}`);
    process.exitCode = 1;
  })
  .finally(() => disconnectDb().catch(() => undefined));
