/**
 * The steering methods as the form presents them: what `value` means for each (INTERP §5), the
 * slider's range and step, and presets. The API takes the same units (docs/STEERING.md).
 */
import { ADD_UNITS, STEER_METHODS, type AddUnit } from "@/lib/inference/protocol";

export type SteerMethod = (typeof STEER_METHODS)[number];
export { ADD_UNITS, STEER_METHODS, type AddUnit };

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
      // "off" is activation 0 (the same as ablate), not a negative multiple
      { label: "off (0×)", value: 0 },
      { label: "gentle (2×)", value: 2 },
      { label: "strong (5×)", value: 5 },
      { label: "Golden Gate (10×)", value: 10 },
    ],
  },
  add: {
    label: "Add",
    unit: "coefficient s (h + s·d)",
    description: "Add s times the feature's raw decoder row d to the hook activation at every position; the added vector's length is |s|·‖d‖, which depends on how the SAE scales its decoder.",
    // ‖d‖ is about 1 for most SAEs, while typical ‖h‖ ranges from ~10 (the demo model) to ~100:
    // these defaults stay below the smallest of them
    slider: { min: -50, max: 50, step: 0.5 },
    defaultValue: 4,
    presets: [
      { label: "−4", value: -4 },
      { label: "2", value: 2 },
      { label: "4", value: 4 },
      { label: "8", value: 8 },
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

/**
 * add in units of the hook's typical norm: h ← h + s·N·d/‖d‖, N = mean ‖h‖ at the hook on the
 * dashboard corpus (BOS excluded). s = 1 adds a vector as long as a typical activation there.
 */
export const ADD_HOOK_NORM_UNITS: MethodUnits = {
  label: "Add",
  unit: "× typical ‖h‖",
  description: "Add the feature's unit-length decoder direction, scaled to s times the hook's typical activation norm N (measured on the dashboard corpus): s = 1 adds a vector as long as a typical activation.",
  slider: { min: -2, max: 2, step: 0.05 },
  defaultValue: 0.5,
  presets: [
    { label: "−0.5×", value: -0.5 },
    { label: "0.25×", value: 0.25 },
    { label: "0.5×", value: 0.5 },
    { label: "1×", value: 1 },
  ],
};

/** The units of a method's value (add: in the unit chosen). */
export function unitsFor(method: SteerMethod, unit?: AddUnit): MethodUnits {
  return method === "add" && unit === "hook-norm" ? ADD_HOOK_NORM_UNITS : METHOD_UNITS[method];
}

export function isAddUnit(value: unknown): value is AddUnit {
  return typeof value === "string" && (ADD_UNITS as readonly string[]).includes(value);
}

/** The add unit a form starts with: the hook-norm unit when the SAE's typical norm is measured. */
export function defaultAddUnit(typicalHookNorm: number | null | undefined): AddUnit {
  return typicalHookNorm && typicalHookNorm > 0 ? "hook-norm" : "decoder";
}

export function isSteerMethod(value: unknown): value is SteerMethod {
  return typeof value === "string" && (STEER_METHODS as readonly string[]).includes(value);
}

/** "clamp 10× max", "add 0.5× typical ‖h‖", "add 4 (raw d)", "ablate" — a feature's setting in a few characters. */
export function describeSetting(method: SteerMethod, value: number, unit?: AddUnit): string {
  switch (method) {
    case "clamp":
      return `clamp ${value}× max`;
    case "add":
      return unit === "hook-norm" ? `add ${value}× typical ‖h‖` : `add ${value} (raw d)`;
    case "multiply":
      return `multiply ×${value}`;
    case "ablate":
      return "ablate";
  }
}
