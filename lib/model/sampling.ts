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
 * Picks the next token from one row of logits: exactly `sampleTokenFullSort`'s token (same draw,
 * same float64 sums in the same order), without sorting the whole vocabulary by comparator.
 * - top-p < 1: the tokens whose log-probability is within δ of the best are collected (δ widened
 *   until they hold the nucleus with room to spare; no tie group is split, since the cut is on the
 *   value) and only they are sorted. Everything outside ranks below them, so the reference's walk
 *   over its first `kept` ranks is the walk over these.
 * - top-p = 1 (or a nucleus too wide for the shortcut): the log-probabilities are sorted as a
 *   Float64Array (native numeric sort); tied values are equal, so the sums come out bit-identical,
 *   and the chosen rank's token id is the matching one among its ties in id order.
 */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, random: SeededRandom): number {
  const temperature = options.temperature ?? 1;
  const topP = options.topP ?? 1;
  if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
  const u = random.next();
  if (temperature === 0) return argmax(logits);
  const n = logits.length;
  const logProbs = scratchLogProbs(logits, temperature);
  if (topP < 1) {
    let best = -Infinity;
    for (let i = 0; i < n; i++) if (logProbs[i] > best) best = logProbs[i];
    for (let delta = 4; delta <= 64; delta *= 2) {
      const floor = best - delta;
      const candidates: number[] = [];
      let mass = 0;
      for (let i = 0; i < n; i++) {
        if (logProbs[i] >= floor) {
          candidates.push(i);
          mass += Math.exp(logProbs[i]);
          if (candidates.length > n / 8) break;
        }
      }
      if (candidates.length > n / 8) break;
      // the ordered sum may differ from this one in the last bits; ask for clear room
      if (mass < topP + 1e-9) continue;
      candidates.sort((a, b) => logProbs[b] - logProbs[a] || a - b);
      const token = walk(candidates.length, (r) => Math.exp(logProbs[candidates[r]]), (r) => candidates[r], topP, u);
      if (token !== undefined) return token;
      break;
    }
  }
  const sorted = Float64Array.from(logProbs.subarray(0, n)).sort().reverse();
  // rank r (0 = most probable) holds sorted[r]; its token is the k-th id, in id order, among the
  // tokens with that value, k being r minus the first rank of the value
  const value = (r: number) => sorted[r];
  // one exp per rank, reused by the nucleus, the total and the draw (Math.exp is deterministic)
  const probs = new Float64Array(n);
  for (let r = 0; r < n; r++) probs[r] = Math.exp(sorted[r]);
  const tokenAt = (r: number) => {
    const v = value(r);
    let first = r;
    while (first > 0 && value(first - 1) === v) first -= 1;
    let k = r - first;
    for (let i = 0; i < n; i++) if (logProbs[i] === v && k-- === 0) return i;
    throw new Error("sampleToken: sorted value not found");
  };
  return walk(n, (r) => probs[r], tokenAt, topP, u, true)!;
}

/**
 * The reference's nucleus and draw over ranks 0…count−1 (prob(r): exp of the log-probability at rank r).
 * Over a subset of the ranks (`complete` false), undefined when its mass stays below top-p; over
 * all of them the reference then keeps every rank.
 */
function walk(count: number, prob: (r: number) => number, tokenAt: (r: number) => number, topP: number, u: number, complete = false): number | undefined {
  let kept = count;
  if (topP < 1) {
    let mass = 0;
    let reached = false;
    for (let r = 0; r < count; r++) {
      mass += prob(r);
      if (mass >= topP) {
        kept = r + 1;
        reached = true;
        break;
      }
    }
    if (!reached && !complete) return undefined;
  }
  let total = 0;
  for (let r = 0; r < kept; r++) total += prob(r);
  let target = u * total;
  for (let r = 0; r < kept; r++) {
    target -= prob(r);
    if (target < 0) return tokenAt(r);
  }
  return tokenAt(kept - 1);
}

let scratch = new Float64Array(0);

/** logSoftmax(logits / temperature) into a reused buffer, with exactly logSoftmax's arithmetic. */
function scratchLogProbs(logits: ArrayLike<number>, temperature: number): Float64Array {
  const n = logits.length;
  if (scratch.length < n) scratch = new Float64Array(n);
  const scaled = scratch.subarray(0, n);
  for (let i = 0; i < n; i++) scaled[i] = logits[i] / temperature;
  const logZ = logNormalizer(scaled);
  for (let i = 0; i < n; i++) scaled[i] = scaled[i] - logZ;
  return scaled;
}

/**
 * The definition of sampling (reference): sorts the whole vocabulary by log-probability (ties by
 * token id), keeps the smallest prefix whose mass reaches top-p, and walks it with one uniform
 * draw. `sampleToken` returns exactly the same token for the same logits and draw, faster; this
 * one stays as the property test's reference (sampling.test.ts).
 */
export function sampleTokenFullSort(logits: ArrayLike<number>, options: SamplingOptions, random: SeededRandom): number {
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
