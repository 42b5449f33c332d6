/**
 * `npx tsx scripts/steer-presets-sweep.ts`: the sweep behind lib/steering/presets.ts. For candidate
 * demo features (Chinese, code, archaic English; demo/FEATURES.md), generates from the /steer page's
 * defaults (temperature 0.7, top-p 0.9, 40 tokens) with seeds 0–2 at a range of strengths, and
 * scores how visibly the continuation changed (share of CJK characters, of code tokens, of archaic
 * words) against the unsteered continuation with the same seed. Prints, per candidate, the weakest
 * setting whose effect holds on every seed, with its texts. The chosen ones are lib/steering/presets.ts.
 */
import { readFileSync } from "node:fs";
import { loadModelPackage, steer, type FeatureIntervention } from "../lib/model";
import { loadSae } from "../lib/sae";
import { PRESET_MEASURES } from "../lib/steering/presets";

const measures = PRESET_MEASURES;
type Measure = keyof typeof measures;
const only = process.argv[2];
const allCandidates: Array<{ sae: string; feature: number; measure: Measure }> = [
  { sae: "resid1-topk", feature: 57, measure: "chinese" },
  { sae: "mlp0-topk", feature: 507, measure: "code" },
  { sae: "mlp0-topk", feature: 55, measure: "code" },
  { sae: "resid1-topk", feature: 280, measure: "code" },
  { sae: "mlp0-topk", feature: 952, measure: "archaic" },
  { sae: "mlp0-topk", feature: 1860, measure: "archaic" },
  { sae: "resid0-relu", feature: 780, measure: "archaic" },
  { sae: "resid0-topk", feature: 51, measure: "code" },
  { sae: "resid0-relu", feature: 407, measure: "code" },
  { sae: "mlp0-topk", feature: 1110, measure: "code" },
  { sae: "mlp0-topk", feature: 56, measure: "code" },
];
// `npx tsx scripts/steer-presets-sweep.ts code` sweeps one measure's candidates only
const candidates = allCandidates.filter((c) => !only || c.measure === only);
const prompts = ["I went for a walk and saw", "The weather today is"];
const strengths = [2, 4, 8, 12, 16, 24, 32, 64];
const seeds = [0, 1, 2];

const model = await loadModelPackage("demo/model", { intraOpNumThreads: 2 });
for (const candidate of candidates) {
  const cfg = JSON.parse(readFileSync(`demo/saes/${candidate.sae}/cfg.json`, "utf8"));
  const sae = await loadSae(`demo/saes/${candidate.sae}`, { hookWidth: model.hookWidth(cfg.metadata.hook_name), intraOpNumThreads: 2 });
  const measure = measures[candidate.measure];
  for (const prompt of prompts) {
    const baseline: string[] = [];
    for (const seed of seeds) baseline.push((await model.generateText(prompt, { maxNewTokens: 40, temperature: 0.7, topP: 0.9, seed })).text.slice(prompt.length));
    let found = false;
    for (const strength of strengths) {
      const interventions: FeatureIntervention[] = [{ kind: "add", feature: candidate.feature, strength }];
      const texts: string[] = [];
      for (const seed of seeds) {
        texts.push((await model.generateText(prompt, { maxNewTokens: 40, temperature: 0.7, topP: 0.9, seed, hooks: [steer(sae, interventions, { hookName: cfg.metadata.hook_name })] })).text.slice(prompt.length));
      }
      const effect = texts.map(measure);
      const before = baseline.map(measure);
      const holds = effect.every((e, i) => e >= 0.25 && e > before[i] + 0.2);
      console.log(JSON.stringify({ ...candidate, prompt, method: "add", strength, effect: effect.map((e) => +e.toFixed(2)), before: before.map((e) => +e.toFixed(2)), holds, text: texts[0].slice(0, 140) }));
      if (holds) {
        found = true;
        break;
      }
    }
    if (!found) console.log(JSON.stringify({ ...candidate, prompt, none: true }));
  }
  await sae.dispose();
}
await model.dispose();
