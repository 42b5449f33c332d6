/** What the steering pages pass from the server to their client components. */
import type { AddUnit, SteerMethod } from "@/lib/steering/methods";

export interface SteerSaeOption {
  id: number;
  name: string;
  hookName: string;
  dSae: number;
  /** Mean ‖h‖ at the hook on the dashboard corpus (the add "hook-norm" unit); null until measured. */
  typicalHookNorm: number | null;
}

export interface SteerModelOption {
  id: number;
  name: string;
  displayName: string | null;
  saes: SteerSaeOption[];
}

export interface FeatureSetting {
  saeId: number;
  index: number;
  method: SteerMethod;
  value: number;
  /** add only: the unit of value. */
  unit?: AddUnit;
}

export interface SamplingSettings {
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
}

export interface SteerFormState extends SamplingSettings {
  modelId: number | null;
  prompt: string;
  features: FeatureSetting[];
}
