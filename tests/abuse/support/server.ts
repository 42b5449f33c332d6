/**
 * The server under attack and one way to call it. Every request the suite sends goes through
 * `send`, which records it, so the suite can count its requests and report each bad answer with
 * the request that caused it.
 */
export const BASE_URL = process.env.ABUSE_BASE_URL ?? "";

if (!BASE_URL || !process.env.DATABASE_URL) {
  throw new Error("The abuse suite runs against a server: use `npm run test:abuse` (scripts/test.ts starts one and sets ABUSE_BASE_URL and DATABASE_URL).");
}

export interface HostileRequest {
  /** What the request tries, for failure messages ("body.text: NUL byte"). */
  label: string;
  method: string;
  /** Path with query, already encoded as the attacker wants it. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as is: the suite builds malformed bodies on purpose. */
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
}

export interface Answer {
  request: HostileRequest;
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

const sent: Answer[] = [];

export function sentRequests(): readonly Answer[] {
  return sent;
}

export async function send(request: HostileRequest): Promise<Answer> {
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: request.headers, redirect: "manual" };
  if (request.body !== undefined) {
    init.body = request.body as BodyInit;
    if (request.body instanceof ReadableStream) init.duplex = "half";
  }
  let response: Response;
  try {
    response = await fetch(`${BASE_URL}${request.path}`, init);
  } catch (error) {
    // the server dropped the connection: as bad as a 5xx
    const answer: Answer = { request, status: 599, headers: new Headers(), text: `connection failed: ${(error as Error).message}`, json: null };
    sent.push(answer);
    return answer;
  }
  const text = await response.text().catch((error: Error) => `body failed: ${error.message}`);
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const answer: Answer = { request, status: response.status, headers: response.headers, text, json };
  sent.push(answer);
  return answer;
}

/** Runs requests a few at a time (the server is on the same 2-core machine; more buys nothing). */
export async function sendAll(requests: HostileRequest[], concurrency = 4): Promise<Answer[]> {
  const answers: Answer[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      answers[i] = await send(requests[i]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

/**
 * Signs of leaked internals in a response body: V8 stack frames, source paths, module folders,
 * Prisma/PostgreSQL error text.
 */
const LEAK_PATTERNS: [string, RegExp][] = [
  ["stack frame", /\bat [\w$.<>\[\] ]+ \((?:file:\/\/|\/|node:)[^)]*:\d+:\d+\)/],
  ["stack frame", /\n\s+at (?:async )?(?:file:\/\/|\/|node:)\S+:\d+:\d+/],
  ["node_modules path", /node_modules[\\/]/],
  ["source path", /\/(?:work|app|home|root|tmp)\/[\w.-]+\/(?:lib|app|workers|scripts)\//],
  ["Prisma error", /PrismaClient\w*Error|Invalid `prisma\./],
  ["PostgreSQL error", /invalid byte sequence for encoding|unterminated quoted string|syntax error at or near|violates (?:foreign key|not-null|check) constraint/],
];

export function leaks(text: string): string | null {
  for (const [what, pattern] of LEAK_PATTERNS) if (pattern.test(text)) return what;
  return null;
}

export function explain(answer: Answer): string {
  const { request } = answer;
  const body = answer.text.length > 300 ? `${answer.text.slice(0, 300)}…` : answer.text;
  return `${request.method} ${request.path.length > 160 ? `${request.path.slice(0, 160)}…` : request.path} [${request.label}] → ${answer.status} ${body}`;
}
