/**
 * The steering page's URL: "Steer with this feature" links and shareable form states
 * (/steer?model=<id>&sae=<id>&feature=<index>&method=add&unit=hook-norm&value=0.5&prompt=…).
 */
import { isAddUnit, isSteerMethod, unitsFor, type AddUnit, type SteerMethod } from "./methods";

export interface SteerDeepLink {
  modelId?: number;
  saeId?: number;
  feature?: number;
  method: SteerMethod;
  value: number;
  /** add only; links without it mean the raw decoder unit (what add meant before units). */
  unit?: AddUnit;
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
  const rawUnit = first(params.unit);
  const unit: AddUnit | undefined = method === "add" ? (isAddUnit(rawUnit) ? rawUnit : "decoder") : undefined;
  const rawValue = Number(first(params.value));
  const value = first(params.value) !== undefined && Number.isFinite(rawValue) && Math.abs(rawValue) <= 1000 ? rawValue : unitsFor(method, unit).defaultValue;
  const prompt = first(params.prompt);
  return {
    modelId: positiveInt(first(params.model), 1),
    saeId: positiveInt(first(params.sae), 1),
    feature: positiveInt(first(params.feature), 0),
    method,
    value,
    ...(unit ? { unit } : {}),
    prompt: prompt ? prompt.slice(0, 2_000) : undefined,
  };
}

export function steerHref(link: { modelId: number; saeId: number; feature: number; method?: SteerMethod; value?: number; unit?: AddUnit; prompt?: string }): string {
  const method = link.method ?? "clamp";
  const unit = method === "add" ? (link.unit ?? "decoder") : undefined;
  const params = new URLSearchParams({
    model: String(link.modelId),
    sae: String(link.saeId),
    feature: String(link.feature),
    method,
  });
  if (unit) params.set("unit", unit);
  params.set("value", String(link.value ?? unitsFor(method, unit).defaultValue));
  if (link.prompt) params.set("prompt", link.prompt);
  return `/steer?${params}`;
}
