/**
 * A small local OpenAI-compatible chat server (node:http) for tests and the e2e run: it answers
 * explanation, simulation and detection prompts deterministically from a keyword, and can be told
 * to fail (HTTP status, malformed JSON) to exercise error handling. Never used in production.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeProviderOptions {
  /** what every explanation says */
  explanation?: string;
  /** tokens containing this (case-insensitive) are "active" in simulation and detection */
  keyword?: string;
  /** answer every request with this HTTP status (and an OpenAI-style error) */
  failWith?: number;
  /** answer 200 with a body that is not a chat completion */
  malformed?: boolean;
  /** require this bearer key */
  apiKey?: string;
  /** answer each request after this many milliseconds (to observe concurrency) */
  delayMs?: number;
}

export interface FakeProvider {
  url: string;
  requests: { authorization: string | undefined; body: { model: string; messages: { role: string; content: string }[] } }[];
  options: FakeProviderOptions;
  /** requests being answered right now, and the most there ever were at once */
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

function reply(content: string, prompt: string) {
  return {
    id: "fake-1",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.ceil(content.length / 4) },
  };
}

export function answerFor(messages: { role: string; content: string }[], options: FakeProviderOptions): string {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const user = messages.find((m) => m.role === "user")?.content ?? "";
  const keyword = (options.keyword ?? "").toLowerCase();
  const hit = (text: string) => keyword !== "" && text.toLowerCase().includes(keyword);
  if (system.includes("predict its activation")) {
    const lines = user.split("\n").filter((line) => /^\d+\t/.test(line));
    return JSON.stringify({ activations: lines.map((line) => (hit(line.slice(line.indexOf("\t") + 1)) ? 10 : 0)) });
  }
  if (system.includes("which examples contain")) {
    const matches: number[] = [];
    for (const line of user.split("\n")) {
      const m = /^Example (\d+): (.*)$/.exec(line);
      if (m && hit(m[2])) matches.push(Number(m[1]));
    }
    return JSON.stringify({ matches });
  }
  return ` ${options.explanation ?? "the word shown in the examples"}.`;
}

export async function startFakeProvider(options: FakeProviderOptions = {}, port = 0): Promise<FakeProvider> {
  const requests: FakeProvider["requests"] = [];
  const state = { inFlight: 0, maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on("close", () => state.inFlight--);
    const answer = async () => {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) return send(404, { error: { message: "not found" } });
      let body: FakeProvider["requests"][number]["body"];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(400, { error: { message: "bad json" } });
      }
      requests.push({ authorization: req.headers.authorization, body });
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return send(401, { error: { message: "Incorrect API key provided." } });
      }
      if (options.failWith) return send(options.failWith, { error: { message: `fake provider failure ${options.failWith}` } });
      if (options.malformed) return send(200, "{\"unexpected\": true}");
      const content = answerFor(body.messages, options);
      send(200, reply(content, body.messages.map((m) => m.content).join("\n")));
    };
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => void answer());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    requests,
    options,
    get inFlight() { return state.inFlight; },
    get maxInFlight() { return state.maxInFlight; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
