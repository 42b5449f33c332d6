/** Where the inference service listens and the secret the web app uses to call it. */
import { persistedSecret } from "../config/persisted-secret";

export const DEFAULT_INFERENCE_PORT = 3200;

export function inferenceUrl(): string {
  return (process.env.INFERENCE_URL ?? `http://127.0.0.1:${process.env.INFERENCE_PORT ?? DEFAULT_INFERENCE_PORT}`).replace(/\/$/, "");
}

export function inferenceSecret(): string {
  return persistedSecret({ envVar: "INFERENCE_SECRET", file: "var/inference-secret", purpose: "inference service's shared secret" });
}

export interface InferenceLimits {
  /** Requests running at once (each uses ONNX Runtime's own threads). */
  maxConcurrent: number;
  /** Requests waiting beyond those; more are answered 429 with Retry-After. */
  maxQueued: number;
  /** Longest a request may wait in the queue before it is answered 429. */
  maxWaitMs: number;
}

export function inferenceLimits(env: NodeJS.ProcessEnv = process.env): InferenceLimits {
  const int = (name: string, fallback: number, min: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${env[name]})`);
    return value;
  };
  return {
    maxConcurrent: int("INFERENCE_MAX_CONCURRENT", 2, 1),
    maxQueued: int("INFERENCE_MAX_QUEUED", 16, 0),
    maxWaitMs: int("INFERENCE_MAX_WAIT_MS", 30_000, 100),
  };
}
