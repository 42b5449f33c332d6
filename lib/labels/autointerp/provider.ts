/**
 * The chat provider interface auto-interp talks to, and its implementation for any OpenAI-compatible
 * endpoint (POST {baseUrl}/chat/completions). Every failure is a ProviderError that says what went
 * wrong (HTTP status and body, network error, timeout, malformed answer) — callers record it as an
 * error, never as a score.
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  text: string;
  usage: ChatUsage;
}

export interface ChatOptions {
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ChatProvider {
  readonly baseUrl: string;
  readonly model: string;
  chat(messages: ChatMessage[], options?: ChatOptions): Promise<ChatResult>;
}

export type ProviderFailure = "http" | "network" | "timeout" | "malformed" | "config";

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly failure: ProviderFailure,
    /** Whether trying again later may help (rate limits, 5xx, network, timeouts, a malformed answer). */
    readonly retryable: boolean,
    readonly status: number | null = null,
    /** A short excerpt of the provider's answer, for the person reading the error. */
    readonly body: string | null = null,
  ) {
    super(message);
    this.name = "ProviderError";
  }

  toJSON() {
    return { message: this.message, failure: this.failure, retryable: this.retryable, status: this.status, body: this.body };
  }
}

export interface ProviderConfig {
  baseUrl: string;
  model: string;
  apiKey?: string | null;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

function excerpt(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** An error thrown by fetch → a sentence a person can act on (the cause chain names DNS, refusals, TLS). */
function networkReason(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as { message?: string; code?: string; cause?: unknown };
    if (e.message) parts.push(e.code ? `${e.message} (${e.code})` : e.message);
    current = e.cause;
  }
  return parts.join(": ") || String(error);
}

export function openAiCompatibleProvider(config: ProviderConfig): ChatProvider {
  const baseUrl = config.baseUrl.replace(/\/+$/, "");
  const doFetch = config.fetchImpl ?? fetch;
  const timeoutMs = config.timeoutMs ?? 60_000;
  return {
    baseUrl,
    model: config.model,
    async chat(messages, options = {}) {
      const url = `${baseUrl}/chat/completions`;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: config.model,
            messages,
            max_tokens: options.maxTokens ?? 256,
            temperature: options.temperature ?? 0,
          }),
          signal,
        });
      } catch (error) {
        if (timeout.aborted) throw new ProviderError(`The provider at ${baseUrl} did not answer within ${timeoutMs / 1000} s.`, "timeout", true);
        throw new ProviderError(`Could not reach the provider at ${baseUrl}: ${networkReason(error)}`, "network", true);
      }
      const raw = await response.text().catch(() => "");
      if (!response.ok) {
        const retryable = response.status === 429 || response.status >= 500;
        let detail = raw;
        try {
          const parsed = JSON.parse(raw) as { error?: { message?: string } | string };
          detail = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? raw);
        } catch {
          // not JSON: keep the text
        }
        throw new ProviderError(
          `The provider answered HTTP ${response.status}${detail ? `: ${excerpt(detail, 300)}` : ""}`,
          "http",
          retryable,
          response.status,
          excerpt(raw),
        );
      }
      let body: { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } };
      try {
        body = JSON.parse(raw);
      } catch {
        throw new ProviderError("The provider's answer is not JSON.", "malformed", true, response.status, excerpt(raw));
      }
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== "string") {
        throw new ProviderError("The provider's answer has no choices[0].message.content.", "malformed", true, response.status, excerpt(raw));
      }
      return {
        text: content,
        usage: { promptTokens: body.usage?.prompt_tokens ?? 0, completionTokens: body.usage?.completion_tokens ?? 0 },
      };
    },
  };
}
