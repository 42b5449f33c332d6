/**
 * The steering readouts against PyTorch: lib/inference/fixtures/steering-torch-reference.json holds
 * numbers computed by scripts/steering-reference/torch_steering_reference.py (float64 torch, full
 * forward passes, the KL of SAELens evals.py get_recons_loss on the default text, the SAELens TopK
 * encode at each token's own position; regenerate with scripts/steering-reference/make-fixture.ts).
 * CI has no torch, so the values are committed; the fixture model and SAE are rebuilt here from the
 * same seeds.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelPackage, type ModelSession } from "@/lib/model";
import { writeFixtureModelPackage, type FixtureModelSpec } from "@/lib/model/fixtures";
import { loadSae, type Sae } from "@/lib/sae";
import { fixtureSae, type FixtureSaeOptions } from "@/lib/sae/fixtures";
import type { ServiceSteerRequest } from "./protocol";
import { runSteering } from "./steering";

interface TorchCase {
  name: string;
  request: ServiceSteerRequest;
  hook: string;
  defaultTokens: number[];
  steeredTokens: number[];
  torch: { kl: number[]; readings: { default: number[]; steered: number[] } };
}
const fixture = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "fixtures/steering-torch-reference.json"), "utf8")) as {
  model: FixtureModelSpec; sae: FixtureSaeOptions; cases: TorchCase[];
};

let dir: string;
let model: ModelSession;
let sae: Sae;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fs-steer-torch-"));
  await writeFixtureModelPackage(path.join(dir, "model"), fixture.model);
  model = await loadModelPackage(path.join(dir, "model"), { executionProviders: ["cpu"] });
  const built = fixtureSae(fixture.sae);
  fs.mkdirSync(path.join(dir, "sae"));
  fs.writeFileSync(path.join(dir, "sae/cfg.json"), JSON.stringify(built.config));
  fs.writeFileSync(path.join(dir, "sae/sae_weights.safetensors"), built.weightsBytes);
  sae = await loadSae(path.join(dir, "sae"), { executionProviders: ["cpu"] });
});

afterAll(async () => {
  await sae?.dispose();
  await model?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("steering readouts against PyTorch", () => {
  for (const c of fixture.cases) {
    it(`${c.name}: KL on the default text and each token's reading at its own position`, async () => {
      const done = await runSteering(model, new Map([[1, { sae, hookName: c.hook }]]), c.request, () => undefined);
      // the same texts as when the reference was computed (seeded sampling)
      expect(done.default.tokens.map((t) => t.id)).toEqual(c.defaultTokens);
      expect(done.steered.tokens.map((t) => t.id)).toEqual(c.steeredTokens);
      done.kl.forEach((kl, s) => expect(Math.abs(kl! - c.torch.kl[s])).toBeLessThan(1e-4 + 1e-4 * c.torch.kl[s]));
      for (const row of ["default", "steered"] as const) {
        done.featureActs[row].forEach((acts, s) => expect(Math.abs(acts![0] - c.torch.readings[row][s])).toBeLessThan(1e-4));
      }
    });
  }
});
