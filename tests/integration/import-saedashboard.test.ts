/**
 * SAEDashboard's own Neuronpedia batch files (tests/fixtures/saedashboard-test-simple, real output)
 * imported browse-only: intervals, top examples, logits, histograms, density and correlated features
 * as the files say; malformed and truncated batches reported one problem per message with nothing
 * written for them; and import → export → import giving identical data, in both export formats.
 *
 * The expectations are read from the raw files here, independently of the importer, following
 * SAEDashboard's definitions (neuronpedia_converter.py: top records have bin_min −1, interval records
 * carry their bin; utils_fns.py HistogramData.from_data: bar_values are bin centres).
 */
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { listModelsWithSaes } from "@/lib/db/catalog";
import { closeRawSql } from "@/lib/db/dashboards";
import { registerBrowseOnlySae } from "@/lib/import/browse-only";
import { writeDashboardExport } from "@/lib/import/dashboard-export";
import { createNeuronpediaRun, labelImportSummary, runNeuronpediaImport, type ImportReport } from "@/lib/import/neuronpedia";
import * as activationsRoute from "@/app/api/v1/activations/route";
import * as exportRoute from "@/app/api/v1/saes/[saeId]/dashboards/export/route";
import * as labelSearchRoute from "@/app/api/v1/search/labels/route";
import * as activationSearchRoute from "@/app/api/v1/search/activations/route";
import { createLabel } from "@/lib/db/labels";
import { call, makeUser } from "./api-support";
import { tempDir } from "./dashboards-support";

const FIXTURE = path.join(process.cwd(), "tests/fixtures/saedashboard-test-simple");

interface RawActivation { bin_min: number; bin_max: number; bin_contains: number; tokens: string[]; values: number[]; qualifying_token_index: number }
interface RawFeature {
  feature_index: number; frac_nonzero: number; pos_str: string[]; pos_values: number[]; neg_str: string[]; neg_values: number[];
  freq_hist_data_bar_values: number[]; freq_hist_data_bar_heights: number[]; correlated_features_indices: number[];
  correlated_features_pearson: number[]; correlated_features_l1: number[]; activations: RawActivation[];
}

let root: string;
let raw: RawFeature[];

beforeAll(async () => {
  root = await tempDir("saedashboard");
  raw = [];
  for (const name of ["batch-0.json.gz", "batch-1.json.gz"]) {
    raw.push(...(JSON.parse(gunzipSync(await readFile(path.join(FIXTURE, name))).toString("utf8")) as { features: RawFeature[] }).features);
  }
});

afterAll(async () => {
  await closeRawSql();
  await disconnectDb();
});

async function importBrowseOnly(dir: string, names: { modelName?: string; saeName?: string } = {}) {
  const registered = await registerBrowseOnlySae({ exportDir: dir, ...names });
  const run = await createNeuronpediaRun(registered.saeId, dir);
  const outcome = await runNeuronpediaImport(run.id, { owner: "test" });
  const summary = await labelImportSummary(run.id, registered.saeId);
  return { ...registered, outcome, report: summary?.report as ImportReport };
}

/**
 * The display text of a token string SAEDashboard wrote for GPT-2, written here from the published
 * definitions rather than the importer's code: the byte table of openai/gpt-2 src/encoder.py
 * bytes_to_unicode, SAEDashboard's HTML_ANOMALIES replacements (neuronpedia_runner.py), and
 * Featurescope's display rule (whole UTF-8 characters as text, any other byte as \xNN).
 */
function gpt2Display(token: string): string {
  const bs = [...range(0x21, 0x7e), ...range(0xa1, 0xac), ...range(0xae, 0xff)];
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const byteOf = new Map(cs.map((c, i) => [String.fromCharCode(c), bs[i]]));
  const bytes = [...token].flatMap((ch) => (byteOf.has(ch) ? [byteOf.get(ch)!] : [...Buffer.from(ch, "utf8")]));
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    const len = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    const piece = len && i + len <= bytes.length ? Buffer.from(bytes.slice(i, i + len)).toString("utf8") : "\uFFFD";
    if (len && !piece.includes("\uFFFD")) { out += piece; i += len; } else { out += `\\x${lead.toString(16).toUpperCase().padStart(2, "0")}`; i += 1; }
  }
  return out;
}
function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function omit<T extends object>(row: T, ...keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key))) as Partial<T>;
}

/** The columns are real (float32): compare as float32. */
const f32 = (v: number) => Math.fround(v);
const as32 = (values: number[]) => values.map((v) => f32(v) + 0); // + 0: -0 and 0 are the same value here

/** The SAE's features, examples (as display text) and labels, without ids: what round trips must preserve. */
async function snapshot(saeId: number) {
  const sae = await db().sae.findUniqueOrThrow({ where: { id: saeId } });
  const texts = new Map((await db().token.findMany({ where: { modelId: sae.modelId } })).map((t) => [t.tokenId, t.text]));
  const features = await db().feature.findMany({ where: { saeId }, orderBy: { index: "asc" }, include: {
    examples: { orderBy: [{ kind: "asc" }, { intervalIndex: "asc" }, { rank: "asc" }] },
    labels: { orderBy: { text: "asc" } },
  } });
  const t = (ids: number[]) => ids.map((id) => texts.get(id) ?? `#${id}`);
  return {
    dSae: sae.dSae, layer: sae.layer, corpus: [sae.dashboardCorpus, Number(sae.dashboardTokens), sae.dashboardContextSize],
    features: features.map(({ examples, labels, logitTopTokenIds, logitBottomTokenIds, intervalShares, ...f }) => ({
      ...omit(f, "id", "saeId", "currentLabelId"), intervalShares: intervalShares.map((s) => (Number.isNaN(s) ? "NaN" : s)),
      logitTop: t(logitTopTokenIds), logitBottom: t(logitBottomTokenIds),
      examples: examples.map(({ tokenIds, ...e }) => ({ ...omit(e, "id", "featureId", "contextIndex"), tokens: t(tokenIds) })),
      labels: labels.map((l) => ({ text: l.text, source: l.source, status: l.status, method: (l.provenance as Record<string, unknown>)?.method ?? null })),
    })),
  };
}

describe("SAEDashboard batch files, browse-only", () => {
  it("imports the real files as they say: intervals, ranked top examples, logits, histograms, density, correlated features", async () => {
    const dir = path.join(root, "real");
    await cp(FIXTURE, dir, { recursive: true });
    const { saeId, modelId, outcome, report, saeName, modelName } = await importBrowseOnly(dir);
    expect(outcome.status).toBe("done");
    expect([modelName, saeName]).toEqual(["gpt2-small", "0-res-jb"]);
    expect(report.problems).toEqual([]);
    expect(report.layout).toBe("saedashboard");
    // what Featurescope has no place for is listed, not dropped silently
    expect(Object.keys(report.notImported)).toEqual(expect.arrayContaining(["feature.neuron_alignment_indices", "feature.correlated_neurons_indices"]));

    // browse-only: the model is known by name only and the SAE has no weights
    const catalog = (await listModelsWithSaes()).find((m) => m.id === modelId)!;
    expect(catalog.knownByNameOnly).toBe(true);
    expect(catalog.saes.find((s) => s.id === saeId)).toMatchObject({ hasWeights: false, dIn: null, dSae: 4 });

    const texts = new Map((await db().token.findMany({ where: { modelId } })).map((t) => [t.tokenId, t.text]));
    for (const file of raw) {
      const feature = await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId, index: file.feature_index } }, include: { examples: true } });
      expect(f32(feature.density)).toBe(f32(file.frac_nonzero));
      expect(feature.dead).toBe(file.frac_nonzero === 0);
      expect(feature.logitTopTokenIds.map((id) => texts.get(id))).toEqual(file.pos_str.map(gpt2Display));
      expect(as32(feature.logitTopValues)).toEqual(as32(file.pos_values));
      expect(feature.logitBottomTokenIds.map((id) => texts.get(id))).toEqual(file.neg_str.map(gpt2Display));
      expect(feature.correlatedIndices).toEqual(file.correlated_features_indices);
      expect(as32(feature.correlatedPearson)).toEqual(as32(file.correlated_features_pearson));
      expect(feature.histogramCounts).toEqual(file.freq_hist_data_bar_heights);
      if (file.freq_hist_data_bar_values.length > 1) {
        // bin centres back from the stored range, min + (i + ½)·(max − min)/n: the first and last exactly,
        // the others within the file's rounding (3 decimals on the centres, and so on the range)
        const n = file.freq_hist_data_bar_values.length;
        const size = (feature.histogramMax! - feature.histogramMin!) / n;
        const centres = file.freq_hist_data_bar_values.map((_, i) => feature.histogramMin! + (i + 0.5) * size);
        expect([centres[0], centres[n - 1]].map((c) => c.toFixed(3))).toEqual([0, n - 1].map((i) => file.freq_hist_data_bar_values[i].toFixed(3)));
        file.freq_hist_data_bar_values.forEach((v, i) => expect(Math.abs(centres[i] - v)).toBeLessThanOrEqual(1e-3));
      }

      // top records (bin_min −1): all of them, ranked by their max activation
      const top = file.activations.filter((a) => a.bin_min === -1);
      const stored = feature.examples.filter((e) => e.kind === "top").sort((a, b) => a.rank - b.rank);
      expect(stored.length).toBe(top.length);
      const expectedMaxima = top.map((a) => f32(Math.max(...a.values))).sort((a, b) => b - a);
      expect(as32(stored.map((e) => e.maxValue))).toEqual(expectedMaxima);
      expect(f32(feature.maxActivation)).toBe(f32(Math.max(...file.activations.flatMap((a) => a.values))));

      // interval records: each in its own bin, with its share of active tokens
      const bins = [...new Map(file.activations.filter((a) => a.bin_min !== -1).map((a) => [`${a.bin_min}|${a.bin_max}`, a])).values()];
      const intervals = feature.examples.filter((e) => e.kind === "interval");
      expect(intervals.length).toBe(file.activations.length - top.length);
      for (const bin of bins) {
        const inBin = intervals.filter((e) => f32(e.intervalMin!) === f32(bin.bin_min) && f32(e.intervalMax!) === f32(bin.bin_max));
        expect(inBin.length).toBe(file.activations.filter((a) => a.bin_min === bin.bin_min && a.bin_max === bin.bin_max).length);
        expect(new Set(inBin.map((e) => e.intervalIndex)).size).toBe(1);
        expect(f32(feature.intervalShares[inBin[0].intervalIndex!])).toBe(f32(bin.bin_contains));
      }
      // every record's tokens, shown as GPT-2's tokenizer shows them ("Ã¡" is "á"; "âĢ" + "Ļ", a "’" split in two tokens, stays two stray-byte tokens)
      const sequences = (list: string[][]) => list.map((tokens) => tokens.join("\u0001")).sort();
      expect(sequences(feature.examples.map((e) => e.tokenIds.map((id) => texts.get(id)!)))).toEqual(sequences(file.activations.map((a) => a.tokens.map(gpt2Display))));
    }
    expect(report.tokenFormat).toBe("byte-level");
    const shown = new Set(texts.values());
    expect([...["á", "ía", " £", "…", "\\xE2\\x80", "\\x99"]].filter((t) => !shown.has(t))).toEqual([]);
    // equal-width bins keep their place: feature 0's bins (0, 0.443] and (1.771, 2.214] are intervals 1 and 5 of 5
    const feature0 = await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId, index: 0 } }, include: { examples: { where: { kind: "interval" } } } });
    expect([...new Set(feature0.examples.map((e) => e.intervalIndex))].sort()).toEqual([0, 4]);
  }, 60_000);

  it("reports each problem of a malformed or truncated batch and writes nothing for it", async () => {
    const dir = path.join(root, "broken");
    await mkdir(dir, { recursive: true });
    const good = gunzipSync(await readFile(path.join(FIXTURE, "batch-1.json.gz"))).toString("utf8");
    await writeFile(path.join(dir, "batch-0.json"), good);
    await writeFile(path.join(dir, "batch-1.json"), good.slice(0, Math.floor(good.length / 2))); // cut off mid-way
    const bad = JSON.parse(gunzipSync(await readFile(path.join(FIXTURE, "batch-0.json.gz"))).toString("utf8"));
    bad.features[0].activations[3].values.pop(); // one value short of its tokens
    bad.features[1].frac_nonzero = "lots"; // not a number
    bad.features[1].feature_index = 7;
    await writeFile(path.join(dir, "batch-2.json"), JSON.stringify(bad));
    const { saeId, outcome, report } = await importBrowseOnly(dir, { saeName: "broken" });
    expect(outcome.status).toBe("done");
    expect(report.filesWithProblems).toBe(2);
    expect(report.problems).toHaveLength(3);
    expect(report.problems[0]).toMatch(/^batch-1\.json: not valid JSON .*truncated/);
    expect(report.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^batch-2\.json: features\[1\]\.frac_nonzero \(feature 7\): /),
      "batch-2.json: features[0].activations[3] (feature 0): tokens has 127 entries but values has 126",
    ]));
    // only the good batch (features 2 and 3) was written
    const indices = (await db().feature.findMany({ where: { saeId }, select: { index: true }, orderBy: { index: "asc" } })).map((f) => f.index);
    expect(indices).toEqual([2, 3]);
  }, 60_000);

  for (const format of ["saedashboard", "neuronpedia"] as const) {
    it(`round-trips import → export (${format}) → import to identical data, labels included`, async () => {
      const dir = path.join(root, `trip-${format}`);
      await cp(FIXTURE, dir, { recursive: true });
      // explanations next to the batches (Neuronpedia's explanation rows; SAEDashboard writes none)
      await mkdir(path.join(dir, "explanations"), { recursive: true });
      await writeFile(path.join(dir, "explanations", "batch-0.jsonl"), [
        { id: "np-1", modelId: "gpt2-small", layer: "0-res-jb", index: "0", description: "military units", authorId: "a1",
          typeName: "oai_token-act-pair", explanationModelName: "gpt-4o-mini", scoreV1: 0.4, scores: [{ explanationScoreTypeName: "recall_alt", explanationScoreModelName: "gpt-4o-mini", value: 0.7 }] },
        { modelId: "gpt2-small", layer: "0-res-jb", index: "2", description: "hedging words", typeName: "np_max-act-logits", explanationModelName: "claude" },
      ].map((r) => JSON.stringify(r)).join("\n") + "\n");
      const first = await importBrowseOnly(dir, { modelName: `trip-${format}`, saeName: "0-res-jb" });
      expect(first.report.problems).toEqual([]);
      const out = path.join(root, `out-${format}`);
      const summary = await writeDashboardExport(first.saeId, out, format, { featuresPerBatch: 3 });
      expect(summary).toMatchObject({ features: 4, labels: 2 });
      const second = await importBrowseOnly(out, { modelName: `trip-${format}-again`, saeName: "0-res-jb" });
      expect(second.report.problems).toEqual([]);
      const [a, b] = [await snapshot(first.saeId), await snapshot(second.saeId)];
      expect(b).toEqual(a);
      const label = await db().label.findFirstOrThrow({ where: { feature: { saeId: second.saeId, index: 0 } } });
      expect(label.provenance).toMatchObject({ explanationId: "np-1", method: "oai_token-act-pair", model: "gpt-4o-mini",
        scores: { scoreV1: 0.4, scores: [{ type: "recall_alt", model: "gpt-4o-mini", value: 0.7 }] } });
    }, 90_000);
  }

  it("serves a browse-only SAE: label and activation-text search, labelling and the export API work; running text says it needs weights", async () => {
    const dir = path.join(root, "api");
    await cp(FIXTURE, dir, { recursive: true });
    const { saeId, modelId } = await importBrowseOnly(dir, { modelName: "api-gpt2-small" });
    const editor = await makeUser("editor");
    const feature = await db().feature.findUniqueOrThrow({ where: { saeId_index: { saeId, index: 0 } } });
    await createLabel(feature.id, { text: "military brigade units" }, editor.id);

    const found = await call(labelSearchRoute.GET, `/s?q=brigade&sae=${saeId}`);
    expect(found.status).toBe(200);
    expect((found.json.results as Array<{ feature: { index: number } }>).map((r) => r.feature.index)).toContain(0);
    const byText = await call(activationSearchRoute.GET, `/s?q=${encodeURIComponent(" brigade")}&sae=${saeId}`);
    expect(byText.status).toBe(200);
    // " brigade" is the token of feature 0's strongest record (2.214)
    expect((byText.json.results as Array<{ feature: { index: number } }>).map((r) => r.feature.index)).toContain(0);

    const refused = await call(activationsRoute.POST, "/a", { method: "POST", body: { modelId, text: "hello", saes: [{ saeId }] } });
    expect(refused.status).toBe(409);
    expect(refused.json.error?.message).toMatch(/needs the model's weights: api-gpt2-small is known by name only/);

    const batch = await call(exportRoute.GET, "/e?part=batch&from=0&to=0", { params: { saeId: String(saeId) } });
    expect(batch.status).toBe(200);
    const exported = batch.json as unknown as { model_id: string; layer: number; sae_set: string; features: Array<{ feature_index: number; activations: unknown[]; frac_nonzero: number }> };
    expect(exported).toMatchObject({ model_id: "api-gpt2-small", layer: 0, sae_set: "res-jb" });
    expect(exported.features.map((f) => f.feature_index)).toEqual([0]);
    expect(exported.features[0].frac_nonzero).toBe(raw[0].frac_nonzero);
    expect(exported.features[0].activations).toHaveLength(raw[0].activations.length);
    const explanations = await call(exportRoute.GET, "/e?part=explanations", { params: { saeId: String(saeId) } });
    expect(JSON.stringify(explanations.json)).toContain("military brigade units");
  }, 60_000);
});
