/**
 * First start: imports the committed demo model and SAEs (demo/) and enqueues their dashboards on
 * the demo corpus; later starts find them ready and return at once without loading any model.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { db } from "@/lib/db/client";
import { createBoss, ensureQueues } from "@/lib/jobs/boss";
import { importModelAndSaes } from "@/lib/import";
import { registerModel } from "@/lib/import/register";
import { validateModelPackage } from "@/lib/import/validate";
import { describeRun, EtaEstimator, runsProgress } from "./follow";
import { enqueueDashboardRun } from "./jobs";
import { DEFAULT_TOKENS } from "./run";

export interface DemoLayout {
  model: string;
  saes: string[];
  corpus: string | null;
}

/** demo/model, every SAELens folder under demo/saes (or demo/sae*), and demo/corpus when it has text. */
export async function findDemo(root = path.resolve("demo")): Promise<DemoLayout | null> {
  const model = path.join(root, "model");
  if (!existsSync(path.join(model, "manifest.json"))) return null;
  const saes: string[] = [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || !entry.name.startsWith("sae")) continue;
    const dir = path.join(root, entry.name);
    if (existsSync(path.join(dir, "cfg.json"))) saes.push(dir);
    else {
      for (const sub of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        if (sub.isDirectory() && existsSync(path.join(dir, sub.name, "cfg.json"))) saes.push(path.join(dir, sub.name));
      }
    }
  }
  const corpusDir = path.join(root, "corpus");
  const hasText = async (dir: string): Promise<boolean> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && (await hasText(path.join(dir, entry.name)))) return true;
      if (/\.(jsonl|txt)(\.gz)?$/i.test(entry.name)) return true;
    }
    return false;
  };
  return { model, saes, corpus: (await hasText(corpusDir)) ? corpusDir : null };
}

async function quickContentHash(dir: string): Promise<string> {
  // the same hash lib/import/validate.ts stores (file name, NUL, bytes — for the files present)
  const hash = createHash("sha256");
  for (const file of ["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"]) {
    hash.update(`${file}\0`);
    const bytes = await readFile(path.join(dir, file)).catch(() => undefined);
    if (bytes) hash.update(bytes);
  }
  return hash.digest("hex");
}

export interface DemoImportResult {
  status: "absent" | "ready" | "computing" | "registered";
  runIds: number[];
  message: string;
}

/**
 * Makes sure the demo is imported and its dashboards are computed or on their way. Safe to call on
 * every start: when every demo SAE is already ready it only hashes the SAE files.
 */
export async function ensureDemoImported(options: { root?: string; tokens?: number; log?: (line: string) => void } = {}): Promise<DemoImportResult> {
  const log = options.log ?? (() => undefined);
  const demo = await findDemo(options.root);
  if (!demo) return { status: "absent", runIds: [], message: "no demo model package in demo/" };

  const manifest = JSON.parse(await readFile(path.join(demo.model, "manifest.json"), "utf8")) as { name: string };
  if (demo.saes.length === 0) {
    const existing = await db().model.findUnique({ where: { name: manifest.name }, select: { id: true } });
    if (!existing) {
      log(`registering the demo model ${manifest.name} (no demo SAEs yet)`);
      await registerModel(await validateModelPackage(demo.model));
    }
    return { status: "registered", runIds: [], message: `demo model ${manifest.name} registered; no demo SAEs found in demo/` };
  }

  const hashes = await Promise.all(demo.saes.map(quickContentHash));
  const ready = await db().sae.count({ where: { model: { name: manifest.name }, contentHash: { in: hashes }, status: "ready" } });
  if (ready === demo.saes.length) {
    return { status: "ready", runIds: [], message: `demo model ${manifest.name} and ${ready} SAE(s) ready` };
  }

  log(`importing the demo model ${manifest.name} and ${demo.saes.length} SAE(s)…`);
  const tokens = options.tokens ?? (Number(process.env.FEATURESCOPE_DEMO_TOKENS) || DEFAULT_TOKENS);
  const result = await importModelAndSaes({
    modelDir: demo.model, saeDirs: demo.saes, corpus: demo.corpus ?? undefined, tokens, onStep: (line) => log(`  ${line}`),
  });
  const runIds = result.saes.filter((s) => s.run && s.run.status !== "done").map((s) => s.run!.id);
  if (runIds.length === 0) {
    return { status: demo.corpus ? "ready" : "registered", runIds, message: demo.corpus ? "demo ready" : "demo registered; no corpus in demo/corpus to compute dashboards on" };
  }
  const boss = createBoss();
  await boss.start();
  try {
    await ensureQueues(boss);
    for (const id of runIds) await enqueueDashboardRun(boss, id);
  } finally {
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
  }
  return {
    status: "computing", runIds,
    message: `computing dashboards for ${runIds.length} demo SAE(s) on ${tokens.toLocaleString("en")} corpus tokens in the job worker`,
  };
}

/** Logs the runs' progress every `everyMs` until all are done or failed; returns a stop function. */
export function watchRuns(runIds: number[], log: (line: string) => void, everyMs = 15_000): () => void {
  const eta = new EtaEstimator();
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      const runs = await runsProgress(runIds);
      const saes = await db().sae.findMany({ where: { id: { in: runs.map((r) => r.saeId) } }, select: { id: true, name: true } });
      const names = new Map(saes.map((s) => [s.id, s.name]));
      for (const run of runs) log(`dashboards ${names.get(run.saeId) ?? run.saeId}: ${describeRun(run, eta.secondsLeft(run))}`);
      if (runs.every((r) => r.status === "done" || r.status === "failed")) {
        stopped = true;
        return;
      }
    } catch (error) {
      log(`dashboards: progress unavailable (${(error as Error).message})`);
    }
    if (!stopped) setTimeout(() => void tick(), everyMs).unref();
  };
  setTimeout(() => void tick(), Math.min(everyMs, 5000)).unref();
  return () => {
    stopped = true;
  };
}
