/**
 * The web app's side of the inference service: authenticated JSON calls with a timeout, and
 * failures turned into API errors people can act on (503 when the service is down, 429 passed on
 * with Retry-After, the service's own 4xx messages kept).
 */
import { ApiError, type ErrorCode } from "../api/errors";
import { inferenceSecret, inferenceUrl } from "./config";
import {
  ActivationsResponseSchema, InferenceErrorSchema, InferenceStatusSchema,
  SteerDoneEventSchema, SteerStartEventSchema, SteerTokenEventSchema,
  type ActivationsRequest, type ActivationsResponse, type InferenceStatus, type ServiceSteerRequest, type SteerEvent,
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
    // its address is for the log and admins' /status, not for every caller
    console.error(`[inference client] ${base}${path} ${reason}: ${(error as Error).message}`);
    throw new ApiError("unavailable", `The inference service ${reason}; try again shortly. It is started by npm start (or npm run worker:inference); admins see its state on /status.`, undefined, { "Retry-After": "5" });
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

/** Parses a text/event-stream body into { event, data } records. */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield { event, data: data.join("\n") };
    }
  }
}

/**
 * Starts a steering run in the service and yields its events (start, token…, done). A failure
 * before the stream starts throws an ApiError; one during the stream arrives as an "error" event
 * and is thrown as an ApiError too.
 */
export async function* inferenceSteer(request: ServiceSteerRequest, options: InferenceCallOptions & { signal?: AbortSignal } = {}): AsyncGenerator<SteerEvent> {
  const base = options.baseUrl ?? inferenceUrl();
  let response: Response;
  try {
    response = await fetch(`${base}/v1/steer`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${options.secret ?? inferenceSecret()}` },
      body: JSON.stringify(request),
      signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 300_000),
    });
  } catch (error) {
    console.error(`[inference client] ${base}/v1/steer is not reachable: ${(error as Error).message}`);
    throw new ApiError("unavailable", "The inference service is not reachable; try again shortly. It is started by npm start (or npm run worker:inference); admins see its state on /status.", undefined, { "Retry-After": "5" });
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let parsed;
    try { parsed = InferenceErrorSchema.safeParse(JSON.parse(text)); } catch { parsed = undefined; }
    const message = parsed?.success ? parsed.data.error.message : `The inference service answered ${response.status}.`;
    if (response.status === 429) throw new ApiError("rate_limited", message, undefined, { "Retry-After": response.headers.get("retry-after") ?? "5" });
    if (response.status === 401) throw new ApiError("unavailable", "The web app and the inference service disagree on INFERENCE_SECRET.");
    const code = parsed?.success && KNOWN_CODES.has(parsed.data.error.code as ErrorCode) ? (parsed.data.error.code as ErrorCode) : "unavailable";
    throw new ApiError(code, message, parsed?.success ? parsed.data.error.details : undefined);
  }
  for await (const { event, data } of readServerSentEvents(response.body)) {
    const payload = JSON.parse(data);
    if (event === "error") {
      const parsed = InferenceErrorSchema.safeParse(payload);
      const code = parsed.success && KNOWN_CODES.has(parsed.data.error.code as ErrorCode) ? (parsed.data.error.code as ErrorCode) : "unavailable";
      throw new ApiError(code, parsed.success ? parsed.data.error.message : "Steering failed in the inference service.");
    }
    if (event === "start") yield { event, data: SteerStartEventSchema.parse(payload) };
    else if (event === "token") yield { event, data: SteerTokenEventSchema.parse(payload) };
    else if (event === "done") yield { event, data: SteerDoneEventSchema.parse(payload) };
  }
}
