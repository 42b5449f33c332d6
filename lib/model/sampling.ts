// Next-token sampling for generation: a seeded PRNG (same seed → same text), temperature and
// nucleus (top-p) sampling, greedy decoding at temperature 0, and log-probabilities.

/** xoshiro128** seeded through splitmix32: fast, well-distributed, reproducible across platforms. */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const next = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result / 4294967296;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export interface SamplingOptions {
  /** 0 ⇒ greedy (argmax). Default 1. */
  temperature?: number;
  /** Nucleus mass in (0, 1]; 1 disables. Default 1. */
  topP?: number;
}

/**
 * log Σ exp(logits), the normaliser of the log-softmax (float64 accumulation): log p(i) is exactly
 * `logits[i] − logNormalizer(logits)`, the same bits as logSoftmax(logits)[i] without the row.
 */
export function logNormalizer(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

/** log-softmax of one row of logits (float64 accumulation). */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  const logZ = logNormalizer(logits);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - logZ;
  return out;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Picks the next token from one row of logits. Ties and ordering are deterministic, so the same
 * logits and the same random draw always give the same token.
 */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, random: SeededRandom): number {
  const temperature = options.temperature ?? 1;
  const topP = options.topP ?? 1;
  if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
  // draw even when greedy so that a row's random stream does not depend on its settings
  const u = random.next();
  if (temperature === 0) return argmax(logits);
  const scaled = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) scaled[i] = logits[i] / temperature;
  const logProbs = logSoftmax(scaled);
  const order = Array.from({ length: logits.length }, (_, i) => i);
  order.sort((a, b) => logProbs[b] - logProbs[a] || a - b);
  let kept = order.length;
  if (topP < 1) {
    let mass = 0;
    for (let r = 0; r < order.length; r++) {
      mass += Math.exp(logProbs[order[r]]);
      if (mass >= topP) {
        kept = r + 1;
        break;
      }
    }
  }
  let total = 0;
  for (let r = 0; r < kept; r++) total += Math.exp(logProbs[order[r]]);
  let target = u * total;
  for (let r = 0; r < kept; r++) {
    target -= Math.exp(logProbs[order[r]]);
    if (target < 0) return order[r];
  }
  return order[kept - 1];
}
