import { describe, expect, it } from "vitest";
import { fixtureRandom } from "@/lib/sae/fixtures";
import { deserializeCheckpoint, serializeFirstPass, serializeSecondPass } from "./checkpoint";
import { contextFromDense } from "./sparse";
import { DEFAULT_DASHBOARD_SETTINGS, FirstPass, SecondPass, featureStatistics, type ContextActivations, type ExampleRow } from "./statistics";

const D_SAE = 6;
const LENGTH = 12;

/**
 * Random sparse activations with planted features: feature 0 fires hugely on every BOS (which must
 * be ignored) and once, at a known place, with the largest value; feature 5 never fires; feature 4
 * fires only on BOS (so it is dead once BOS is excluded).
 */
function corpus(contexts: number, seed = 7) {
  const random = fixtureRandom(seed);
  const dense: Float32Array[] = [];
  for (let c = 0; c < contexts; c++) {
    const block = new Float32Array(LENGTH * D_SAE);
    for (let t = 0; t < LENGTH; t++) {
      for (let i = 0; i < 4; i++) {
        // feature 3 is sparse (most contexts never see it), the others fire on ~30% of tokens
        if (random() < (i === 3 ? 0.02 : 0.3)) block[t * D_SAE + i] = Math.round(random() * 1000) / 100;
      }
    }
    block[0 * D_SAE + 0] = 500; // BOS
    block[0 * D_SAE + 4] = 77; // BOS only
    dense.push(block);
  }
  dense[13][7 * D_SAE + 0] = 42; // the planted maximum of feature 0: context 13, position 7
  dense[2][3 * D_SAE + 1] = 30; // feature 1's planted maximum
  return dense;
}

function toContexts(dense: Float32Array[]): ContextActivations[] {
  const excluded = new Uint8Array(LENGTH);
  excluded[0] = 1;
  return dense.map((block, c) => contextFromDense(c, Array.from({ length: LENGTH }, (_, t) => 100 + c * LENGTH + t), block, D_SAE, excluded));
}

/** The context in processing order `position` (what the run tags each context with). */
const at = (contexts: ContextActivations[], order: number[], position: number) => ({ ...contexts[order[position]], order: position });

/**
 * What publishing keeps of staged rows (lib/db/dashboards.ts publishRun): every top row; per
 * (feature, kind, interval) the N sampled rows of earliest order position, ranked 0…N−1.
 */
function published(rows: ExampleRow[], settings = DEFAULT_DASHBOARD_SETTINGS) {
  const slots = new Map<string, ExampleRow[]>();
  for (const row of rows) {
    const key = `${row.featureIndex}/${row.kind}/${row.intervalIndex}`;
    slots.set(key, [...(slots.get(key) ?? []), row]);
  }
  const kept: Array<Omit<ExampleRow, "values" | "tokenIds"> & { values: number[] }> = [];
  for (const [, slot] of [...slots].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...slot].sort((a, b) => a.rank - b.rank);
    const keep = sorted[0].kind === "top" ? sorted.length : sorted[0].kind === "interval" ? settings.examplesPerInterval : settings.nonActivatingExamples;
    sorted.slice(0, keep).forEach((row, i) => {
      const rest: Partial<ExampleRow> = { ...row };
      delete rest.tokenIds;
      kept.push({ ...(rest as ExampleRow), rank: row.kind === "top" ? row.rank : i, values: Array.from(row.values) });
    });
  }
  return kept;
}

/** Brute force over the dense arrays, in processing order. */
function reference(dense: Float32Array[], order: number[], settings = DEFAULT_DASHBOARD_SETTINGS) {
  return Array.from({ length: D_SAE }, (_, f) => {
    const all: number[] = [];
    const perContext: Array<{ c: number; max: number; pos: number }> = [];
    for (const c of order) {
      let max = 0;
      let pos = 0;
      for (let t = 1; t < LENGTH; t++) {
        const v = dense[c][t * D_SAE + f];
        if (v > 0) all.push(v);
        if (v > max) {
          max = v;
          pos = t;
        }
      }
      if (max > 0) perContext.push({ c, max, pos });
    }
    const max = Math.max(0, ...all);
    const min = all.length ? Math.min(...all) : 0;
    const histogram = new Array(settings.histogramBins).fill(0);
    for (const v of all) histogram[Math.min(49, Math.floor(((v - min) / (max - min)) * 50))] += 1;
    const interval = (v: number) => Math.min(9, Math.ceil((v / max) * 10) - 1);
    const shares = new Array(10).fill(0);
    for (const v of all) shares[interval(v)] += 1 / all.length;
    const top = [...perContext].sort((a, b) => b.max - a.max || a.c - b.c).slice(0, settings.topK);
    const samples: number[][] = Array.from({ length: 10 }, () => []);
    for (const entry of perContext) {
      const j = interval(entry.max);
      if (samples[j].length < 5) samples[j].push(entry.c);
    }
    return { count: all.length, max, min, histogram, shares, top, samples };
  });
}

function run(contexts: ContextActivations[], order: number[], interruptAt?: { pass: 1 | 2; after: number }) {
  let first = new FirstPass(D_SAE);
  for (const [i] of order.entries()) {
    first.add(at(contexts, order, i));
    if (interruptAt?.pass === 1 && i === interruptAt.after) {
      const restored = deserializeCheckpoint(serializeFirstPass(first));
      if (restored.phase !== "pass1") throw new Error("wrong phase");
      first = restored.first;
    }
  }
  let second = new SecondPass(first);
  const rows: ExampleRow[] = [];
  for (const [i] of order.entries()) {
    rows.push(...second.add(at(contexts, order, i)));
    if (interruptAt?.pass === 2 && i === interruptAt.after) {
      const restored = deserializeCheckpoint(serializeSecondPass(second));
      if (restored.phase !== "pass2") throw new Error("wrong phase");
      second = restored.second;
    }
  }
  return { second, rows };
}

describe("dashboard statistics", () => {
  const dense = corpus(40);
  const contexts = toContexts(dense);
  const random = fixtureRandom(99);
  const order = Array.from({ length: 40 }, (_, i) => i).sort(() => random() - 0.5);
  const expected = reference(dense, order);
  const { second, rows } = run(contexts, order);

  it("finds the planted top examples exactly and ignores BOS", () => {
    const top0 = rows.filter((r) => r.featureIndex === 0 && r.kind === "top").sort((a, b) => a.rank - b.rank);
    expect(top0[0]).toMatchObject({ contextIndex: 13, maxPosition: 7, maxValue: 42, rank: 0 });
    expect(top0[0].values[0]).toBe(0); // BOS value not reported
    expect(top0[0].values[7]).toBe(42);
    expect(Array.from(top0[0].tokenIds)).toEqual(Array.from({ length: LENGTH }, (_, t) => 100 + 13 * LENGTH + t));
    const top1 = rows.filter((r) => r.featureIndex === 1 && r.kind === "top" && r.rank === 0);
    expect(top1[0]).toMatchObject({ contextIndex: 2, maxPosition: 3, maxValue: 30 });
    expect(featureStatistics(second, 0).maxActivation).toBe(42);
  });

  it("matches a brute-force reference for every statistic", () => {
    for (let f = 0; f < D_SAE; f++) {
      const stats = featureStatistics(second, f);
      const ref = expected[f];
      expect(stats.activeTokens).toBe(ref.count);
      expect(stats.density).toBeCloseTo(ref.count / (40 * (LENGTH - 1)), 12);
      expect(stats.maxActivation).toBeCloseTo(ref.max, 5);
      if (ref.count === 0) {
        expect(stats.dead).toBe(true);
        expect(stats.histogramCounts).toEqual([]);
        continue;
      }
      expect(stats.histogramMin).toBeCloseTo(ref.min, 5);
      expect(stats.histogramCounts).toEqual(ref.histogram);
      expect(stats.histogramCounts.reduce((a, b) => a + b, 0)).toBe(ref.count);
      stats.intervalShares.forEach((share, j) => expect(share).toBeCloseTo(ref.shares[j], 9));
      const top = rows.filter((r) => r.featureIndex === f && r.kind === "top").sort((a, b) => a.rank - b.rank);
      expect(top.map((r) => [r.contextIndex, r.maxPosition])).toEqual(ref.top.map((e) => [e.c, e.pos]));
      for (let j = 0; j < 10; j++) {
        const samples = rows.filter((r) => r.featureIndex === f && r.kind === "interval" && r.intervalIndex === j);
        expect(samples.map((r) => r.contextIndex)).toEqual(ref.samples[j]);
        for (const sample of samples) {
          expect(sample.maxValue).toBeGreaterThan(sample.intervalMin!);
          expect(sample.maxValue).toBeLessThanOrEqual(sample.intervalMax! * (1 + 1e-6));
        }
      }
    }
  });

  it("flags dead features, including one that only fires on BOS", () => {
    expect(featureStatistics(second, 4).dead).toBe(true);
    expect(featureStatistics(second, 5).dead).toBe(true);
    expect(featureStatistics(second, 2).dead).toBe(false);
    expect(rows.some((r) => r.featureIndex === 4)).toBe(false);
  });

  it("gives identical results when interrupted and restored from a checkpoint in either pass", () => {
    for (const interruptAt of [{ pass: 1 as const, after: 17 }, { pass: 2 as const, after: 23 }]) {
      const resumed = run(contexts, order, interruptAt);
      expect(resumed.rows.length).toBe(rows.length);
      resumed.rows.forEach((row, i) => {
        expect({ ...row, values: Array.from(row.values) }).toEqual({ ...rows[i], values: Array.from(rows[i].values) });
      });
      for (let f = 0; f < D_SAE; f++) expect(featureStatistics(resumed.second, f)).toEqual(featureStatistics(second, f));
    }
  });

  it("puts no zero-valued or sub-ε token in an interval", () => {
    expect(second.intervalOf(0, 0)).toBe(-1);
    expect(second.intervalOf(0, 42 * 1e-7)).toBe(-1);
    expect(second.intervalOf(0, 42)).toBe(9);
    expect(second.intervalOf(0, 4.2)).toBe(0);
    expect(second.intervalOf(0, 4.21)).toBe(1);
  });

  it("samples non-activating contexts: the first ones in processing order where the feature is 0 at every counted position", () => {
    const wanted = DEFAULT_DASHBOARD_SETTINGS.nonActivatingExamples;
    for (let f = 0; f < D_SAE; f++) {
      const samples = rows.filter((r) => r.featureIndex === f && r.kind === "random");
      if (expected[f].count === 0) {
        expect(samples).toEqual([]); // dead features have none
        continue;
      }
      const inactive = order.filter((c) => {
        for (let t = 1; t < LENGTH; t++) if (dense[c][t * D_SAE + f] > 0) return false;
        return true;
      });
      expect(samples.map((r) => r.contextIndex)).toEqual(inactive.slice(0, wanted));
      for (const sample of samples) {
        expect(sample.maxValue).toBe(0);
        expect(Array.from(sample.values).every((v) => v === 0)).toBe(true);
        expect(sample.maxPosition).toBeGreaterThan(0); // not the BOS
        expect(sample.rank).toBe(order.indexOf(sample.contextIndex)); // ranked by order position
      }
    }
    // the sparse feature has its full sample; the dense ones only as many as exist
    expect(rows.filter((r) => r.featureIndex === 3 && r.kind === "random")).toHaveLength(wanted);
  });

  it("shards merge into exactly what one pass over every context gives", () => {
    const cuts = [0, 9, 26, 40]; // three shards of the processing order
    const shards = cuts.slice(0, -1).map((from, s) => Array.from({ length: cuts[s + 1] - from }, (_, i) => from + i));
    // pass 1 per shard, merged (in another order than the shards', to show order does not matter)
    const firsts = shards.map((positions) => {
      const pass = new FirstPass(D_SAE);
      for (const p of positions) pass.add(at(contexts, order, p));
      return pass;
    });
    const merged = firsts[2];
    merged.merge(firsts[0]);
    merged.merge(firsts[1]);
    // pass 2 per shard from the merged first pass (through a checkpoint, as the run stores it), merged
    const shardRows: ExampleRow[] = [];
    const seconds = shards.map((positions) => {
      const restored = deserializeCheckpoint(serializeFirstPass(merged));
      if (restored.phase !== "pass1") throw new Error("wrong phase");
      const pass = new SecondPass(restored.first);
      for (const p of positions) shardRows.push(...pass.add(at(contexts, order, p)));
      return pass;
    });
    const total = seconds[0];
    total.merge(seconds[1]);
    total.merge(seconds[2]);
    for (let f = 0; f < D_SAE; f++) {
      // meanActivation sums floats in another order (its last bits may differ; it is stored nowhere)
      expect({ ...featureStatistics(total, f), meanActivation: 0 }).toEqual({ ...featureStatistics(second, f), meanActivation: 0 });
    }
    expect(shardRows.length).toBeGreaterThan(rows.length); // every shard sampled its own first N…
    expect(published(shardRows)).toEqual(published(rows)); // …and publishing keeps exactly the single pass's

    // told what the earlier shards emitted (the run counts their staged rows), a shard emits only what is missing
    const told: ExampleRow[] = [];
    for (const positions of shards) {
      const restored = deserializeCheckpoint(serializeFirstPass(merged));
      if (restored.phase !== "pass1") throw new Error("wrong phase");
      const pass = new SecondPass(restored.first);
      const counts = new Map<string, number>();
      for (const row of told) if (row.kind !== "top") counts.set(`${row.featureIndex}/${row.kind}/${row.intervalIndex}`, (counts.get(`${row.featureIndex}/${row.kind}/${row.intervalIndex}`) ?? 0) + 1);
      for (const [key, count] of counts) {
        const [feature, kind, interval] = key.split("/");
        pass.countEarlier(Number(feature), kind as "interval" | "random", interval === "null" ? null : Number(interval), count);
      }
      pass.refreshPendingRandom();
      for (const p of positions) told.push(...pass.add(at(contexts, order, p)));
    }
    expect(told.length).toBe(rows.length);
    expect(published(told)).toEqual(published(rows));
  });
});
