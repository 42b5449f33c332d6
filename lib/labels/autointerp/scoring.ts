/** The numbers of auto-interp: activation quantisation (Bills et al.), Pearson correlation, balanced accuracy. */
import { mulberry32 } from "@/lib/random/mulberry32";

/** Activations as integers 0–10: floor(10·a / max), clipped; negatives and a non-positive max give 0. */
export function quantizeActivations(values: number[], max: number): number[] {
  if (!(max > 0)) return values.map(() => 0);
  return values.map((value) => Math.max(0, Math.min(10, Math.floor((10 * value) / max))));
}

/** Pearson r, or null when either side is constant (the correlation is undefined, not zero). */
export function pearson(xs: number[], ys: number[]): number | null {
  if (xs.length !== ys.length) throw new Error(`pearson: ${xs.length} vs ${ys.length} values`);
  const n = xs.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

export interface Confusion {
  tp: number;
  fn: number;
  tn: number;
  fp: number;
}

export function confusion(predicted: boolean[], actual: boolean[]): Confusion {
  const c = { tp: 0, fn: 0, tn: 0, fp: 0 };
  actual.forEach((isActive, i) => {
    if (isActive) c[predicted[i] ? "tp" : "fn"]++;
    else c[predicted[i] ? "fp" : "tn"]++;
  });
  return c;
}

/**
 * (TPR + TNR) / 2, or null when either class is missing: with no negatives it would only be the
 * TPR (a "say yes to everything" explanation would score 1), which is not what it claims to be.
 */
export function balancedAccuracy(c: Confusion): number | null {
  const positives = c.tp + c.fn;
  const negatives = c.tn + c.fp;
  if (positives === 0 || negatives === 0) return null;
  return (c.tp / positives + c.tn / negatives) / 2;
}

/** A small seeded generator (mulberry32) so samples are reproducible and recorded by seed. */
export const seededRandom = mulberry32;

export function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
