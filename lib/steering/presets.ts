/**
 * Steering presets for the demo model: a prompt, a feature, a method and a strength that visibly
 * change what the model writes, each found by scripts/steer-presets-sweep.ts (add at strengths
 * 2–64 on two prompts, seeds 0–2, the /steer page's sampling defaults) as the weakest setting
 * whose effect holds on every seed, and re-checked by tests/integration/steering-presets.test.ts.
 * The /steer page shows them as one-click links; a preset whose SAE is not imported is not shown.
 */
import type { SteerMethod } from "./methods";

export interface SteeringPreset {
  id: string;
  title: string;
  /** what to look for in the steered column */
  expect: string;
  model: string;
  sae: string;
  feature: number;
  method: SteerMethod;
  value: number;
  prompt: string;
  /** how "visibly changed" is measured (see PRESET_MEASURES) */
  measure: keyof typeof PRESET_MEASURES;
}

const CJK = /[\u3400-\u9fff]/g;
const words = (text: string) => Math.max(1, text.split(/\s+/).filter(Boolean).length);

/** Shares that the sweep and the test measure on a continuation (0 = unchanged prose). */
export const PRESET_MEASURES = {
  /** CJK characters among the non-space characters */
  chinese: (text: string) => (text.match(CJK)?.length ?? 0) / Math.max(1, text.replace(/\s/g, "").length),
  /** code tokens (keywords, brackets, operators, comments) per word */
  code: (text: string) => (text.match(/\b(def|return|self|import|class|else|None|True|False|0x[0-9a-f]*)\b|[(){}[\]=:_#]/gi)?.length ?? 0) / words(text),
  /** archaic English words per word */
  archaic: (text: string) => (text.match(/\b(thou|thee|thy|thine|unto|shalt|hath|doth|ye|art|saith|lord)\b/gi)?.length ?? 0) / words(text),
} as const;

export const DEMO_PRESETS: SteeringPreset[] = [
  {
    id: "chinese", title: "Write Chinese", expect: "the continuation turns into Chinese characters",
    model: "fs-demo-2l", sae: "resid1-topk", feature: 57, method: "add", value: 8, prompt: "I went for a walk and saw", measure: "chinese",
  },
  {
    id: "code", title: "Write code", expect: "Python source (comments, hex codes, quotes) instead of prose",
    model: "fs-demo-2l", sae: "resid0-relu", feature: 407, method: "add", value: 5, prompt: "Here is what I wrote:", measure: "code",
  },
  {
    id: "archaic", title: "Archaic English", expect: "\u201cunto\u201d, \u201cthee\u201d, \u201cye\u201d: King James English",
    model: "fs-demo-2l", sae: "resid0-relu", feature: 780, method: "add", value: 4, prompt: "I went for a walk and saw", measure: "archaic",
  },
];
