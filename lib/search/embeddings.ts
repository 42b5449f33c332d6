/**
 * Optional semantic search: a client for an OpenAI-compatible embeddings endpoint (POST
 * {url}/embeddings), configured only by environment variables and off when they are absent:
 *   FEATURESCOPE_EMBEDDINGS_URL    base URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1
 *   FEATURESCOPE_EMBEDDINGS_MODEL  model name (default text-embedding-3-small)
 *   FEATURESCOPE_EMBEDDINGS_KEY    bearer token, if the endpoint needs one
 * Vectors are unit-normalised here, so ranking in SQL is a plain dot product.
 */
import { createHash } from "node:crypto";
import { ApiError } from "../api/errors";

export interface EmbeddingsConfig {
  url: string;
  model: string;
  apiKey: string | null;
  /** Texts per request when indexing labels. */
  batchSize: number;
  timeoutMs: number;
}

export function embeddingsConfig(env: Record<string, string | undefined> = process.env): EmbeddingsConfig | null {
  const url = env.FEATURESCOPE_EMBEDDINGS_URL?.trim();
  if (!url) return null;
  return {
    url: url.replace(/\/+$/, ""),
    model: env.FEATURESCOPE_EMBEDDINGS_MODEL?.trim() || "text-embedding-3-small",
    apiKey: env.FEATURESCOPE_EMBEDDINGS_KEY?.trim() || null,
    batchSize: Math.max(1, Math.min(2048, Number(env.FEATURESCOPE_EMBEDDINGS_BATCH ?? 64) || 64)),
    timeoutMs: 30_000,
  };
}

/** sha256 of a text, as PostgreSQL's encode(sha256(convert_to(text, 'UTF8')), 'hex') writes it. */
export function textHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function unitVector(vector: number[]): number[] {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) throw new ApiError("unavailable", "The embeddings endpoint returned a zero vector.");
  return vector.map((x) => x / norm);
}

interface EmbeddingsResponse {
  data?: { embedding?: unknown; index?: number }[];
}

/** Embeds texts in one request; a failed call is an error, never an empty or zero result. */
export async function embedTexts(texts: string[], config: EmbeddingsConfig): Promise<number[][]> {
  if (texts.length === 0) return [];
  let response: Response;
  try {
    response = await fetch(`${config.url}/embeddings`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {}) },
      body: JSON.stringify({ model: config.model, input: texts }),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    throw new ApiError("unavailable", `The embeddings endpoint ${config.url} is not reachable (${(error as Error).message}).`);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => "")).slice(0, 300);
    throw new ApiError("unavailable", `The embeddings endpoint answered ${response.status}${detail ? `: ${detail}` : ""}.`);
  }
  const body = (await response.json().catch(() => ({}))) as EmbeddingsResponse;
  const data = Array.isArray(body.data) ? body.data : [];
  if (data.length !== texts.length) {
    throw new ApiError("unavailable", `The embeddings endpoint returned ${data.length} vectors for ${texts.length} texts.`);
  }
  const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const vectors = ordered.map((item) => {
    const embedding = item.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw new ApiError("unavailable", "The embeddings endpoint returned something that is not a vector of numbers.");
    }
    return unitVector(embedding as number[]);
  });
  if (vectors.some((v) => v.length !== vectors[0].length)) {
    throw new ApiError("unavailable", "The embeddings endpoint returned vectors of different lengths.");
  }
  return vectors;
}
