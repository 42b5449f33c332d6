/**
 * Stored logit effects (Feature.logit* columns, and how they were computed in
 * Sae.metricsDetails.logitEffects): which SAEs hold effects computed under an older convention, and
 * replacing one SAE's effects in place — the migration path for databases whose dashboards were
 * computed before the final LayerNorm was folded into W_U (lib/dashboards/logit-refresh.ts).
 */
import postgres from "postgres";
import { LOGIT_EFFECTS_VERSION } from "@/lib/model/logit-effects-convention";
import { copyInto, copyLine, rawSql } from "./dashboards";

/** The logit columns of one Feature row. */
export interface FeatureLogitValues {
  index: number;
  logitTopTokenIds: ArrayLike<number>;
  logitTopValues: ArrayLike<number>;
  logitBottomTokenIds: ArrayLike<number>;
  logitBottomValues: ArrayLike<number>;
  logitHistogramMin: number | null;
  logitHistogramMax: number | null;
  logitHistogramCounts: ArrayLike<number>;
}

const LOGIT_COLUMNS = [
  "index", "logitTopTokenIds", "logitTopValues", "logitBottomTokenIds", "logitBottomValues",
  "logitHistogramMin", "logitHistogramMax", "logitHistogramCounts",
] as const;

export interface StaleLogitSae {
  id: number;
  name: string;
  hookName: string;
  path: string;
  packagePath: string;
}

/**
 * Ready SAEs whose dashboard run recorded logit effects under an older convention. SAEs without a
 * record (imported from a Neuronpedia export, which brings its own logit effects) are left alone.
 */
export async function saesWithStaleLogitEffects(): Promise<StaleLogitSae[]> {
  return rawSql()<StaleLogitSae[]>`
    SELECT s."id", s."name", s."hookName", s."path", m."packagePath"
    FROM "Sae" s JOIN "Model" m ON m."id" = s."modelId"
    WHERE s."status" = 'ready' AND s."metricsDetails" ? 'logitEffects'
      AND (s."metricsDetails" -> 'logitEffects' ->> 'version') IS DISTINCT FROM ${String(LOGIT_EFFECTS_VERSION)}
    ORDER BY s."id"`;
}

/**
 * In one transaction: overwrites the logit columns of the SAE's existing Feature rows (nothing else
 * of them) and records the convention in metricsDetails.logitEffects. Returns the rows updated.
 */
export async function replaceLogitEffects(saeId: number, features: Iterable<FeatureLogitValues>, convention: Record<string, unknown>): Promise<number> {
  return rawSql().begin(async (tx) => {
    const columns = LOGIT_COLUMNS.map((c) => `"${c}"`).join(", ");
    await tx.unsafe(`DROP TABLE IF EXISTS "FeatureLogitLoad"`);
    await tx.unsafe(`CREATE TEMP TABLE "FeatureLogitLoad" ON COMMIT DROP AS SELECT ${columns} FROM "Feature" WITH NO DATA`);
    await copyInto(tx, `"FeatureLogitLoad"`, [...LOGIT_COLUMNS], (function* () {
      for (const f of features) yield copyLine(LOGIT_COLUMNS.map((c) => f[c]));
    })());
    const set = LOGIT_COLUMNS.filter((c) => c !== "index").map((c) => `"${c}" = l."${c}"`).join(", ");
    const updated = await tx.unsafe(`UPDATE "Feature" f SET ${set} FROM "FeatureLogitLoad" l WHERE f."saeId" = $1 AND f."index" = l."index"`, [saeId]);
    await tx`
      UPDATE "Sae" SET "metricsDetails" = jsonb_set(COALESCE("metricsDetails", '{}'::jsonb), '{logitEffects}', ${tx.json(convention as postgres.JSONValue)}::jsonb),
        "updatedAt" = now()
      WHERE "id" = ${saeId}`;
    return updated.count;
  });
}
