/**
 * Search relevance with known answers, on the synthetic fixture plus a few labels and examples
 * planted here: typos and partial words still find the feature, filters exclude what they should,
 * votes re-rank, pages neither skip nor repeat, and activation-text search finds the context.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { loadSyntheticFixture, XSS_TOKEN, SYNTHETIC_VOCAB, type SyntheticFixture } from "@/lib/fixtures/synthetic";
import { rebuildSearchLexicon, searchActivations, searchLabels, syncSearchLexicon } from "@/lib/db/search";
import { activationSearchQuerySchema, labelSearchQuerySchema } from "@/lib/search/contracts";
import { segments } from "@/lib/search/highlight";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { embedPendingLabels, searchSemantic } from "@/lib/db/search-semantic";
import { embeddingsConfig, type EmbeddingsConfig } from "@/lib/search/embeddings";

let fixture: SyntheticFixture;
let other: SyntheticFixture;
/** Planted features, by role. */
const planted = { bridge: 5, deception: 9, base64: 13, xss: 17, dense: 21, voteLow: 25, voteHigh: 29, phrase: 33 };
const featureIds = new Map<number, number>();

const labels = (input: Record<string, unknown>) => searchLabels(labelSearchQuerySchema.parse(input));
const activations = (input: Record<string, unknown>) => searchActivations(activationSearchQuerySchema.parse(input));
const indices = (page: { results: { feature: { index: number; saeName: string } }[] }) => page.results.map((r) => r.feature.index);

async function plantLabel(index: number, text: string, data: Partial<{ source: "human" | "model"; status: "accepted" | "draft" | "rejected"; voteScore: number; current: boolean }> = {}) {
  const featureId = featureIds.get(index) as number;
  const label = await db().label.create({
    data: { featureId, text, source: data.source ?? "human", status: data.status ?? "accepted", voteScore: data.voteScore ?? 0 },
  });
  if (data.current !== false) {
    await db().feature.update({ where: { id: featureId }, data: { currentLabelId: label.id, labelStatus: label.status } });
  }
  return label;
}

beforeAll(async () => {
  fixture = await loadSyntheticFixture(db(), { modelName: "synthetic-search" });
  // a second model with its own SAE, to show that filters exclude it
  other = await loadSyntheticFixture(db(), { modelName: "synthetic-search-other", features: 12, seed: 99 });
  const features = await db().feature.findMany({ where: { saeId: fixture.saeId }, select: { id: true, index: true } });
  for (const f of features) featureIds.set(f.index, f.id);

  await plantLabel(planted.bridge, "The Golden Gate Bridge and other San Francisco landmarks");
  await plantLabel(planted.deception, "deception: characters lying to or misleading others", { source: "model", status: "draft" });
  await plantLabel(planted.base64, "base64-encoded strings in URLs and data blobs");
  await plantLabel(planted.xss, `HTML tags like ${XSS_TOKEN} inside prose`);
  await plantLabel(planted.voteLow, "weather reports mentioning thunderstorms", { voteScore: 0 });
  await plantLabel(planted.voteHigh, "weather reports mentioning thunderstorms", { voteScore: 12 });
  await db().feature.update({ where: { id: featureIds.get(planted.dense) }, data: { density: 0.2 } });
  await plantLabel(planted.dense, "deceptive advertising claims");
  // the other model's feature 3 gets a label that would otherwise rank first for "deception"
  const otherFeature = await db().feature.findFirstOrThrow({ where: { saeId: other.saeId, index: 3 } });
  await db().label.create({ data: { featureId: otherFeature.id, text: "deception", source: "human", status: "accepted", voteScore: 5 } });

  // a top example where " Golden Gate" appears and the feature fires hardest on " Gate"
  const id = (text: string) => SYNTHETIC_VOCAB.indexOf(text);
  const phraseFeature = await db().feature.findUniqueOrThrow({ where: { id: featureIds.get(planted.phrase) } });
  const tokenIds = [id(" the"), id(" fog"), id(" on"), id(" the"), id(" Golden"), id(" Gate"), id(" bridge"), id(".")];
  const values = [0, 0, 0, 0, phraseFeature.maxActivation * 0.6, phraseFeature.maxActivation, 0.2, 0];
  // three of them, so that the planted feature also wins on coverage over chance occurrences
  for (const rank of [97, 98, 99]) {
    await db().activationExample.create({
      data: { featureId: phraseFeature.id, kind: "top", rank, tokenIds, values, maxValue: phraseFeature.maxActivation, maxPosition: 5 },
    });
  }
  await rebuildSearchLexicon();
  // two fixtures take a while on a busy two-core machine
}, 600_000);
afterAll(disconnectDb);

describe("label search", () => {
  it("finds a feature by a word of its label", async () => {
    const page = await labels({ q: "landmarks", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.bridge]);
    expect(page.results[0].feature.url).toBe(fixture.featurePath(planted.bridge));
    expect(page.results[0].label).toMatchObject({ source: "human", status: "accepted", isCurrent: true });
  });

  it("finds every form of a word's stem, accepted labels before drafts", async () => {
    // "deceptive advertising" (accepted) and "deception: …" (a model draft) share the stem decept
    const page = await labels({ q: "deception", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.dense, planted.deception]);
    expect(page.results[1].label).toMatchObject({ source: "model", status: "draft", isCurrent: true });
  });

  it("still finds it through a typo", async () => {
    const page = await labels({ q: "decepton", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.dense, planted.deception]);
    expect(page.terms[0].corrections.map((c) => c.lexeme)).toContain("decept");
    // the typo'd word is highlighted in the label
    const hit = page.results[1].label;
    expect(segments(hit.text, hit.highlights).filter((s) => s.match).map((s) => s.text)).toContain("deception");
  });

  it("finds a typo in one word of several", async () => {
    const page = await labels({ q: "san francisco landmrks", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.bridge]);
    expect(page.relaxed).toBe(false);
    // the fixture's own "the Golden Gate Bridge" labels are more specific, so they come first
    const bridge = await labels({ q: "golden gate brigde", model: fixture.modelName, limit: 100 });
    expect(indices(bridge)).toContain(planted.bridge);
    expect(bridge.results[0].label.text).toMatch(/Golden Gate Bridge/);
    // two swapped letters: corrected (not relaxed to "golden or gate") and the corrected word is marked
    expect(bridge.relaxed).toBe(false);
    expect(bridge.terms[2].corrections.map((c) => c.lexeme)).toContain("bridg");
    for (const result of bridge.results) {
      expect(segments(result.label.text, result.label.highlights).filter((s) => s.match).map((s) => s.text).join(" ")).toMatch(/Bridge/);
    }
  });

  it("completes a partial word", async () => {
    const page = await labels({ q: "landm", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.bridge]);
    const partial = await labels({ q: "bas", model: fixture.modelName });
    expect(indices(partial)).toContain(planted.base64);
  });

  it("matches words that contain digits and hyphens", async () => {
    const page = await labels({ q: "base64 encoded", model: fixture.modelName });
    expect(indices(page)[0]).toBe(planted.base64);
  });

  it("lets votes re-rank labels that match equally well", async () => {
    const page = await labels({ q: "thunderstorms", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.voteHigh, planted.voteLow]);
    expect(page.results[0].score).toBeGreaterThan(page.results[1].score);
  });

  it("filters by label source", async () => {
    const human = await labels({ q: "deception", model: fixture.modelName, labels: "human" });
    expect(indices(human)).not.toContain(planted.deception);
    expect(indices(human)).toContain(planted.dense);
    const model = await labels({ q: "deception", model: fixture.modelName, labels: "model" });
    expect(indices(model)).toEqual([planted.deception]);
  });

  it("filters to features without an accepted label", async () => {
    // the fixture's rejected labels are the only "synthetic" labels on features with no accepted or draft label
    const page = await labels({ q: "synthetic", model: fixture.modelName, labels: "unlabelled", limit: 100 });
    const numeric = (a: number, b: number) => a - b;
    expect(indices(page).sort(numeric)).toEqual([...fixture.labelled.rejected].sort(numeric));
    expect(page.results.every((r) => r.label.status === "rejected")).toBe(true);
  });

  it("filters by density range", async () => {
    const all = await labels({ q: "deception", model: fixture.modelName });
    expect(indices(all)).toContain(planted.dense);
    const sparse = await labels({ q: "deception", model: fixture.modelName, maxDensity: 0.1 });
    expect(indices(sparse)).not.toContain(planted.dense);
    const dense = await labels({ q: "deception", model: fixture.modelName, minDensity: 0.15 });
    expect(indices(dense)).toEqual([planted.dense]);
  });

  it("filters by model and by SAE", async () => {
    const everywhere = await labels({ q: "deception" });
    expect(everywhere.results.map((r) => r.feature.modelName)).toContain(other.modelName);
    const one = await labels({ q: "deception", model: fixture.modelName });
    expect(one.results.every((r) => r.feature.modelName === fixture.modelName)).toBe(true);
    const bySae = await labels({ q: "deception", sae: other.saeId });
    expect(bySae.results.map((r) => [r.feature.saeName, r.feature.index])).toEqual([[other.saeName, 3]]);
  });

  it("shows one result per feature, with its best-matching label", async () => {
    const page = await labels({ q: "synthetic city names France", model: fixture.modelName, limit: 100 });
    const keys = page.results.map((r) => `${r.feature.saeId}:${r.feature.index}`);
    expect(new Set(keys).size).toBe(keys.length);
    // fixture feature 0 has an accepted "synthetic: city names in France" and a draft "(broader)"
    const zero = page.results.find((r) => r.feature.index === 0);
    expect(zero?.label.text).toBe("synthetic: city names in France");
  });

  it("pages by keyset without skipping or repeating", async () => {
    const whole = await labels({ q: "synthetic", model: fixture.modelName, limit: 100 });
    expect(whole.results.length).toBeGreaterThan(20);
    const walked: number[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 50; guard++) {
      const page = await labels({ q: "synthetic", model: fixture.modelName, limit: 7, after });
      walked.push(...indices(page));
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    expect(walked).toEqual(indices(whole));
    const scores = whole.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("relaxes to any word when no label has them all, and says so", async () => {
    const page = await labels({ q: "thunderstorms landmarks", model: fixture.modelName });
    expect(page.relaxed).toBe(true);
    expect(indices(page)).toEqual(expect.arrayContaining([planted.bridge, planted.voteHigh]));
  });

  it("returns nothing for stop words alone, and treats query syntax as plain text", async () => {
    expect((await labels({ q: "the of and" })).results).toEqual([]);
    const page = await labels({ q: "landmarks' & !| :* (", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.bridge]);
  });

  it("returns markup in label text as text, with highlight ranges", async () => {
    const page = await labels({ q: "prose html", model: fixture.modelName });
    expect(page.results[0].label.text).toContain(XSS_TOKEN);
    expect(page.results[0].label.highlights.length).toBeGreaterThan(0);
  });

  it("learns the words of labels written after the last sync", async () => {
    await plantLabel(planted.xss, "quasar spectra", { current: false });
    await syncSearchLexicon(true);
    const page = await labels({ q: "quasr", model: fixture.modelName });
    expect(indices(page)).toEqual([planted.xss]);
  });
});

describe("activation-text search", () => {
  it("finds the feature whose top example contains a token, with the match located", async () => {
    const page = await activations({ q: XSS_TOKEN, model: fixture.modelName });
    const hit = page.results.find((r) => r.feature.index === fixture.xssFeatureIndex);
    expect(hit).toBeDefined();
    expect(hit?.example.tokens[hit.example.matchStart]).toBe(XSS_TOKEN);
    expect(page.results[0].feature.index).toBe(fixture.xssFeatureIndex);
  });

  it("matches a phrase as consecutive tokens, ignoring case and leading spaces", async () => {
    const page = await activations({ q: "golden GATE", model: fixture.modelName });
    expect(page.pieces.map((p) => p.text)).toEqual(["golden", "gate"]);
    expect(page.results[0].feature.index).toBe(planted.phrase);
    const example = page.results[0].example;
    expect(example.tokens.slice(example.matchStart, example.matchStart + example.matchLength)).toEqual([" Golden", " Gate"]);
    expect(page.results[0].matchActivation).toBeCloseTo(example.maxValue, 3);
    for (const result of page.results) {
      const { tokens, matchStart } = result.example;
      expect([tokens[matchStart], tokens[matchStart + 1]]).toEqual([" Golden", " Gate"]);
    }
  });

  it("excludes other SAEs and models, and filters by density", async () => {
    const bySae = await activations({ q: "golden gate", sae: other.saeId });
    expect(bySae.results.every((r) => r.feature.saeName === other.saeName)).toBe(true);
    expect(bySae.results.map((r) => r.feature.index)).not.toContain(planted.phrase);
    const sparse = await activations({ q: "golden gate", model: fixture.modelName, minDensity: 0.5 });
    expect(sparse.results).toEqual([]);
  });

  it("pages by keyset without skipping or repeating", async () => {
    const whole = await activations({ q: "paris", model: fixture.modelName, limit: 100 });
    expect(whole.results.length).toBeGreaterThan(5);
    const walked: number[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 50; guard++) {
      const page = await activations({ q: "paris", model: fixture.modelName, limit: 4, after });
      walked.push(...indices(page));
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    expect(walked).toEqual(indices(whole));
  });

  it("asks for a model when several exist, and finds nothing for text outside the vocabulary", async () => {
    await expect(activations({ q: "paris" })).rejects.toThrow(/choose a model/);
    const page = await activations({ q: "zzqx", model: fixture.modelName });
    expect(page.results).toEqual([]);
  });
});

/**
 * A stand-in for an OpenAI-compatible embeddings endpoint: bag-of-words vectors in which a few
 * synonyms share a dimension, so "deceit" is close to "deception" without sharing a single letter
 * trigram with "lying".
 */
function fakeEmbeddingsServer(): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const synonyms: Record<string, string> = { deceit: "deception", lying: "deception", misleading: "deception", storms: "thunderstorms" };
  const dims = 64;
  const embed = (text: string) => {
    const vector = new Array<number>(dims).fill(0);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      const key = synonyms[word] ?? word;
      let h = 0;
      for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      vector[h % dims] += 1;
    }
    vector[dims - 1] += 0.01; // never a zero vector
    return vector;
  };
  const state = { requests: 0 };
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      state.requests++;
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify({ model, data: input.map((text, index) => ({ index, embedding: embed(text) })) }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        get requests() { return state.requests; },
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

describe("semantic label search", () => {
  it("is off, and says so, when no endpoint is configured", async () => {
    expect(embeddingsConfig({})).toBeNull();
    const page = await searchSemantic(labelSearchQuerySchema.parse({ q: "deceit" }), null);
    expect(page).toEqual({ enabled: false, embeddingModel: null, results: [], nextCursor: null });
  });

  it("ranks labels by meaning through an OpenAI-compatible endpoint, exactly, with filters", async () => {
    const server = await fakeEmbeddingsServer();
    try {
      const config = embeddingsConfig({ FEATURESCOPE_EMBEDDINGS_URL: `${server.url}/`, FEATURESCOPE_EMBEDDINGS_MODEL: "fake-bow" }) as EmbeddingsConfig;
      const total = await db().label.count();
      expect(await embedPendingLabels(config)).toEqual({ embedded: total, purged: 0 });
      // nothing to do the second time; an edited label is re-embedded
      expect(await embedPendingLabels(config)).toEqual({ embedded: 0, purged: 0 });
      const edited = await db().label.findFirstOrThrow({ where: { text: { startsWith: "base64" } } });
      await db().label.update({ where: { id: edited.id }, data: { text: `${edited.text} (edited)` } });
      expect(await embedPendingLabels(config)).toEqual({ embedded: 1, purged: 1 });

      const page = await searchSemantic(labelSearchQuerySchema.parse({ q: "deceit", model: fixture.modelName }), config);
      expect(page.enabled).toBe(true);
      expect(page.results[0].feature.index).toBe(planted.deception);
      const scores = page.results.map((r) => r.score);
      expect(scores[0]).toBeGreaterThan(0.3);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const humans = await searchSemantic(labelSearchQuerySchema.parse({ q: "deceit", model: fixture.modelName, labels: "human" }), config);
      expect(humans.results.map((r) => r.feature.index)).not.toContain(planted.deception);
    } finally {
      await server.close();
    }
  });

  it("reports a failing endpoint as an error, not as no results", async () => {
    const config = embeddingsConfig({ FEATURESCOPE_EMBEDDINGS_URL: "http://127.0.0.1:9/v1" }) as EmbeddingsConfig;
    await expect(searchSemantic(labelSearchQuerySchema.parse({ q: "deceit" }), config)).rejects.toThrow(/not reachable/);
  });
});
