/**
 * Percentile bootstrap confidence intervals for the difference of a quantile between two samples, at a cost that
 * does not grow with the samples: O(resamples · log distinct values) after the samples are sorted.
 *
 * A resample of n values drawn with replacement from sorted x is x[⌊n·U_1⌋], …, x[⌊n·U_n⌋] for n uniforms U_i, so
 * its k-th smallest value is x[⌊n·U_(k)⌋], U_(k) the k-th smallest uniform: Beta(k, n−k+1). The next one,
 * U_(k+1), is the least of the n−k uniforms above U_(k). Drawing those two order statistics gives the resample's
 * linear-interpolation quantile with exactly the distribution that resampling all n values would give, without
 * drawing the n values.
 */
import { Random } from '../generator/random';
import { SortedSample } from './significance';
import { quantileSorted } from './quantiles';

/** Resamples of each bootstrap, and the seed of its generator: the same data give the same interval. */
export const BOOTSTRAP_RESAMPLES = 1000;
export const BOOTSTRAP_SEED = 20260101;

/** Gamma(shape ≥ 1, scale 1), Marsaglia and Tsang's method. */
function gamma(rng: Random, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      return d * v;
    }
  }
}

/** Beta(a, b) for a, b ≥ 1. */
export function beta(rng: Random, a: number, b: number): number {
  const x = gamma(rng, a);
  return x / (x + gamma(rng, b));
}

/** The value at 0-based position i of the sorted sample. */
function valueAt(sample: SortedSample, i: number): number {
  const { cumulative } = sample;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > i) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return sample.values[lo];
}

/** numpy's lerp (stats.ts): from the nearer end. */
const lerp = (a: number, b: number, t: number): number => (t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t);

/** Quantile q (numpy "linear") of one bootstrap resample of the sample (n ≥ 1), drawn as described above. */
export function resampleQuantile(sample: SortedSample, q: number, rng: Random): number {
  const n = sample.n;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const t = h - lo;
  const u = beta(rng, lo + 1, n - lo); // U_(lo+1), 1-based
  const a = valueAt(sample, Math.min(n - 1, Math.floor(n * u)));
  if (t === 0 || lo >= n - 1) {
    return a;
  }
  // U_(lo+2) = U_(lo+1) + (1 − U_(lo+1))·Beta(1, m) for the m = n − lo − 1 uniforms above; Beta(1, m) = 1 − V^(1/m).
  const m = n - lo - 1;
  const above = -Math.expm1(Math.log(1 - rng.next()) / m);
  const b = valueAt(sample, Math.min(n - 1, Math.floor(n * (u + (1 - u) * above))));
  return lerp(a, b, t);
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * The 95% (or `level`) percentile bootstrap interval of quantile(other) − quantile(base): each resample draws
 * both samples anew; the interval's ends are the (1−level)/2 and (1+level)/2 linear quantiles of the differences.
 * NaN ends when a sample is empty.
 */
export function bootstrapQuantileDiff(
  base: SortedSample,
  other: SortedSample,
  q: number,
  options: { resamples?: number; seed?: number; level?: number } = {}
): Interval {
  if (base.n === 0 || other.n === 0) {
    return { low: NaN, high: NaN };
  }
  const { resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED, level = 0.95 } = options;
  const rng = new Random(seed);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const b = resampleQuantile(base, q, rng);
    diffs[r] = resampleQuantile(other, q, rng) - b;
  }
  diffs.sort();
  return { low: quantileSorted(diffs, (1 - level) / 2), high: quantileSorted(diffs, (1 + level) / 2) };
}
