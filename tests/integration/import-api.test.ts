/** POST/GET /api/v1/admin/imports: admins only, validation errors with the import's code, runs listed for polling. */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/api/v1/admin/imports/route";
import { disconnectDb } from "@/lib/db/client";
import { closeRawSql } from "@/lib/db/dashboards";
import { call, makeKey, makeUser } from "./api-support";
import { randomSaeTensors, tempDir, writeCorpus, writeModel, writeSae } from "./dashboards-support";

let root: string;
let modelDir: string;
let corpus: string;
let dIn: number;
let admin: { authorization: string };
let viewer: { authorization: string };

beforeAll(async () => {
  root = await tempDir("import-api");
  const model = await writeModel(root, "fixture-import-api");
  modelDir = model.dir;
  dIn = model.dModel;
  corpus = await writeCorpus(path.join(root, "corpus"), 10);
  const adminUser = await makeUser("admin");
  const viewerUser = await makeUser("viewer");
  admin = { authorization: `Bearer ${(await makeKey(adminUser.id)).key}` };
  viewer = { authorization: `Bearer ${(await makeKey(viewerUser.id)).key}` };
}, 60_000);

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

describe("/api/v1/admin/imports", () => {
  it("is for admins only", async () => {
    expect((await call(POST, "/api/v1/admin/imports", { method: "POST", headers: viewer, body: { modelDir, saeDirs: ["x"] } })).status).toBe(403);
    expect((await call(GET, "/api/v1/admin/imports", { headers: viewer })).status).toBe(403);
  });

  it("answers a malformed SAE with 400 and the validation code", async () => {
    const dir = await writeSae(path.join(root, "bad"), { ...randomSaeTensors(dIn, 8, 1) }, { dIn, dSae: 8 }, { configPatch: { d_in: 5 } });
    const response = await call(POST, "/api/v1/admin/imports", { method: "POST", headers: admin, body: { modelDir, saeDirs: [dir] } });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: "bad_request", details: { code: "SAE_HOOK_WIDTH_MISMATCH" } });
  });

  it("imports, enqueues, and lists the run for polling", async () => {
    const dir = await writeSae(path.join(root, "good"), { ...randomSaeTensors(dIn, 8, 2) }, { dIn, dSae: 8 });
    const response = await call(POST, "/api/v1/admin/imports", { method: "POST", headers: admin, body: { modelDir, saeDirs: [dir], corpus, tokens: 400, contextSize: 16 } });
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ modelCreated: true, saes: [{ name: "good", created: true, run: { status: "queued" } }] });
    const list = await call(GET, "/api/v1/admin/imports", { headers: admin });
    expect(list.status).toBe(200);
    expect((list.json.runs as Array<Record<string, unknown>>)[0]).toMatchObject({ saeName: "good", kind: "compute", status: "queued", progress: 0 });
  });
});
