import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProvider } from "./provider-test";

const SECRET = "internal-admin-token=hunter2";
let server: http.Server;
let base: string;

beforeAll(async () => {
  // stands in for whatever a base URL may point at, e.g. an internal service
  server = http.createServer((req, res) => {
    if (req.url === "/status500/chat/completions") { res.writeHead(500); res.end(`<html>${SECRET}</html>`); return; }
    if (req.url === "/json401/chat/completions") { res.writeHead(401, { "content-type": "application/json" }); res.end(JSON.stringify({ error: { message: SECRET } })); return; }
    if (req.url === "/page/chat/completions") { res.writeHead(200); res.end(`<html>${SECRET}</html>`); return; }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ choices: [{ message: { content: `ok ${SECRET}` } }], usage: { prompt_tokens: 7, completion_tokens: 1 } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("testing the auto-interp provider", () => {
  it("answers status and a short message of its own, never the provider's body", async () => {
    const cases = [
      { path: "/status500", ok: false, status: 500, message: /failed \(HTTP 500\)/ },
      { path: "/json401", ok: false, status: 401, message: /check the API key/ },
      { path: "/page", ok: false, status: 200, message: /not an OpenAI-compatible chat completion/ },
      { path: "/ok", ok: true, status: 200, message: /answered a chat completion \(8 tokens\)/ },
    ];
    for (const c of cases) {
      const result = await testProvider({ baseUrl: base + c.path, model: "m", apiKey: null });
      expect(result).toMatchObject({ ok: c.ok, status: c.status });
      expect(result.message).toMatch(c.message);
      expect(JSON.stringify(result)).not.toContain("hunter2");
      expect(result.message.length).toBeLessThan(120);
    }
  });

  it("names network failures by code only", async () => {
    // a port nothing listens on
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await testProvider({ baseUrl: `http://127.0.0.1:${port}`, model: "m", apiKey: null });
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.message).toMatch(/Could not reach the provider \(ECONNREFUSED\)/);
  });
});
