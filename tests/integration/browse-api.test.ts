/** The browse endpoints: public reads, the error contract, pagination, and plain-text tokens. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { loadSyntheticFixture, XSS_TOKEN, type SyntheticFixture } from "@/lib/fixtures/synthetic";
import { GET as getSae } from "@/app/api/v1/saes/[saeId]/route";
import { GET as getFeatures } from "@/app/api/v1/saes/[saeId]/features/route";
import { GET as getFeature } from "@/app/api/v1/saes/[saeId]/features/[index]/route";
import { GET as getExamples } from "@/app/api/v1/saes/[saeId]/features/[index]/examples/route";
import { GET as getRandom } from "@/app/api/v1/saes/[saeId]/random/route";
import { call } from "./api-support";

let fixture: SyntheticFixture;

beforeAll(async () => {
  fixture = await loadSyntheticFixture(db(), { modelName: "synthetic-browse-api" });
});
afterAll(disconnectDb);

const sae = () => String(fixture.saeId);

describe("GET /api/v1/saes/{saeId}", () => {
  it("returns the SAE with its metrics, anonymously", async () => {
    const response = await call(getSae, `/api/v1/saes/${sae()}`, { params: { saeId: sae() } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: fixture.saeId, name: fixture.saeName, dSae: fixture.featureCount, l0: 4 });
  });

  it("answers 404 in the error shape for an unknown SAE and 400 for a malformed id", async () => {
    const missing = await call(getSae, "/api/v1/saes/999999", { params: { saeId: "999999" } });
    expect(missing.status).toBe(404);
    expect(missing.json.error?.code).toBe("not_found");
    const malformed = await call(getSae, "/api/v1/saes/abc", { params: { saeId: "abc" } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error?.code).toBe("validation_failed");
  });
});

describe("GET /api/v1/saes/{saeId}/features", () => {
  it("pages forward and back with opaque cursors", async () => {
    const first = await call(getFeatures, `/api/v1/saes/${sae()}/features?sort=density&limit=5`, { params: { saeId: sae() } });
    expect(first.status).toBe(200);
    const page1 = first.json as unknown as { rows: { index: number; density: number }[]; nextCursor: string; prevCursor: null; total: number; order: string };
    expect(page1.rows).toHaveLength(5);
    expect(page1.total).toBe(fixture.featureCount);
    expect(page1.order).toBe("desc");
    expect(page1.prevCursor).toBeNull();
    const second = await call(getFeatures, `/api/v1/saes/${sae()}/features?sort=density&limit=5&after=${page1.nextCursor}`, { params: { saeId: sae() } });
    const page2 = second.json as unknown as { rows: { index: number; density: number }[]; prevCursor: string };
    expect(page2.rows[0].density).toBeLessThanOrEqual(page1.rows[4].density);
    const back = await call(getFeatures, `/api/v1/saes/${sae()}/features?sort=density&limit=5&before=${page2.prevCursor}`, { params: { saeId: sae() } });
    expect((back.json as unknown as typeof page1).rows.map((r) => r.index)).toEqual(page1.rows.map((r) => r.index));
  });

  it("filters and rejects invalid parameters with 400", async () => {
    const dead = await call(getFeatures, `/api/v1/saes/${sae()}/features?dead=dead`, { params: { saeId: sae() } });
    expect((dead.json as unknown as { rows: { index: number }[] }).rows.map((r) => r.index)).toEqual(fixture.deadIndices);
    const bad = await call(getFeatures, `/api/v1/saes/${sae()}/features?sort=bogus&limit=1000`, { params: { saeId: sae() } });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.code).toBe("validation_failed");
  });
});

describe("GET /api/v1/saes/{saeId}/features/{index}", () => {
  it("returns the dashboard with tokens as plain strings", async () => {
    const index = String(fixture.xssFeatureIndex);
    const response = await call(getFeature, `/api/v1/saes/${sae()}/features/${index}`, { params: { saeId: sae(), index } });
    expect(response.status).toBe(200);
    const body = response.json as unknown as { feature: { index: number; logitTop: unknown[] }; topExamples: { tokens: string[]; maxPosition: number }[]; labels: unknown[] };
    expect(body.feature.index).toBe(fixture.xssFeatureIndex);
    expect(body.feature.logitTop).toHaveLength(10);
    expect(body.topExamples[0].tokens[body.topExamples[0].maxPosition]).toBe(XSS_TOKEN);
    expect(body.labels.length).toBeGreaterThan(0);
  });

  it("answers 404 for an index the SAE does not have", async () => {
    const response = await call(getFeature, `/api/v1/saes/${sae()}/features/5000`, { params: { saeId: sae(), index: "5000" } });
    expect(response.status).toBe(404);
  });
});

describe("GET /api/v1/saes/{saeId}/features/{index}/examples", () => {
  it("pages top examples by rank and needs an interval for interval examples", async () => {
    const params = { saeId: sae(), index: "4" };
    const page = await call(getExamples, `/api/v1/saes/${sae()}/features/4/examples?kind=top&after=9&limit=10`, { params });
    expect(page.status).toBe(200);
    const body = page.json as unknown as { examples: { rank: number }[]; nextAfter: number | null };
    expect(body.examples.map((e) => e.rank)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(body.nextAfter).toBeNull();
    const interval = await call(getExamples, `/api/v1/saes/${sae()}/features/4/examples?kind=interval&interval=0`, { params });
    expect((interval.json as unknown as typeof body).examples).toHaveLength(5);
    const missing = await call(getExamples, `/api/v1/saes/${sae()}/features/4/examples?kind=interval`, { params });
    expect(missing.status).toBe(400);
  });
});

describe("GET /api/v1/saes/{saeId}/random", () => {
  it("returns a live feature", async () => {
    const response = await call(getRandom, `/api/v1/saes/${sae()}/random`, { params: { saeId: sae() } });
    expect(response.status).toBe(200);
    const index = (response.json as unknown as { index: number }).index;
    expect(index).toBeGreaterThanOrEqual(0);
    expect(fixture.deadIndices).not.toContain(index);
  });
});
