/**
 * The steering methods as the form presents them: what `value` means for each (INTERP §5), the
 * slider's range and step, and presets. The API takes the same units (docs/STEERING.md).
 */
import { STEER_METHODS } from "@/lib/inference/protocol";

export type SteerMethod = (typeof STEER_METHODS)[number];
export { STEER_METHODS };

export interface MethodUnits {
  label: string;
  /** What the number means, shown beside the slider. */
  unit: string;
  description: string;
  /** null: the method takes no value (ablate). */
  slider: { min: number; max: number; step: number } | null;
  defaultValue: number;
  presets: { label: string; value: number }[];
}

export const METHOD_UNITS: Record<SteerMethod, MethodUnits> = {
  clamp: {
    label: "Clamp",
    unit: "× max activation",
    description: "Pin the feature's activation to a multiple of its max activation on the dashboard corpus, keeping the SAE's error term. ±10× is the useful range; ±100× gives gibberish.",
    slider: { min: -10, max: 10, step: 0.5 },
    defaultValue: 5,
    presets: [
      { label: "off (−1×)", value: -1 },
      { label: "gentle (2×)", value: 2 },
      { label: "strong (5×)", value: 5 },
      { label: "Golden Gate (10×)", value: 10 },
    ],
  },
  add: {
    label: "Add",
    unit: "coefficient s (h + s·d)",
    description: "Add s times the feature's decoder direction to the hook activation at every position.",
    slider: { min: -100, max: 100, step: 1 },
    defaultValue: 20,
    presets: [
      { label: "−40", value: -40 },
      { label: "10", value: 10 },
      { label: "40", value: 40 },
      { label: "80", value: 80 },
    ],
  },
  multiply: {
    label: "Multiply",
    unit: "factor α (f ← α·f)",
    description: "Scale the feature's own activation; 0 is the same as ablating, 1 changes nothing.",
    slider: { min: -5, max: 20, step: 0.5 },
    defaultValue: 4,
    presets: [
      { label: "invert (−1)", value: -1 },
      { label: "halve (0.5)", value: 0.5 },
      { label: "double (2)", value: 2 },
      { label: "×10", value: 10 },
    ],
  },
  ablate: {
    label: "Ablate",
    unit: "",
    description: "Clamp the feature to 0 wherever it fires (its contribution removed, the SAE error kept).",
    slider: null,
    defaultValue: 0,
    presets: [],
  },
};

export function isSteerMethod(value: unknown): value is SteerMethod {
  return typeof value === "string" && (STEER_METHODS as readonly string[]).includes(value);
}

/** "clamp 10× max", "add 40", "ablate" — a feature's setting in a few characters. */
export function describeSetting(method: SteerMethod, value: number): string {
  switch (method) {
    case "clamp":
      return `clamp ${value}× max`;
    case "add":
      return `add ${value}`;
    case "multiply":
      return `multiply ×${value}`;
    case "ablate":
      return "ablate";
  }
}
