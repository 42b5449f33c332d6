import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, makeUser, sessionCookie } from "./api-support";
import { parseEventStream, startInferenceFixture, type InferenceFixture } from "./inference-support";
import { POST } from "@/app/api/v1/steer/route";
import { GET as getRun } from "@/app/api/v1/steer/runs/[id]/route";
import { GET as listRuns } from "@/app/api/v1/steer/runs/route";
import { db, disconnectDb } from "@/lib/db/client";
import { setSteeringRunAuthorPublic } from "@/lib/db/steering";
import { forgetAnonymousSteeringDecision } from "@/lib/auth/anonymous-steering";
import { resetRateLimits } from "@/lib/api/rate-limit";

// these tests steer without signing in, on a database with many accounts: the operator's explicit choice
process.env.FEATURESCOPE_ANONYMOUS_STEERING = "on";

let fixture: InferenceFixture;

beforeAll(async () => {
  fixture = await startInferenceFixture("steer");
  await db().feature.createMany({ data: [{ saeId: fixture.saeId, index: 2, maxActivation: 3.5 }, { saeId: fixture.saeId, index: 4, maxActivation: 0, dead: true }] });
});

beforeEach(() => resetRateLimits());

afterAll(async () => {
  await fixture?.stop();
  await disconnectDb();
});

async function steer(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetchRoute(body, headers);
  return { ...res, events: res.status === 200 ? parseEventStream(res.text) : [] };
}

async function fetchRoute(body: unknown, headers: Record<string, string>) {
  const request = new Request("http://localhost:3000/api/v1/steer", { method: "POST", headers: { "content-type": "application/json", origin: "http://localhost:3000", ...headers }, body: JSON.stringify(body) });
  const response = await POST(request);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe("POST /api/v1/steer", () => {
  it("streams both completions, saves the run, and the permalink returns the same texts", async () => {
    const user = await makeUser("viewer");
    const body = { modelId: fixture.modelId, prompt: "the cat", features: [{ saeId: fixture.saeId, index: 2, method: "clamp", value: 8 }], maxTokens: 5, seed: 3, temperature: 1, topP: 1 };
    const { status, events } = await steer(body, await sessionCookie(user.id, "viewer"));
    expect(status).toBe(200);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe("start");
    expect(kinds.filter((k) => k === "token").length).toBeGreaterThan(0);
    expect(kinds.slice(-2)).toEqual(["done", "saved"]);
    const done = events.find((e) => e.event === "done")!.data as { default: { text: string }; steered: { text: string } };
    const saved = events.at(-1)!.data as { id: string; permalink: string };
    expect(saved.permalink).toBe(`/steer/runs/${saved.id}`);

    const run = await call(getRun, `/api/v1/steer/runs/${saved.id}`, { params: { id: saved.id } });
    expect(run.status).toBe(200);
    expect(run.json.defaultOutput).toBe(done.default.text);
    expect(run.json.steeredOutput).toBe(done.steered.text);
    // re-running the stored parameters reproduces the texts exactly
    const again = await steer(run.json.params);
    const doneAgain = again.events.find((e) => e.event === "done")!.data as typeof done;
    expect(doneAgain.default.text).toBe(done.default.text);
    expect(doneAgain.steered.text).toBe(done.steered.text);

    const history = await call(listRuns, "/api/v1/steer/runs", { headers: await sessionCookie(user.id, "viewer") });
    expect((history.json.runs as { id: string }[]).map((r) => r.id)).toEqual([saved.id]);
  });

  it("an anonymous run's permalink cannot be guessed from a neighbour's", async () => {
    const body = { modelId: fixture.modelId, prompt: "the dog", features: [{ saeId: fixture.saeId, index: 2, method: "add", value: 1 }], maxTokens: 2, seed: 1 };
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { events } = await steer(body);
      ids.push((events.at(-1)!.data as { id: string }).id);
    }
    const [a, b] = ids;
    // 128 random bits each (22 base64url characters), unrelated to each other
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a).not.toBe(b);
    let samePositions = 0;
    for (let i = 0; i < 22; i++) if (a[i] === b[i]) samePositions++;
    expect(samePositions).toBeLessThan(6);
    // a neighbour's id, one character off, and old-style numbers find nothing
    const neighbour = a.slice(0, -1) + (a.endsWith("A") ? "B" : "A");
    for (const guess of [neighbour, "1", "2", String(Number.MAX_SAFE_INTEGER)]) {
      const res = await call(getRun, `/api/v1/steer/runs/${guess}`, { params: { id: guess } });
      expect(res.status).toBe(404);
    }
    const anonymous = await call(getRun, `/api/v1/steer/runs/${a}`, { params: { id: a } });
    expect(anonymous.json).toMatchObject({ id: a, author: null });
  });

  it("shows the author's name to signed-in readers, and to everyone once the author publishes it", async () => {
    const author = await db().user.create({ data: { email: `author-${Date.now()}@example.org`, name: "Ada Author", role: "editor" } });
    const reader = await makeUser("viewer");
    const body = { modelId: fixture.modelId, prompt: "a run", features: [{ saeId: fixture.saeId, index: 2, method: "add", value: 1 }], maxTokens: 2, seed: 2 };
    const { events } = await steer(body, await sessionCookie(author.id, "editor"));
    const id = (events.at(-1)!.data as { id: string }).id;
    const asAnonymous = () => call(getRun, `/r/${id}`, { params: { id } });
    expect((await asAnonymous()).json.author).toBeNull();
    const signedIn = await call(getRun, `/r/${id}`, { params: { id }, headers: await sessionCookie(reader.id, "viewer") });
    expect(signedIn.json.author).toEqual({ id: author.id, name: "Ada Author" });
    // only the author decides
    expect(await setSteeringRunAuthorPublic(id, reader.id, true)).toBe(false);
    expect((await asAnonymous()).json.author).toBeNull();
    expect(await setSteeringRunAuthorPublic(id, author.id, true)).toBe(true);
    expect((await asAnonymous()).json.author).toEqual({ id: author.id, name: "Ada Author" });
  });

  it("with FEATURESCOPE_ANONYMOUS_STEERING unset, anonymous steering is off once the server has other accounts", async () => {
    delete process.env.FEATURESCOPE_ANONYMOUS_STEERING;
    forgetAnonymousSteeringDecision();
    try {
      await makeUser("viewer");
      const res = await fetchRoute({ modelId: fixture.modelId, prompt: "x", features: [{ saeId: fixture.saeId, index: 2, method: "add", value: 1 }] }, {});
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text).error.message).toMatch(/Anonymous steering is off/);
    } finally {
      process.env.FEATURESCOPE_ANONYMOUS_STEERING = "on";
      resetRateLimits();
    }
  });

  it("says which prefix the KL is on, saves how the series were measured, and reports means that skip ended steps", async () => {
    const { status, events } = await steer({ modelId: fixture.modelId, prompt: "the cat", features: [{ saeId: fixture.saeId, index: 2, method: "add", value: 3 }], maxTokens: 6, seed: 5, temperature: 1, topP: 1 });
    expect(status).toBe(200);
    const done = events.find((e) => e.event === "done")!.data as { kl: (number | null)[]; klPrefix: string; meanKl: number; featureActsAt: string };
    expect(done.klPrefix).toBe("default");
    expect(done.featureActsAt).toBe("token");
    const defined = done.kl.filter((v): v is number => v !== null);
    expect(done.meanKl).toBeCloseTo(defined.reduce((a, b) => a + b, 0) / defined.length, 12);
    const saved = events.at(-1)!.data as { id: number };
    const run = await call(getRun, `/api/v1/steer/runs/${saved.id}`, { params: { id: String(saved.id) } });
    expect((run.json.details as { default: unknown }).default).toMatchObject({ klPrefix: "default", featureActsAt: "token" });
  });

  it("adds in hook-norm units once the SAE's typical norm is measured, and says so until then", async () => {
    const body = { modelId: fixture.modelId, prompt: "the cat", features: [{ saeId: fixture.saeId, index: 2, method: "add", unit: "hook-norm", value: 0.5 }], maxTokens: 3, seed: 2 };
    await db().sae.update({ where: { id: fixture.saeId }, data: { typicalHookNorm: null } });
    const refused = await fetchRoute(body, {});
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error.message).toMatch(/has not been measured yet/);
    await db().sae.update({ where: { id: fixture.saeId }, data: { typicalHookNorm: 4 } });
    try {
      const { status, events } = await steer(body);
      expect(status).toBe(200);
      // 0.5 × N = 2 along the unit direction: the same run as a raw add of 2/‖d‖ would be; here it only has to steer
      const done = events.find((e) => e.event === "done")!.data as { kl: (number | null)[] };
      expect(Math.max(...done.kl.map((v) => v ?? 0))).toBeGreaterThan(0);
      // unit belongs to add only
      const wrong = await fetchRoute({ ...body, features: [{ saeId: fixture.saeId, index: 2, method: "clamp", unit: "hook-norm", value: 2 }] }, {});
      expect(wrong.status).toBe(400);
      expect(JSON.stringify(JSON.parse(wrong.text).error.details)).toMatch(/unit applies to the method \\"add\\" only/);
    } finally {
      await db().sae.update({ where: { id: fixture.saeId }, data: { typicalHookNorm: null } });
    }
  });

  it("refuses clamping a feature that never fired, with the error shape", async () => {
    const res = await fetchRoute({ modelId: fixture.modelId, prompt: "x", features: [{ saeId: fixture.saeId, index: 4, method: "clamp", value: 2 }] }, {});
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toMatch(/never fired/);
  });

  it("refuses features of another model's SAE and hostile sizes", async () => {
    const other = await fetchRoute({ modelId: fixture.modelId, prompt: "x", features: [{ saeId: fixture.otherSaeId, index: 0, method: "add", value: 1 }] }, {});
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text).error.message).toMatch(/is not an SAE of model/);
    const long = await fetchRoute({ modelId: fixture.modelId, prompt: "x".repeat(5000), features: [{ saeId: fixture.saeId, index: 0, method: "add", value: 1 }] }, {});
    expect(long.status).toBe(400);
    expect(JSON.parse(long.text).error.code).toBe("validation_failed");
    const tooMany = await fetchRoute({ modelId: fixture.modelId, prompt: "x", maxTokens: 10_000, features: [{ saeId: fixture.saeId, index: 0, method: "add", value: 1 }] }, {});
    expect(tooMany.status).toBe(400);
  });

  it("answers 503 when the inference service is down", async () => {
    const saved = process.env.INFERENCE_URL;
    process.env.INFERENCE_URL = "http://127.0.0.1:9";
    try {
      const res = await fetchRoute({ modelId: fixture.modelId, prompt: "x", features: [{ saeId: fixture.saeId, index: 2, method: "add", value: 1 }] }, {});
      expect(res.status).toBe(503);
      expect(JSON.parse(res.text).error.message).toMatch(/not reachable/);
    } finally {
      process.env.INFERENCE_URL = saved;
    }
  });
});
