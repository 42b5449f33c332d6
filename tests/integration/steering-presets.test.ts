/**
 * The /steer presets work on the demo model: with each preset's feature, method and strength, the
 * real model's continuation changes visibly (its measure rises well above the unsteered one) for
 * the page's sampling defaults and seeds 0–2.
 */
import path from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelPackage, steer, type ModelSession } from "@/lib/model";
import { loadSae } from "@/lib/sae";
import { DEMO_PRESETS, PRESET_MEASURES } from "@/lib/steering/presets";

let model: ModelSession;
beforeAll(async () => {
  model = await loadModelPackage(path.resolve("demo/model"), { intraOpNumThreads: 1 });
}, 60_000);
afterAll(async () => {
  await model?.dispose();
});

describe("demo steering presets", () => {
  it.each(DEMO_PRESETS)("$title: $sae #$feature $method $value changes the continuation visibly", async (preset) => {
    const dir = path.resolve("demo/saes", preset.sae);
    const hookName = JSON.parse(readFileSync(path.join(dir, "cfg.json"), "utf8")).metadata.hook_name as string;
    const sae = await loadSae(dir, { hookWidth: model.hookWidth(hookName), intraOpNumThreads: 1 });
    expect(preset.method).toBe("add");
    const measure = PRESET_MEASURES[preset.measure];
    for (const seed of [0, 1, 2]) {
      const options = { maxNewTokens: 40, temperature: 0.7, topP: 0.9, seed };
      const plain = (await model.generateText(preset.prompt, options)).text.slice(preset.prompt.length);
      const steered = (await model.generateText(preset.prompt, { ...options, hooks: [steer(sae, [{ kind: "add", feature: preset.feature, strength: preset.value }], { hookName })] })).text.slice(preset.prompt.length);
      expect(measure(steered), `seed ${seed}: ${JSON.stringify(steered)}`).toBeGreaterThanOrEqual(0.25);
      expect(measure(steered) - measure(plain), `seed ${seed}: ${JSON.stringify(plain)} → ${JSON.stringify(steered)}`).toBeGreaterThan(0.2);
    }
    await sae.dispose();
  }, 120_000);
});
