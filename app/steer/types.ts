/** What the steering pages pass from the server to their client components. */
import type { SteerMethod } from "@/lib/steering/methods";

export interface SteerSaeOption {
  id: number;
  name: string;
  hookName: string;
  dSae: number;
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
