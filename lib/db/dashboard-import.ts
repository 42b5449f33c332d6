/**
 * Writing imported dashboards (lib/import/neuronpedia.ts) inside a batch's transaction: feature rows
 * upserted and examples replaced with COPY, and the vocabulary that turns token strings into ids —
 * the model's own Token table, or, for a model known by name only, one that grows with the strings
 * the dashboards use (so label, activation-text search and the GIN index on tokenIds work the same).
 */
import { copyInto, copyLine, type TransactionSql } from "./dashboards";
import type { ExampleRow, FeatureRow } from "@/lib/import/dashboard-rows";

export class ImportVocabulary {
  private constructor(
    readonly modelId: number,
    /** true for a model known by name only: unseen strings become new Token rows */
    readonly grows: boolean,
    private readonly ids: Map<string, number>,
    private nextId: number,
  ) {}

  /** Strings that had no id in a model's real vocabulary (stored as −1). */
  unmatched = 0;
  /** Distinct strings added to a name-only model's vocabulary by this import. */
  added = 0;

  static async forModel(tx: TransactionSql, modelId: number): Promise<ImportVocabulary> {
    const [model] = await tx<Array<{ packagePath: string | null }>>`SELECT "packagePath" FROM "Model" WHERE "id" = ${modelId}`;
    const vocabulary = new ImportVocabulary(modelId, model?.packagePath === null, new Map(), 0);
    await vocabulary.refresh(tx);
    return vocabulary;
  }

  /** Reads Token rows added since (by another import of the same model). */
  private async refresh(tx: TransactionSql): Promise<void> {
    const rows = await tx<Array<{ tokenId: number; text: string }>>`
      SELECT "tokenId", "text" FROM "Token" WHERE "modelId" = ${this.modelId} AND "tokenId" >= ${this.nextId} ORDER BY "tokenId"`;
    for (const row of rows) {
      if (!this.ids.has(row.text)) this.ids.set(row.text, row.tokenId);
      this.nextId = Math.max(this.nextId, row.tokenId + 1);
    }
  }

  /**
   * Makes sure every string has an id before rows are built: for a name-only model, locks the model
   * row (two imports into one model take turns) and adds the unseen strings as Token rows.
   */
  async prepare(tx: TransactionSql, texts: Iterable<string>): Promise<void> {
    if (!this.grows) return;
    await tx`SELECT "id" FROM "Model" WHERE "id" = ${this.modelId} FOR UPDATE`;
    await this.refresh(tx);
    const fresh: string[] = [];
    for (const text of texts) {
      if (this.ids.has(text)) continue;
      this.ids.set(text, this.nextId++);
      fresh.push(text);
    }
    if (fresh.length === 0) return;
    this.added += fresh.length;
    await copyInto(tx, `"Token"`, ["modelId", "tokenId", "text"], fresh.map((text) => copyLine([this.modelId, this.ids.get(text)!, text])));
  }

  id(text: string): number {
    const id = this.ids.get(text);
    if (id === undefined) {
      this.unmatched += 1;
      return -1;
    }
    return id;
  }
}

const FEATURE_COLUMNS = [
  "index", "maxActivation", "density", "dead", "ultraRare", "histogramMin", "histogramMax", "histogramCounts",
  "intervalShares", "logitTopTokenIds", "logitTopValues", "logitBottomTokenIds", "logitBottomValues",
  "logitHistogramMin", "logitHistogramMax", "logitHistogramCounts", "neighborIndices", "neighborCosines",
  "correlatedIndices", "correlatedPearson", "correlatedCosines",
] as const satisfies ReadonlyArray<keyof FeatureRow>;

/** COPY + upsert by (saeId, index): existing rows keep their id, so labels, comments and lists survive. */
export async function upsertImportedFeatures(tx: TransactionSql, saeId: number, features: FeatureRow[]): Promise<void> {
  if (features.length === 0) return;
  const columns = FEATURE_COLUMNS.map((c) => `"${c}"`).join(", ");
  await tx.unsafe(`DROP TABLE IF EXISTS "ImportFeatureLoad"`);
  await tx.unsafe(`CREATE TEMP TABLE "ImportFeatureLoad" ON COMMIT DROP AS SELECT ${columns} FROM "Feature" WITH NO DATA`);
  await copyInto(tx, `"ImportFeatureLoad"`, [...FEATURE_COLUMNS], features.map((f) => copyLine(FEATURE_COLUMNS.map((c) => f[c]))));
  const set = FEATURE_COLUMNS.filter((c) => c !== "index").map((c) => `"${c}" = EXCLUDED."${c}"`).join(", ");
  await tx.unsafe(
    `INSERT INTO "Feature" ("saeId", ${columns}) SELECT $1, ${columns} FROM "ImportFeatureLoad" ORDER BY "index"
     ON CONFLICT ("saeId", "index") DO UPDATE SET ${set}`,
    [saeId],
  );
}

/** Feature rows for indices that have none yet (examples may arrive before or without their feature row). */
export async function ensureFeatures(tx: TransactionSql, saeId: number, indices: number[]): Promise<void> {
  if (indices.length === 0) return;
  await tx`
    INSERT INTO "Feature" ("saeId", "index", "histogramCounts", "intervalShares", "logitTopTokenIds", "logitTopValues",
      "logitBottomTokenIds", "logitBottomValues", "logitHistogramCounts", "neighborIndices", "neighborCosines")
    SELECT ${saeId}, i, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}' FROM unnest(${indices}::int[]) AS i
    ON CONFLICT ("saeId", "index") DO NOTHING`;
}

const EXAMPLE_COLUMNS = [
  "featureIndex", "kind", "rank", "intervalIndex", "intervalMin", "intervalMax", "tokenIds", "values", "maxValue", "maxPosition",
] as const satisfies ReadonlyArray<keyof ExampleRow>;

/** Replaces the examples of the given features (each import batch owns its features' examples). */
export async function replaceImportedExamples(tx: TransactionSql, saeId: number, featureIndices: number[], examples: ExampleRow[]): Promise<void> {
  if (featureIndices.length === 0) return;
  await tx`
    DELETE FROM "ActivationExample" WHERE "featureId" IN (
      SELECT "id" FROM "Feature" WHERE "saeId" = ${saeId} AND "index" = ANY(${featureIndices}::int[]))`;
  if (examples.length === 0) return;
  await tx.unsafe(`DROP TABLE IF EXISTS "ImportExampleLoad"`);
  await tx.unsafe(`
    CREATE TEMP TABLE "ImportExampleLoad" ("featureIndex" int, "kind" "ExampleKind", "rank" int, "intervalIndex" int,
      "intervalMin" real, "intervalMax" real, "tokenIds" int[], "values" real[], "maxValue" real, "maxPosition" int) ON COMMIT DROP`);
  await copyInto(tx, `"ImportExampleLoad"`, [...EXAMPLE_COLUMNS], examples.map((e) => copyLine(EXAMPLE_COLUMNS.map((c) => e[c]))));
  await tx`
    INSERT INTO "ActivationExample" ("featureId", "kind", "rank", "intervalIndex", "intervalMin", "intervalMax", "tokenIds", "values", "maxValue", "maxPosition")
    SELECT f."id", e."kind", e."rank", e."intervalIndex", e."intervalMin", e."intervalMax", e."tokenIds", e."values", e."maxValue", e."maxPosition"
    FROM "ImportExampleLoad" e JOIN "Feature" f ON f."saeId" = ${saeId} AND f."index" = e."featureIndex"
    ORDER BY e."featureIndex", e."kind", e."intervalIndex" NULLS FIRST, e."rank"`;
}

/** Interval shares learnt from activation records (Neuronpedia's layout keeps them off the feature rows). */
export async function setIntervalShares(tx: TransactionSql, saeId: number, shares: Map<number, number[]>): Promise<void> {
  if (shares.size === 0) return;
  const rows = [...shares].map(([index, values]) => copyLine([index, values]));
  await tx.unsafe(`DROP TABLE IF EXISTS "ImportShareLoad"`);
  await tx.unsafe(`CREATE TEMP TABLE "ImportShareLoad" ("index" int, "shares" real[]) ON COMMIT DROP`);
  await copyInto(tx, `"ImportShareLoad"`, ["index", "shares"], rows);
  await tx`UPDATE "Feature" f SET "intervalShares" = s."shares" FROM "ImportShareLoad" s WHERE f."saeId" = ${saeId} AND f."index" = s."index"`;
}

/** What the dashboards say about their corpus, and (browse-only) how many features the SAE has seen. */
export async function recordImportedCorpus(
  tx: TransactionSql, saeId: number,
  corpus: { dataset: string | null; prompts: number | null; tokensPerPrompt: number | null } | null,
  maxIndex: number | null, growDSae: boolean,
): Promise<void> {
  if (corpus && (corpus.dataset || corpus.prompts)) {
    const tokens = corpus.prompts !== null && corpus.tokensPerPrompt !== null ? corpus.prompts * corpus.tokensPerPrompt : null;
    await tx`
      UPDATE "Sae" SET "dashboardCorpus" = COALESCE(${corpus.dataset}, "dashboardCorpus"),
        "dashboardTokens" = COALESCE(${tokens}::bigint, "dashboardTokens"),
        "dashboardContextSize" = COALESCE(${corpus.tokensPerPrompt}::int, "dashboardContextSize")
      WHERE "id" = ${saeId}`;
  }
  if (growDSae && maxIndex !== null) await tx`UPDATE "Sae" SET "dSae" = GREATEST("dSae", ${maxIndex + 1}) WHERE "id" = ${saeId}`;
}
