/**
 * The inference service's HTTP surface: GET /status (public: provider, queue, loaded sessions),
 * POST /v1/activations (shared secret). Overload answers 429 with Retry-After; errors use the
 * API's one shape { error: { code, message, details? } }.
 */
import http from "node:http";
import { timingSafeEqual } from "node:crypto";
import { executionProviderFailures, executionProviderPlan } from "@/lib/model/execution-provider";
import { InferenceError, type InferenceEngine } from "@/lib/inference/engine";
import { ConcurrencyLimiter, OverloadedError } from "@/lib/inference/limiter";
import type { InferenceStatus } from "@/lib/inference/protocol";

const MAX_BODY_BYTES = 256 * 1024;
const STATUS: Record<string, number> = { validation_failed: 400, bad_request: 400, unauthenticated: 401, not_found: 404, payload_too_large: 413, rate_limited: 429, internal: 500, unavailable: 503 };

class HttpError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const json = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(json), ...headers });
  res.end(json);
}

function secretMatches(header: string | undefined, secret: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError("bad_request", "The request body is not valid JSON.");
  }
}

function errorBody(error: unknown) {
  if (error instanceof InferenceError || error instanceof HttpError) return { error: { code: error.code, message: error.message, details: error.details } };
  return { error: { code: "internal", message: `Inference failed: ${(error as Error).message ?? String(error)}` } };
}

function writeEvent(res: http.ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Runs a steering request, streaming its events as server-sent events. */
async function streamSteering(engine: InferenceEngine, body: unknown, res: http.ServerResponse): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => { if (!res.writableFinished) aborted.abort(); });
  await engine.steer(body as never, (event) => {
    if (!res.headersSent) {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" });
    }
    writeEvent(res, event.event, event.data);
  }, aborted.signal);
  res.end();
}

export interface InferenceServerOptions {
  engine: InferenceEngine;
  limiter: ConcurrencyLimiter;
  secret: string;
  startedAt?: Date;
}

export function createInferenceServer({ engine, limiter, secret, startedAt = new Date() }: InferenceServerOptions): http.Server {
  const status = (): InferenceStatus => ({
    ok: true,
    executionProvider: engine.executionProvider,
    providerPlan: { ...executionProviderPlan(), failures: [...executionProviderFailures()] },
    loaded: engine.loaded,
    queue: limiter.stats,
    uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  });

  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://inference");
    try {
      if (req.method === "GET" && url.pathname === "/status") return send(res, 200, status());
      if (!url.pathname.startsWith("/v1/")) throw new HttpError("not_found", `No route ${req.method} ${url.pathname}.`);
      if (!secretMatches(req.headers.authorization, secret)) {
        throw new HttpError("unauthenticated", "Missing or wrong shared secret (Authorization: Bearer <INFERENCE_SECRET>).");
      }
      if (req.method === "POST" && url.pathname === "/v1/activations") {
        const body = await readJson(req);
        const result = await limiter.run(() => engine.activations(body as never));
        return send(res, 200, result);
      }
      if (req.method === "POST" && url.pathname === "/v1/steer") {
        const body = await readJson(req);
        return await limiter.run(() => streamSteering(engine, body, res));
      }
      throw new HttpError("not_found", `No route ${req.method} ${url.pathname}.`);
    } catch (error) {
      if (res.headersSent) {
        // the event stream has begun: report the failure as its last event
        writeEvent(res, "error", errorBody(error));
        return res.end();
      }
      if (error instanceof OverloadedError) {
        return send(res, 429, { error: { code: "rate_limited", message: error.message } }, { "Retry-After": String(error.retryAfterSeconds) });
      }
      if (error instanceof HttpError) return send(res, STATUS[error.code] ?? 400, { error: { code: error.code, message: error.message, details: error.details } }, error.headers);
      if (error instanceof InferenceError) return send(res, STATUS[error.code] ?? 400, { error: { code: error.code, message: error.message, details: error.details } });
      // load errors of model packages and SAEs carry specific messages worth showing
      const message = (error as Error).message ?? String(error);
      console.error(`[inference] ${req.method} ${url.pathname} failed:`, error);
      return send(res, 500, { error: { code: "internal", message: `Inference failed: ${message}` } });
    }
  });
}
