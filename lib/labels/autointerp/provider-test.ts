/**
 * "Test the provider": one tiny chat call, answered with the HTTP status and a short message we
 * wrote ourselves. Never the answer's body: the base URL is whatever an admin (or someone holding
 * an admin's session) typed in, so echoing bodies back would make this a reader of any URL the
 * server can reach — internal services included.
 */
import { openAiCompatibleProvider, ProviderError } from "./provider";

export interface ProviderTestResult {
  ok: boolean;
  model: string | null;
  /** the provider's HTTP status, when it answered */
  status: number | null;
  /** one short sentence of our own words */
  message: string;
}

const NETWORK_CODES = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|CERT_[A-Z_]+|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID)\b/;

function httpMessage(status: number): string {
  if (status === 401 || status === 403) return `The provider refused the request (HTTP ${status}): check the API key.`;
  if (status === 404) return "Nothing answered at {base URL}/chat/completions (HTTP 404): check the base URL and the model name.";
  if (status === 429) return "The provider is rate-limiting or out of quota (HTTP 429).";
  if (status >= 500) return `The provider failed (HTTP ${status}); try again later.`;
  return `The provider refused the request (HTTP ${status}).`;
}

/** A ProviderError (or anything thrown) → status and a message that quotes nothing from the answer. */
export function describeProviderFailure(error: unknown): { status: number | null; message: string } {
  if (!(error instanceof ProviderError)) return { status: null, message: "The test failed on the server; the server log has the cause." };
  switch (error.failure) {
    case "http":
      return { status: error.status, message: httpMessage(error.status ?? 0) };
    case "timeout":
      return { status: null, message: "The provider did not answer in time." };
    case "network": {
      const code = NETWORK_CODES.exec(error.message)?.[1];
      return { status: null, message: `Could not reach the provider${code ? ` (${code})` : ""}: check the base URL and the network.` };
    }
    case "malformed":
      return { status: error.status, message: "The answer is not an OpenAI-compatible chat completion: check the base URL." };
    default:
      return { status: null, message: "The provider settings are incomplete." };
  }
}

export async function testProvider(settings: { baseUrl: string | null; model: string | null; apiKey: string | null }): Promise<ProviderTestResult> {
  if (!settings.baseUrl || !settings.model) {
    return { ok: false, model: settings.model, status: null, message: "Set a base URL and a model first." };
  }
  const provider = openAiCompatibleProvider({ baseUrl: settings.baseUrl, model: settings.model, apiKey: settings.apiKey, timeoutMs: 20_000 });
  try {
    const result = await provider.chat([{ role: "user", content: "Reply with the single word: ok" }], { maxTokens: 5 });
    const tokens = result.usage.promptTokens + result.usage.completionTokens;
    return { ok: true, model: settings.model, status: 200, message: `The provider answered a chat completion (${tokens} tokens).` };
  } catch (error) {
    if (!(error instanceof ProviderError)) console.error("[autointerp] provider test failed:", error);
    return { ok: false, model: settings.model, ...describeProviderFailure(error) };
  }
}
