/**
 * Writes lib/inference/fixtures/steering-torch-reference.json: PyTorch's numbers for the steering
 * readouts on the fixture model, which lib/inference/steering-torch.test.ts compares the engine with
 * (CI has no torch, so the values are committed). For each case it runs the engine once to get the
 * default and steered completions' tokens, then has scripts/steering-reference/
 * torch_steering_reference.py compute, independently and in float64, the KL on the default text and
 * each token's reading at its own position. Rerun after changing the fixture model, SAE or cases:
 *   npx tsx scripts/steering-reference/make-fixture.ts        (needs /usr/bin/python3 with torch)
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runSteering } from "@/lib/inference/steering";
import type { ServiceSteerRequest } from "@/lib/inference/protocol";
import { loadModelPackage } from "@/lib/model";
import { FIXTURE_MODEL, writeFixtureModelPackage } from "@/lib/model/fixtures";
import { gpt2WeightShapes } from "@/lib/model/gpt2-package";
import { encodeSafetensors } from "@/lib/safetensors/safetensors";
import { loadSae } from "@/lib/sae";
import { fixtureSae } from "@/lib/sae/fixtures";

/** The SAE and the cases; the fixture records them, so the test rebuilds exactly these. */
const TORCH_FIXTURE_SAE = { architecture: "topk" as const, dIn: FIXTURE_MODEL.dModel, dSae: 32, k: 4, seed: 1 };
const HOOK = "blocks.1.hook_resid_post";
const base = { modelId: 1, prompt: "the cat sat", maxTokens: 8, temperature: 0.9, topP: 0.95 };
const CASES: { name: string; request: ServiceSteerRequest }[] = [
  { name: "add", request: { ...base, seed: 4, features: [{ saeId: 1, index: 5, method: "add", value: 30 }], maxActivations: [0] } },
  { name: "clamp", request: { ...base, seed: 3, features: [{ saeId: 1, index: 5, method: "clamp", value: 8 }], maxActivations: [1.5] } },
];

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fs-steer-torch-"));
  try {
    const { config, weights } = await writeFixtureModelPackage(path.join(tmp, "model"), FIXTURE_MODEL);
    const shapes = gpt2WeightShapes(config);
    fs.writeFileSync(path.join(tmp, "weights.safetensors"), encodeSafetensors(Object.fromEntries(Object.entries(weights).map(([name, data]) => [name, { dtype: "F32" as const, shape: shapes[name], data }]))));
    const sae = fixtureSae(TORCH_FIXTURE_SAE);
    fs.mkdirSync(path.join(tmp, "sae"));
    fs.writeFileSync(path.join(tmp, "sae/cfg.json"), JSON.stringify(sae.config));
    fs.writeFileSync(path.join(tmp, "sae/sae_weights.safetensors"), sae.weightsBytes);
    const { dIn, dSae } = TORCH_FIXTURE_SAE;
    fs.writeFileSync(path.join(tmp, "sae.safetensors"), encodeSafetensors({
      W_enc: { dtype: "F32", shape: [dIn, dSae], data: sae.tensors.W_enc }, b_enc: { dtype: "F32", shape: [dSae], data: sae.tensors.b_enc },
      W_dec: { dtype: "F32", shape: [dSae, dIn], data: sae.tensors.W_dec }, b_dec: { dtype: "F32", shape: [dIn], data: sae.tensors.b_dec },
    }));
    const model = await loadModelPackage(path.join(tmp, "model"), { executionProviders: ["cpu"] });
    const loaded = await loadSae(path.join(tmp, "sae"), { executionProviders: ["cpu"] });
    const cases = [];
    for (const { name, request } of CASES) {
      const done = await runSteering(model, new Map([[1, { sae: loaded, hookName: HOOK }]]), request, () => undefined);
      const feature = request.features[0];
      const job = {
        weights: path.join(tmp, "weights.safetensors"), sae: path.join(tmp, "sae.safetensors"),
        config: { nHeads: config.nHeads, dModel: config.dModel, nLayers: config.nLayers, layerNormEps: config.layerNormEps },
        hook: HOOK, feature: feature.index, saeK: TORCH_FIXTURE_SAE.k, method: feature.method,
        value: feature.value, clampTo: (feature.value ?? 0) * request.maxActivations[0],
        prompt: model.encode(request.prompt),
        defaultTokens: done.default.tokens.map((t) => t.id), steeredTokens: done.steered.tokens.map((t) => t.id),
      };
      const jobFile = path.join(tmp, `${name}.json`);
      fs.writeFileSync(jobFile, JSON.stringify(job));
      const torch = JSON.parse(execFileSync("/usr/bin/python3", [path.resolve("scripts/steering-reference/torch_steering_reference.py"), jobFile], { encoding: "utf8" }));
      cases.push({ name, request, hook: HOOK, defaultTokens: job.defaultTokens, steeredTokens: job.steeredTokens, torch });
      console.log(`${name}: torch ${torch.torch}; mean KL on the default text ${(torch.kl.reduce((a: number, b: number) => a + b, 0) / torch.kl.length).toFixed(5)}`);
    }
    await loaded.dispose();
    await model.dispose();
    const out = path.resolve("lib/inference/fixtures/steering-torch-reference.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify({ producedBy: "scripts/steering-reference/make-fixture.ts + torch_steering_reference.py", model: FIXTURE_MODEL, sae: TORCH_FIXTURE_SAE, cases }, null, 1)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
