/**
 * Logit effects as the dashboards store them: one place that computes them with the dashboard
 * settings (top/bottom 10, 50-bin histogram) for a compute run, and the recompute that brings a
 * database computed under an older convention up to date (the final LayerNorm was not folded into
 * W_U before LOGIT_EFFECTS_VERSION 2). The job worker runs the recompute at start; it loads each
 * stale SAE's model and weights once, costs one d_sae × d_model × d_vocab product in ONNX Runtime
 * per SAE (well under a second for the demo SAEs) and touches nothing but the logit columns.
 */
import { replaceLogitEffects, saesWithStaleLogitEffects, type FeatureLogitValues } from "@/lib/db/logit-effects";
import { loadModelPackage, logitEffects, type LogitEffects, type ModelSession } from "@/lib/model";
import { LOGIT_EFFECTS_CONVENTION } from "@/lib/model/logit-effects-convention";
import { loadSae, type Sae } from "@/lib/sae";

export const LOGIT_TOP_K = 10;
export const LOGIT_HISTOGRAM_BINS = 50;

/** The dashboards' logit effects of every feature of the SAE. */
export function dashboardLogitEffects(model: ModelSession, sae: Sae, hookName: string): Promise<LogitEffects> {
  return logitEffects(model, sae, { hookName, topK: LOGIT_TOP_K, histogramBins: LOGIT_HISTOGRAM_BINS });
}

/** Feature i's logit columns. */
export function featureLogitValues(effects: LogitEffects, i: number): FeatureLogitValues {
  const k = effects.topK;
  const bins = effects.histogram!.bins;
  return {
    index: i,
    logitTopTokenIds: effects.topTokens.subarray(i * k, (i + 1) * k),
    logitTopValues: effects.topValues.subarray(i * k, (i + 1) * k),
    logitBottomTokenIds: effects.bottomTokens.subarray(i * k, (i + 1) * k),
    logitBottomValues: effects.bottomValues.subarray(i * k, (i + 1) * k),
    logitHistogramMin: effects.histogram!.min[i],
    logitHistogramMax: effects.histogram!.max[i],
    logitHistogramCounts: effects.histogram!.counts.subarray(i * bins, (i + 1) * bins),
  };
}

/**
 * Recomputes the logit effects of every ready SAE whose stored effects predate the current
 * convention. Returns the SAE ids refreshed; an SAE that fails is logged and left as it was.
 */
export async function refreshStaleLogitEffects(options: { log?: (line: string) => void; intraOpNumThreads?: number } = {}): Promise<number[]> {
  const log = options.log ?? (() => undefined);
  const stale = await saesWithStaleLogitEffects();
  const refreshed: number[] = [];
  const models = new Map<string, ModelSession>();
  try {
    for (const row of stale) {
      let sae: Sae | undefined;
      try {
        let model = models.get(row.packagePath);
        if (!model) {
          model = await loadModelPackage(row.packagePath, { intraOpNumThreads: options.intraOpNumThreads });
          models.set(row.packagePath, model);
        }
        sae = await loadSae(row.path, { hookWidth: model.hookWidth(row.hookName), intraOpNumThreads: options.intraOpNumThreads });
        const effects = await dashboardLogitEffects(model, sae, row.hookName);
        const features = function* () { for (let i = 0; i < sae!.dSae; i++) yield featureLogitValues(effects, i); };
        const updated = await replaceLogitEffects(row.id, features(), LOGIT_EFFECTS_CONVENTION);
        refreshed.push(row.id);
        log(`logit effects of SAE ${row.name} recomputed with the final LayerNorm folded in (${updated} features)`);
      } catch (error) {
        log(`logit effects of SAE ${row.name} could not be recomputed: ${(error as Error).message}`);
      } finally {
        await sae?.dispose().catch(() => undefined);
      }
    }
  } finally {
    for (const model of models.values()) await model.dispose().catch(() => undefined);
  }
  return refreshed;
}
