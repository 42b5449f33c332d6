/**
 * Auto-interp provider secrets and caps against a real database through the real handlers: moving
 * the base URL to another origin clears the stored key (the environment's key stays with the
 * environment's URL), and a run's spending cap can lower the admin's cap but never raise it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as settingsRoute from "@/app/api/v1/admin/autointerp/route";
import * as startRoute from "@/app/api/v1/saes/[saeId]/autointerp/route";
import { createAutoInterpRun, getAutoInterpSettings } from "@/lib/db/autointerp";
import { db, disconnectDb } from "@/lib/db/client";
import { resetRateLimits } from "@/lib/api/rate-limit";
import { call, makeKey, makeUser } from "./api-support";

let admin: Record<string, string>;
let editor: Record<string, string>;
let editorId: number;
let saeId: number;

beforeAll(async () => {
  admin = (await makeKey((await makeUser("admin")).id)).bearer;
  const e = await makeUser("editor");
  editorId = e.id;
  editor = (await makeKey(e.id)).bearer;
  const stamp = `caps-${Date.now()}`;
  const model = await db().model.create({ data: { name: `model-${stamp}`, architecture: "gpt2", dModel: 8, nLayers: 1, nCtx: 16, dVocab: 10, tokenizer: "byte-bpe", packagePath: "/nowhere", manifest: {} } });
  saeId = (await db().sae.create({ data: { modelId: model.id, name: "s", contentHash: stamp, hookName: "blocks.0.hook_resid_post", layer: 0, architecture: "relu", dIn: 8, dSae: 4, path: "/nowhere", cfg: {} } })).id;
  await db().feature.createMany({ data: [0, 1].map((index) => ({ saeId, index, maxActivation: 1 })) });
});
afterEach(async () => {
  resetRateLimits();
  delete process.env.FEATURESCOPE_LLM_BASE_URL;
  delete process.env.FEATURESCOPE_LLM_API_KEY;
  await db().autoInterpSettings.deleteMany({});
});
afterAll(() => disconnectDb());

const put = (body: Record<string, unknown>) => call(settingsRoute.PUT, "/s", { method: "PUT", headers: admin, body });

describe("provider keys stay with the origin they were entered for", () => {
  it("a base URL on another origin clears the stored key; the same origin keeps it", async () => {
    expect((await put({ baseUrl: "https://llm.example.org/v1", model: "m", apiKey: "sk-secret-1111" })).json).toMatchObject({ apiKeySet: true });
    // another path on the same origin: kept
    expect((await put({ baseUrl: "https://llm.example.org/v2" })).json).toMatchObject({ apiKeySet: true, apiKeyHint: "…1111" });
    // another host: cleared, and the audit says why
    const moved = await put({ baseUrl: "https://collector.example.net/v1" });
    expect(moved.json).toMatchObject({ baseUrl: "https://collector.example.net/v1", apiKeySet: false });
    expect((await getAutoInterpSettings()).apiKey).toBeNull();
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "autointerp.settings" }, orderBy: { id: "desc" } });
    expect(audit.details).toMatchObject({ apiKey: expect.stringMatching(/cleared/) });
    // another port or scheme is another origin too
    await put({ baseUrl: "https://llm.example.org/v1", apiKey: "sk-secret-2222" });
    expect((await put({ baseUrl: "https://llm.example.org:8443/v1" })).json).toMatchObject({ apiKeySet: false });
    await put({ baseUrl: "https://llm.example.org/v1", apiKey: "sk-secret-3333" });
    expect((await put({ baseUrl: "http://llm.example.org/v1" })).json).toMatchObject({ apiKeySet: false });
    // a new origin with its own key keeps that key
    expect((await put({ baseUrl: "https://other.example.org/v1", apiKey: "sk-secret-4444" })).json).toMatchObject({ apiKeySet: true, apiKeyHint: "…4444" });
  });

  it("the environment's key is used only with the environment's base URL origin", async () => {
    process.env.FEATURESCOPE_LLM_BASE_URL = "https://llm.example.org/v1";
    process.env.FEATURESCOPE_LLM_API_KEY = "sk-env-5555";
    await put({ model: "m" });
    expect((await getAutoInterpSettings()).apiKey).toBe("sk-env-5555");
    await put({ baseUrl: "https://llm.example.org/v1beta" });
    expect((await getAutoInterpSettings()).apiKey).toBe("sk-env-5555");
    await put({ baseUrl: "https://collector.example.net/v1" });
    expect((await getAutoInterpSettings()).apiKey).toBeNull();
  });
});

describe("a run's spending cap only goes down", () => {
  it("an editor may lower the admin's cap, never raise it", async () => {
    await put({ baseUrl: "https://llm.example.org/v1", model: "m", apiKey: "sk-x-6666", spendCapUsd: 2 });
    const raise = await call(startRoute.POST, "/a", { method: "POST", headers: editor, body: { indices: [0], spendCapUsd: 50 }, params: { saeId: String(saeId) } });
    expect(raise.status).toBe(400);
    expect(raise.json.error!.message).toMatch(/can only lower the server's cap of \$2, not raise it to \$50/);
    expect(await db().autoInterpRun.count({ where: { saeId } })).toBe(0);
    const lower = await createAutoInterpRun({ saeId, indices: [0], requestedById: editorId, spendCapUsd: 0.5 });
    expect(lower.run.spendCapUsd).toBe(0.5);
    const fallback = await createAutoInterpRun({ saeId, indices: [1], requestedById: editorId });
    expect(fallback.run.spendCapUsd).toBe(2);
  });
});
