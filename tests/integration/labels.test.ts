/**
 * Labels through the API against a real database: roles (viewer reads; editor labels, votes,
 * comments), optimistic concurrency (409 with both versions, no lost update), votes re-ranking the
 * current label, reviewer choice, revisions, an audit row for every label change, comments
 * sanitised, bookmarks, lists with share links, the labelling queue, progress and export.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { loadSyntheticFixture, type SyntheticFixture } from "@/lib/fixtures/synthetic";
import * as featureLabels from "@/app/api/v1/saes/[saeId]/features/[index]/labels/route";
import * as labelRoute from "@/app/api/v1/labels/[id]/route";
import * as revisionsRoute from "@/app/api/v1/labels/[id]/revisions/route";
import * as voteRoute from "@/app/api/v1/labels/[id]/vote/route";
import * as reviewRoute from "@/app/api/v1/labels/[id]/review/route";
import * as pinRoute from "@/app/api/v1/labels/[id]/pin/route";
import * as commentsRoute from "@/app/api/v1/saes/[saeId]/features/[index]/comments/route";
import * as commentRoute from "@/app/api/v1/comments/[id]/route";
import * as bookmarkRoute from "@/app/api/v1/saes/[saeId]/features/[index]/bookmark/route";
import * as bookmarksRoute from "@/app/api/v1/bookmarks/route";
import * as listsRoute from "@/app/api/v1/lists/route";
import * as listRoute from "@/app/api/v1/lists/[id]/route";
import * as listItemsRoute from "@/app/api/v1/lists/[id]/items/route";
import * as sharedListRoute from "@/app/api/v1/shared-lists/[token]/route";
import * as nextRoute from "@/app/api/v1/saes/[saeId]/labelling/next/route";
import * as progressRoute from "@/app/api/v1/saes/[saeId]/labelling/progress/route";
import * as exportRoute from "@/app/api/v1/saes/[saeId]/labels/export/route";
import { bestScore, chooseCurrentLabel } from "@/lib/labels/ranking";
import { call, makeKey, makeUser } from "./api-support";

let fixture: SyntheticFixture;
let viewer: { bearer: Record<string, string>; id: number };
let editor: { bearer: Record<string, string>; id: number };
let editor2: { bearer: Record<string, string>; id: number };

async function person(role: "viewer" | "editor" | "admin") {
  const user = await makeUser(role);
  const { bearer } = await makeKey(user.id);
  return { bearer, id: user.id };
}

beforeAll(async () => {
  fixture = await loadSyntheticFixture(db(), { modelName: "synthetic-labels-api" });
  viewer = await person("viewer");
  editor = await person("editor");
  editor2 = await person("editor");
}, 600_000); // the synthetic fixture takes a while on a loaded machine
afterAll(disconnectDb, 600_000);

const liveUnlabelled = () => fixture.labelled.unlabelled.filter((i) => !fixture.deadIndices.includes(i));
const fp = (index: number) => ({ saeId: String(fixture.saeId), index: String(index) });
const labelsUrl = (index: number) => `/api/v1/saes/${fixture.saeId}/features/${index}/labels`;
type Label = { id: number; version: number; text: string; status: string; voteScore: number; isCurrent: boolean; myVote: number; pinned: boolean };

async function addLabel(index: number, text: string, who = editor) {
  const res = await call(featureLabels.POST, labelsUrl(index), { method: "POST", headers: who.bearer, body: { text }, params: fp(index) });
  expect(res.status).toBe(201);
  return res.json as unknown as Label;
}

async function auditCount(labelId: number, action?: string) {
  return db().auditEvent.count({ where: { targetType: "label", targetId: labelId, action } });
}

describe("the synthetic fixture's labels", () => {
  it("show the label the ranking rules choose — never a rejected one — and each has its first revision", async () => {
    const features = await db().feature.findMany({ where: { saeId: fixture.saeId }, include: { labels: { include: { revisions: true } } } });
    expect(features).toHaveLength(fixture.featureCount);
    for (const feature of features) {
      const expected = chooseCurrentLabel(feature.labels);
      expect({ index: feature.index, current: feature.currentLabelId, status: feature.labelStatus, score: feature.labelScore })
        .toEqual({ index: feature.index, current: expected?.id ?? null, status: expected?.status ?? null, score: expected ? bestScore(expected) : null });
      const current = feature.labels.find((l) => l.id === feature.currentLabelId);
      expect(current?.status).not.toBe("rejected");
      for (const label of feature.labels) expect(label.revisions.map((r) => [r.version, r.text, r.status])).toEqual([[1, label.text, label.status]]);
    }
    const byIndex = new Map(features.map((f) => [f.index, f]));
    for (const index of fixture.labelled.rejected) {
      expect(byIndex.get(index)!.labels.map((l) => l.status)).toEqual(["rejected"]);
      expect(byIndex.get(index)!.currentLabelId).toBeNull();
    }
    for (const index of fixture.labelled.accepted) expect(byIndex.get(index)!.labelStatus).toBe("accepted");
    for (const index of fixture.labelled.drafted) expect(byIndex.get(index)!.labelStatus).toBe("draft");
  });
});

describe("roles", () => {
  it("anyone reads labels; a viewer cannot label, vote or comment (403); anonymous writes are 401", async () => {
    const index = liveUnlabelled()[0];
    const read = await call(featureLabels.GET, labelsUrl(index), { params: fp(index) });
    expect(read.status).toBe(200);
    const anon = await call(featureLabels.POST, labelsUrl(index), { method: "POST", body: { text: "x" }, params: fp(index) });
    expect(anon.status).toBe(401);
    const asViewer = await call(featureLabels.POST, labelsUrl(index), { method: "POST", headers: viewer.bearer, body: { text: "x" }, params: fp(index) });
    expect(asViewer.status).toBe(403);
    const label = await addLabel(index, "roles: a label by an editor");
    const vote = await call(voteRoute.PUT, `/api/v1/labels/${label.id}/vote`, { method: "PUT", headers: viewer.bearer, body: { value: 1 }, params: { id: String(label.id) } });
    expect(vote.status).toBe(403);
    const comment = await call(commentsRoute.POST, "/c", { method: "POST", headers: viewer.bearer, body: { body: "hi" }, params: fp(index) });
    expect(comment.status).toBe(403);
    const review = await call(reviewRoute.POST, "/r", { method: "POST", headers: viewer.bearer, body: { action: "accept" }, params: { id: String(label.id) } });
    expect(review.status).toBe(403);
    // a read-only key cannot write even for an editor
    const readOnly = await makeKey(editor.id, ["read"]);
    const scoped = await call(featureLabels.POST, labelsUrl(index), { method: "POST", headers: readOnly.bearer, body: { text: "x" }, params: fp(index) });
    expect(scoped.status).toBe(403);
  });
});

describe("editing with optimistic concurrency", () => {
  it("a stale version gets 409 with both versions; merging and resaving loses nothing; every change is audited", async () => {
    const index = fixture.labelled.drafted[0];
    const label = await addLabel(index, "commas in lists");
    expect(label.version).toBe(1);
    expect(await auditCount(label.id, "label.create")).toBe(1);

    // two editors start from version 1
    const first = await call(labelRoute.PATCH, `/api/v1/labels/${label.id}`, {
      method: "PATCH", headers: editor.bearer, body: { version: 1, text: "commas in enumerations" }, params: { id: String(label.id) },
    });
    expect(first.status).toBe(200);
    expect((first.json as unknown as Label).version).toBe(2);

    const stale = await call(labelRoute.PATCH, `/api/v1/labels/${label.id}`, {
      method: "PATCH", headers: editor2.bearer, body: { version: 1, text: "commas in lists of numbers" }, params: { id: String(label.id) },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error?.code).toBe("conflict");
    const details = stale.json.error?.details as { current: Label; submitted: { version: number; text: string } };
    expect(details.current.text).toBe("commas in enumerations");
    expect(details.current.version).toBe(2);
    expect(details.submitted).toMatchObject({ version: 1, text: "commas in lists of numbers" });

    // the second editor merges and saves against the current version
    const merged = await call(labelRoute.PATCH, `/api/v1/labels/${label.id}`, {
      method: "PATCH", headers: editor2.bearer, body: { version: 2, text: "commas in enumerations and lists of numbers" }, params: { id: String(label.id) },
    });
    expect(merged.status).toBe(200);

    const history = await call(revisionsRoute.GET, "/h", { params: { id: String(label.id) } });
    const revisions = (history.json as unknown as { revisions: { version: number; text: string; editor: { id: number } | null }[] }).revisions;
    expect(revisions.map((r) => r.version)).toEqual([3, 2, 1]);
    expect(revisions[0].editor?.id).toBe(editor2.id);
    expect(revisions.map((r) => r.text)).toContain("commas in enumerations");
    expect(await auditCount(label.id, "label.update")).toBe(2);
  });

  it("concurrent saves of the same version: exactly one wins, the other is a 409", async () => {
    const index = fixture.labelled.drafted[1];
    const label = await addLabel(index, "race");
    const attempts = await Promise.all(
      [editor, editor2, editor, editor2].map((who, i) =>
        call(labelRoute.PATCH, `/api/v1/labels/${label.id}`, { method: "PATCH", headers: who.bearer, body: { version: 1, text: `race ${i}` }, params: { id: String(label.id) } }),
      ),
    );
    expect(attempts.filter((a) => a.status === 200)).toHaveLength(1);
    expect(attempts.filter((a) => a.status === 409)).toHaveLength(3);
    const stored = await db().label.findUniqueOrThrow({ where: { id: label.id } });
    expect(stored.version).toBe(2);
  });
});

describe("votes, review and the current label", () => {
  it("votes re-rank labels; rejecting removes a label from current; a reviewer's pin overrides rank", async () => {
    const index = liveUnlabelled()[1];
    const a = await addLabel(index, "rank: label a");
    const b = await addLabel(index, "rank: label b", editor2);
    const current = async () => (await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId: fixture.saeId, index } } })).currentLabelId;
    expect(await current()).toBe(a.id); // tie → older

    for (const who of [editor, editor2]) {
      const vote = await call(voteRoute.PUT, "/v", { method: "PUT", headers: who.bearer, body: { value: 1 }, params: { id: String(b.id) } });
      expect(vote.status).toBe(200);
    }
    expect(await current()).toBe(b.id);
    const down = await call(voteRoute.PUT, "/v", { method: "PUT", headers: editor.bearer, body: { value: -1 }, params: { id: String(b.id) } });
    expect((down.json as unknown as Label).voteScore).toBe(0);
    expect((down.json as unknown as Label).myVote).toBe(-1);
    expect(await current()).toBe(a.id);

    const pin = await call(pinRoute.PUT, "/p", { method: "PUT", headers: editor.bearer, body: { pinned: true }, params: { id: String(b.id) } });
    expect((pin.json as unknown as Label).pinned).toBe(true);
    expect(await current()).toBe(b.id);

    const unversioned = await call(reviewRoute.POST, "/r", { method: "POST", headers: editor.bearer, body: { action: "reject" }, params: { id: String(b.id) } });
    expect(unversioned.status).toBe(400); // a review names the version it saw
    const reject = await call(reviewRoute.POST, "/r", { method: "POST", headers: editor.bearer, body: { action: "reject", version: b.version }, params: { id: String(b.id) } });
    expect((reject.json as unknown as Label).status).toBe("rejected");
    expect(await current()).toBe(a.id);

    const listing = await call(featureLabels.GET, labelsUrl(index), { headers: editor.bearer, params: fp(index) });
    const labels = (listing.json as unknown as { labels: Label[] }).labels;
    expect(labels[0].id).toBe(a.id);
    expect(labels.find((l) => l.id === b.id)?.myVote).toBe(-1);
    expect(await auditCount(b.id, "label.vote")).toBe(3);
    expect(await auditCount(b.id, "label.pin")).toBe(1);
    expect(await auditCount(b.id, "label.reject")).toBe(1);
  });

  it("accepting a machine draft makes it the accepted current label", async () => {
    const index = fixture.labelled.drafted[2];
    const feature = await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId: fixture.saeId, index } } });
    const draft = await db().label.findFirstOrThrow({ where: { featureId: feature.id, source: "model" } });
    const stale = await call(reviewRoute.POST, "/r", { method: "POST", headers: editor.bearer, body: { action: "accept", version: draft.version + 5 }, params: { id: String(draft.id) } });
    expect(stale.status).toBe(409);
    const accepted = await call(reviewRoute.POST, "/r", { method: "POST", headers: editor.bearer, body: { action: "accept", version: draft.version }, params: { id: String(draft.id) } });
    expect(accepted.status).toBe(200);
    const after = await db().feature.findUniqueOrThrow({ where: { id: feature.id } });
    expect(after.currentLabelId).toBe(draft.id);
    expect(after.labelStatus).toBe("accepted");
    expect(await auditCount(draft.id, "label.accept")).toBe(1);
  });
});

describe("comments", () => {
  it("stores Markdown, renders it sanitised, and soft-deletes (author only)", async () => {
    const index = fixture.labelled.accepted[0];
    const posted = await call(commentsRoute.POST, "/c", {
      method: "POST", headers: editor.bearer, params: fp(index),
      body: { body: "**fires** on `<b>` <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org)" },
    });
    expect(posted.status).toBe(201);
    const comment = posted.json as unknown as { id: number; html: string };
    expect(comment.html).toContain("<strong>fires</strong>");
    expect(comment.html).toContain("<code>&lt;b&gt;</code>");
    expect(comment.html).not.toMatch(/<script|href="javascript/i);
    expect(comment.html).toContain('href="https://example.org"');
    const notMine = await call(commentRoute.DELETE, "/d", { method: "DELETE", headers: editor2.bearer, params: { id: String(comment.id) } });
    expect(notMine.status).toBe(403);
    const mine = await call(commentRoute.DELETE, "/d", { method: "DELETE", headers: editor.bearer, params: { id: String(comment.id) } });
    expect(mine.status).toBe(204);
    const list = await call(commentsRoute.GET, "/c", { params: fp(index) });
    const found = (list.json as unknown as { comments: { id: number; deleted: boolean; body: string }[] }).comments.find((c) => c.id === comment.id);
    expect(found).toMatchObject({ deleted: true, body: "" });
  });
});

describe("bookmarks and lists", () => {
  it("bookmarks are per person", async () => {
    const index = fixture.labelled.accepted[1];
    const put = await call(bookmarkRoute.PUT, "/b", { method: "PUT", headers: viewer.bearer, params: fp(index) });
    expect(put.json).toEqual({ bookmarked: true });
    const mine = await call(bookmarksRoute.GET, "/b", { headers: viewer.bearer });
    expect((mine.json as unknown as { bookmarks: { index: number }[] }).bookmarks.map((b) => b.index)).toEqual([index]);
    const theirs = await call(bookmarksRoute.GET, "/b", { headers: editor.bearer });
    expect((theirs.json as unknown as { bookmarks: unknown[] }).bookmarks).toEqual([]);
  });

  it("a list is private until shared; its share link then works for anyone and stops after rotation", async () => {
    const created = await call(listsRoute.POST, "/l", { method: "POST", headers: viewer.bearer, body: { name: "base64 features" } });
    expect(created.status).toBe(201);
    const list = created.json as unknown as { id: number; shareToken: string };
    await call(listItemsRoute.POST, "/i", { method: "POST", headers: viewer.bearer, body: { saeId: fixture.saeId, index: 3, note: "looks like base64" }, params: { id: String(list.id) } });
    await call(listItemsRoute.POST, "/i", { method: "POST", headers: viewer.bearer, body: { saeId: fixture.saeId, index: 5 }, params: { id: String(list.id) } });
    const other = await call(listRoute.GET, "/l", { headers: editor.bearer, params: { id: String(list.id) } });
    expect(other.status).toBe(404);
    const privateShare = await call(sharedListRoute.GET, "/s", { params: { token: list.shareToken } });
    expect(privateShare.status).toBe(404);
    await call(listRoute.PATCH, "/l", { method: "PATCH", headers: viewer.bearer, body: { isPublic: true }, params: { id: String(list.id) } });
    const shared = await call(sharedListRoute.GET, "/s", { params: { token: list.shareToken } });
    expect(shared.status).toBe(200);
    const body = shared.json as unknown as { shareToken: string | null; items: { index: number; note: string | null }[] };
    expect(body.items.map((i) => i.index)).toEqual([3, 5]);
    expect(body.items[0].note).toBe("looks like base64");
    expect(body.shareToken).toBeNull();
    await call(listRoute.PATCH, "/l", { method: "PATCH", headers: viewer.bearer, body: { rotateShareToken: true }, params: { id: String(list.id) } });
    expect((await call(sharedListRoute.GET, "/s", { params: { token: list.shareToken } })).status).toBe(404);
  });
});

describe("labelling queue, progress and export", () => {
  it("next skips labelled and dead features and wraps around; progress counts", async () => {
    const saeParams = { saeId: String(fixture.saeId) };
    const first = await call(nextRoute.GET, `/n?after=-1`, { params: saeParams });
    const next = first.json as unknown as { index: number; remaining: number };
    const unlabelled = await db().feature.findMany({
      where: { saeId: fixture.saeId, dead: false, OR: [{ labelStatus: null }, { labelStatus: { not: "accepted" } }] },
      orderBy: { index: "asc" },
    });
    expect(next.index).toBe(unlabelled[0].index);
    expect(next.remaining).toBe(unlabelled.length);
    const after = await call(nextRoute.GET, `/n?after=${unlabelled[0].index}&skip=${unlabelled[1].index}`, { params: saeParams });
    expect((after.json as unknown as { index: number }).index).toBe(unlabelled[2].index);
    const wrapped = await call(nextRoute.GET, `/n?after=${unlabelled[unlabelled.length - 1].index}`, { params: saeParams });
    expect((wrapped.json as unknown as { index: number }).index).toBe(unlabelled[0].index);

    const progress = await call(progressRoute.GET, "/p", { params: saeParams });
    const p = progress.json as unknown as { features: number; labelled: number; drafted: number; unlabelled: number; byAuthor: { name: string; labelled: number }[] };
    expect(p.features).toBe(await db().feature.count({ where: { saeId: fixture.saeId, dead: false } }));
    expect(p.unlabelled + p.drafted).toBe(unlabelled.length);
    expect(p.byAuthor.reduce((sum, a) => sum + a.labelled, 0)).toBe(p.labelled);
  });

  it("exports every label with provenance as JSONL and CSV", async () => {
    const saeParams = { saeId: String(fixture.saeId) };
    const count = await db().label.count({ where: { feature: { saeId: fixture.saeId } } });
    const jsonl = await call(exportRoute.GET, "/e?format=jsonl", { params: saeParams });
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("content-type")).toContain("ndjson");
    const raw = typeof jsonl.json === "string" ? (jsonl.json as string) : JSON.stringify(jsonl.json) + "\n";
    const rows = raw.trim().split("\n").map((line) => JSON.parse(line));
    expect(rows).toHaveLength(count);
    const model = rows.find((r) => r.source === "model");
    expect(model.provenance).toMatchObject({ model: "synthetic-explainer-v0", promptVersion: "explain-v1" });
    const csv = await call(exportRoute.GET, "/e?format=csv", { params: saeParams });
    const lines = (csv.json as unknown as string).trim().split("\r\n");
    expect(lines[0]).toMatch(/^label_id,sae_id,model,sae,hook_name,feature_index,text/);
    expect(lines).toHaveLength(count + 1);
  });
});
