/**
 * The browser's side of POST /api/v1/steer: fetch with a body reader (EventSource cannot POST),
 * server-sent events parsed as they arrive, and refusals turned into messages people can act on.
 */
import type { SteerDoneEvent, SteerRequest, SteerStartEvent, SteerTokenEvent } from "@/lib/inference/protocol";

export type SteerStreamEvent =
  | { event: "start"; data: SteerStartEvent }
  | { event: "token"; data: SteerTokenEvent }
  | { event: "done"; data: SteerDoneEvent }
  | { event: "saved"; data: { id: string; permalink: string } };

export class SteerRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    /** Seconds to wait before trying again (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** Splits text/event-stream text into complete events; returns them and the unfinished rest. */
export function parseEventBlocks(buffer: string): { events: { event: string; data: string }[]; rest: string } {
  const events: { event: string; data: string }[] = [];
  const normalized = buffer.replace(/\r\n/g, "\n");
  let rest = normalized;
  let boundary: number;
  while ((boundary = rest.indexOf("\n\n")) >= 0) {
    const block = rest.slice(0, boundary);
    rest = rest.slice(boundary + 2);
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** The message to show for an API error body: validation issues name the field and say what is wrong. */
export function errorMessage(body: ErrorBody | undefined, status: number): string {
  const error = body?.error;
  if (!error) return `The server answered ${status}.`;
  if (error.code === "validation_failed" && Array.isArray(error.details) && error.details.length) {
    const issues = (error.details as { path?: (string | number)[]; message?: string }[])
      .slice(0, 3)
      .map((issue) => (issue.path?.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
      .filter(Boolean);
    if (issues.length) return issues.join(" · ");
  }
  return error.message ?? `The server answered ${status}.`;
}

/** Runs one steering request and calls onEvent for each event; resolves with the done and saved events. */
export async function streamSteer(
  request: SteerRequest,
  onEvent: (event: SteerStreamEvent) => void,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<{ done: SteerDoneEvent; saved: { id: string; permalink: string } | null }> {
  const response = await (options.fetch ?? fetch)("/api/v1/steer", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(request),
    signal: options.signal,
  });
  if (!response.ok || !response.body) {
    let body: ErrorBody | undefined;
    try {
      body = (await response.json()) as ErrorBody;
    } catch {
      body = undefined;
    }
    const retryAfter = Number(response.headers.get("retry-after")) || undefined;
    let message = errorMessage(body, response.status);
    if (response.status === 429) message = `${message}${retryAfter ? ` Try again in ${retryAfter} s.` : ""}`;
    throw new SteerRequestError(message, body?.error?.code ?? "unknown", response.status, retryAfter);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let done: SteerDoneEvent | null = null;
  let saved: { id: string; permalink: string } | null = null;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    const parsed = parseEventBlocks(buffer);
    buffer = parsed.rest;
    for (const { event, data } of parsed.events) {
      const payload = JSON.parse(data);
      if (event === "error") {
        const body = payload as ErrorBody;
        throw new SteerRequestError(errorMessage(body, 200), body.error?.code ?? "unknown", 200);
      }
      if (event === "done") done = payload as SteerDoneEvent;
      if (event === "saved") saved = payload as { id: string; permalink: string };
      if (event === "start" || event === "token" || event === "done" || event === "saved") {
        onEvent({ event, data: payload } as SteerStreamEvent);
      }
    }
  }
  if (!done) throw new SteerRequestError("The stream ended before the run finished.", "unavailable", 200);
  return { done, saved };
}
