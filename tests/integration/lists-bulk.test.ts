/**
 * Saving search results to a list through POST /api/v1/lists/{id}/items/bulk and paging through a
 * list with GET /api/v1/lists/{id}/items: owner only (someone else's list is 404), write scope,
 * idempotent (no duplicates, also under concurrent adds), all-or-nothing when a feature is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import * as listsRoute from "@/app/api/v1/lists/route";
import * as bulkRoute from "@/app/api/v1/lists/[id]/items/bulk/route";
import * as itemsRoute from "@/app/api/v1/lists/[id]/items/route";
import { call, makeKey, makeUser, sessionCookie } from "./api-support";

let saeId: number;
let owner: { id: number; bearer: Record<string, string>; readOnly: Record<string, string> };
let stranger: { id: number; bearer: Record<string, string> };
let listId: number;

const bulk = (id: number, features: { saeId: number; index: number }[], headers: Record<string, string> = owner.bearer) =>
  call(bulkRoute.POST, `/api/v1/lists/${id}/items/bulk`, { method: "POST", headers, body: { features }, params: { id: String(id) } });
const items = (id: number, query = "", headers: Record<string, string> = owner.bearer) =>
  call(itemsRoute.GET, `/api/v1/lists/${id}/items${query}`, { headers, params: { id: String(id) } });
const f = (...indices: number[]) => indices.map((index) => ({ saeId, index }));
/** The list's feature indices in list order, read from the database. */
async function stored(id: number): Promise<number[]> {
  const rows = await db().featureListItem.findMany({ where: { listId: id }, orderBy: [{ position: "asc" }, { id: "asc" }], include: { feature: true } });
  return rows.map((row) => row.feature.index);
}

beforeAll(async () => {
  const stamp = `lists-bulk-${Date.now()}`;
  const model = await db().model.create({
    data: { name: stamp, architecture: "gpt2", dModel: 8, nLayers: 1, nCtx: 16, dVocab: 10, tokenizer: "byte-bpe", packagePath: "/nonexistent", manifest: {} },
  });
  saeId = (await db().sae.create({
    data: { modelId: model.id, name: "bulk-sae", hookName: "blocks.0.hook_resid_post", layer: 0, architecture: "topk", dIn: 8, dSae: 20, k: 2, path: "/nonexistent", contentHash: stamp, cfg: {} },
  })).id;
  await db().feature.createMany({ data: Array.from({ length: 20 }, (_, index) => ({ saeId, index, maxActivation: 1 })) });
  const user = await makeUser("viewer");
  owner = { id: user.id, bearer: (await makeKey(user.id)).bearer, readOnly: (await makeKey(user.id, ["read"])).bearer };
  const other = await makeUser("viewer");
  stranger = { id: other.id, bearer: (await makeKey(other.id)).bearer };
  const created = await call(listsRoute.POST, "/api/v1/lists", { method: "POST", headers: owner.bearer, body: { name: "from search" } });
  expect(created.status).toBe(201);
  listId = created.json.id as number;
});

afterAll(disconnectDb);

describe("POST /api/v1/lists/{id}/items/bulk", () => {
  it("appends features in the order given and says how many were added", async () => {
    const res = await bulk(listId, f(7, 2, 9));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ list: { id: listId, name: "from search", itemCount: 3 }, added: 3, alreadyInList: 0 });
    expect(await stored(listId)).toEqual([7, 2, 9]);
    const audit = await db().auditEvent.findFirst({ where: { action: "list.add_items", targetId: listId }, orderBy: { id: "desc" } });
    expect(audit?.actorId).toBe(owner.id);
  });

  it("is idempotent: features already in the list, and repeats, are not added twice", async () => {
    const res = await bulk(listId, f(9, 2, 4, 4, 7));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ added: 1, alreadyInList: 3, list: { itemCount: 4 } });
    const again = await bulk(listId, f(9, 2, 4, 7));
    expect(again.json).toMatchObject({ added: 0, alreadyInList: 4, list: { itemCount: 4 } });
    expect(await stored(listId)).toEqual([7, 2, 9, 4]);
  });

  it("adds nothing when one feature does not exist, and names it", async () => {
    const res = await bulk(listId, f(11, 12345));
    expect(res.status).toBe(404);
    expect(res.json.error?.message).toMatch(/#12345/);
    expect(await stored(listId)).toEqual([7, 2, 9, 4]);
  });

  it("answers 404 for someone else's list and leaves it alone", async () => {
    const res = await bulk(listId, f(1), stranger.bearer);
    expect(res.status).toBe(404);
    expect((await items(listId, "", stranger.bearer)).status).toBe(404);
    expect(await stored(listId)).toEqual([7, 2, 9, 4]);
    expect((await bulk(999_999, f(1))).status).toBe(404);
  });

  it("needs a signed-in user with write access", async () => {
    expect((await bulk(listId, f(1), {})).status).toBe(401);
    const readOnly = await bulk(listId, f(1), owner.readOnly);
    expect(readOnly.status).toBe(403);
    // a browser session works like a key with write scope
    const viaSession = await bulk(listId, f(1), { ...(await sessionCookie(owner.id, "viewer")), origin: "http://localhost:3000" });
    expect(viaSession.status).toBe(200);
    expect(await stored(listId)).toEqual([7, 2, 9, 4, 1]);
  });

  it("validates the body", async () => {
    expect((await bulk(listId, [])).status).toBe(400);
    const tooMany = await bulk(listId, Array.from({ length: 501 }, (_, index) => ({ saeId, index })));
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error?.code).toBe("validation_failed");
    expect((await bulk(listId, [{ saeId, index: -1 }])).status).toBe(400);
  });

  it("concurrent saves of overlapping features leave no duplicates and distinct positions", async () => {
    const created = await call(listsRoute.POST, "/api/v1/lists", { method: "POST", headers: owner.bearer, body: { name: "concurrent" } });
    const id = created.json.id as number;
    const results = await Promise.all([bulk(id, f(1, 2, 3, 4, 5)), bulk(id, f(4, 5, 6, 7)), bulk(id, f(3, 6, 8))]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.reduce((sum, r) => sum + (r.json.added as number), 0)).toBe(8);
    const rows = await db().featureListItem.findMany({ where: { listId: id } });
    expect(new Set(rows.map((r) => r.featureId)).size).toBe(8);
    expect(new Set(rows.map((r) => r.position)).size).toBe(8);
  });
});

describe("GET /api/v1/lists/{id}/items", () => {
  it("pages through the list in order without skipping or repeating", async () => {
    const first = await items(listId, "?limit=2");
    expect(first.status).toBe(200);
    const firstItems = first.json.items as { index: number; saeId: number; featureId: number }[];
    expect(firstItems.map((i) => i.index)).toEqual([7, 2]);
    expect(firstItems[0].saeId).toBe(saeId);
    const second = await items(listId, `?limit=2&after=${encodeURIComponent(first.json.nextCursor as string)}`);
    expect((second.json.items as { index: number }[]).map((i) => i.index)).toEqual([9, 4]);
    const third = await items(listId, `?limit=2&after=${encodeURIComponent(second.json.nextCursor as string)}`);
    expect((third.json.items as { index: number }[]).map((i) => i.index)).toEqual([1]);
    expect(third.json.nextCursor).toBeNull();
    expect((await items(listId, "?after=nonsense")).status).toBe(400);
  });
});
