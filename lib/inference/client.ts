/**
 * The web app's side of the inference service: authenticated JSON calls with a timeout, and
 * failures turned into API errors people can act on (503 when the service is down, 429 passed on
 * with Retry-After, the service's own 4xx messages kept).
 */
import { ApiError, type ErrorCode } from "../api/errors";
import { inferenceSecret, inferenceUrl } from "./config";
import {
  ActivationsResponseSchema, InferenceErrorSchema, InferenceStatusSchema,
  type ActivationsRequest, type ActivationsResponse, type InferenceStatus,
} from "./protocol";

const KNOWN_CODES = new Set<ErrorCode>(["bad_request", "validation_failed", "not_found", "rate_limited", "payload_too_large", "unavailable"]);

export interface InferenceCallOptions {
  timeoutMs?: number;
  baseUrl?: string;
  secret?: string;
}

async function call(path: string, init: RequestInit, options: InferenceCallOptions): Promise<unknown> {
  const base = options.baseUrl ?? inferenceUrl();
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      ...init,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${options.secret ?? inferenceSecret()}`, ...init.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (error) {
    const reason = (error as Error).name === "TimeoutError" ? "did not answer in time" : "is not reachable";
    throw new ApiError("unavailable", `The inference service at ${base} ${reason}. It is started by npm start (or npm run worker:inference); check /status.`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError("unavailable", `The inference service answered ${response.status} with something that is not JSON.`);
  }
  if (response.ok) return body;
  const parsed = InferenceErrorSchema.safeParse(body);
  const message = parsed.success ? parsed.data.error.message : `The inference service answered ${response.status}.`;
  if (response.status === 429) {
    throw new ApiError("rate_limited", message, undefined, { "Retry-After": response.headers.get("retry-after") ?? "5" });
  }
  if (response.status === 401) {
    throw new ApiError("unavailable", "The web app and the inference service disagree on INFERENCE_SECRET.");
  }
  const code = parsed.success && KNOWN_CODES.has(parsed.data.error.code as ErrorCode) ? (parsed.data.error.code as ErrorCode) : "unavailable";
  throw new ApiError(code, message, parsed.success ? parsed.data.error.details : undefined);
}

export async function inferenceActivations(request: ActivationsRequest, options: InferenceCallOptions = {}): Promise<ActivationsResponse> {
  const body = await call("/v1/activations", { method: "POST", body: JSON.stringify(request) }, options);
  return ActivationsResponseSchema.parse(body);
}

export async function inferenceStatus(options: InferenceCallOptions = {}): Promise<InferenceStatus> {
  const body = await call("/status", { method: "GET" }, { timeoutMs: 3_000, ...options });
  return InferenceStatusSchema.parse(body);
}
