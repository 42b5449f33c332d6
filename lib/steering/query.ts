/**
 * The steering page's URL: "Steer with this feature" links and shareable form states
 * (/steer?model=<id>&sae=<id>&feature=<index>&method=clamp&value=10&prompt=…).
 */
import { isSteerMethod, METHOD_UNITS, type SteerMethod } from "./methods";

export interface SteerDeepLink {
  modelId?: number;
  saeId?: number;
  feature?: number;
  method: SteerMethod;
  value: number;
  prompt?: string;
}

type RawParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function positiveInt(value: string | undefined, min: number): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min ? n : undefined;
}

/** Lenient: anything malformed is dropped, so a bad link still opens the form. */
export function parseSteerQuery(params: RawParams): SteerDeepLink {
  const rawMethod = first(params.method);
  const method: SteerMethod = isSteerMethod(rawMethod) ? rawMethod : "clamp";
  const rawValue = Number(first(params.value));
  const value = first(params.value) !== undefined && Number.isFinite(rawValue) && Math.abs(rawValue) <= 1000 ? rawValue : METHOD_UNITS[method].defaultValue;
  const prompt = first(params.prompt);
  return {
    modelId: positiveInt(first(params.model), 1),
    saeId: positiveInt(first(params.sae), 1),
    feature: positiveInt(first(params.feature), 0),
    method,
    value,
    prompt: prompt ? prompt.slice(0, 2_000) : undefined,
  };
}

export function steerHref(link: { modelId: number; saeId: number; feature: number; method?: SteerMethod; value?: number; prompt?: string }): string {
  const method = link.method ?? "clamp";
  const params = new URLSearchParams({
    model: String(link.modelId),
    sae: String(link.saeId),
    feature: String(link.feature),
    method,
    value: String(link.value ?? METHOD_UNITS[method].defaultValue),
  });
  if (link.prompt) params.set("prompt", link.prompt);
  return `/steer?${params}`;
}
