import { Random } from '../generator/random';
import { beta, bootstrapQuantileDiff, resampleQuantile } from './bootstrap';
import { sampleOf } from './significance';
import { quantile } from './quantiles';

/** n lognormal values (median `median` ms, sigma 0.4) plus `shift`. */
function draw(rng: Random, n: number, median: number, shift = 0): Float64Array {
  return Float64Array.from({ length: n }, () => rng.lognormal(Math.log(median), 0.4) + shift);
}

describe('bootstrap of a quantile difference', () => {
  it('covers the true p50 difference in about 95% of repetitions', () => {
    // 200 repetitions of two samples of 200 whose medians differ by exactly 15 ms (a shifted lognormal).
    const rng = new Random(2026);
    let covered = 0;
    for (let rep = 0; rep < 200; rep++) {
      const base = sampleOf(draw(rng, 200, 100));
      const other = sampleOf(draw(rng, 200, 100, 15));
      const ci = bootstrapQuantileDiff(base, other, 0.5, { seed: rep + 1 });
      if (ci.low <= 15 && 15 <= ci.high) {
        covered++;
      }
    }
    // Deterministic (seeded): 190 of 200 with these seeds.
    expect(covered).toBeGreaterThanOrEqual(180);
    expect(covered).toBeLessThanOrEqual(198);
  });

  it('is reproducible: the same seed gives the same interval, another seed a slightly different one', () => {
    const rng = new Random(3);
    const baseValues = draw(rng, 5000, 100);
    const otherValues = draw(rng, 4000, 120);
    const estimate = quantile(otherValues, 0.99) - quantile(baseValues, 0.99);
    const base = sampleOf(baseValues);
    const other = sampleOf(otherValues);
    const a = bootstrapQuantileDiff(base, other, 0.99);
    expect(bootstrapQuantileDiff(base, other, 0.99)).toEqual(a);
    const b = bootstrapQuantileDiff(base, other, 0.99, { seed: 99 });
    expect(b).not.toEqual(a);
    expect(Math.abs(b.low - a.low)).toBeLessThan(0.2 * (a.high - a.low));
    // The point estimate lies inside a non-degenerate interval.
    expect(a.low).toBeLessThan(estimate);
    expect(estimate).toBeLessThan(a.high);
  });

  it('draws a resample quantile with the distribution of resampling all the values', () => {
    // 21 values with ties; the resample median and p90 by order statistics against 20,000 plain resamples.
    const values = Float64Array.of(1, 2, 2, 3, 5, 5, 5, 6, 7, 8, 8, 9, 10, 12, 12, 13, 15, 18, 20, 25, 40);
    const sample = sampleOf(Float64Array.from(values));
    for (const q of [0.5, 0.9]) {
      const fast = new Random(11);
      const slow = new Random(12);
      const draws = 20_000;
      const a = new Float64Array(draws);
      const b = new Float64Array(draws);
      const resample = new Float64Array(values.length);
      for (let r = 0; r < draws; r++) {
        a[r] = resampleQuantile(sample, q, fast);
        for (let i = 0; i < values.length; i++) {
          resample[i] = values[slow.int(0, values.length - 1)];
        }
        b[r] = quantile(resample, q);
      }
      // The two empirical distributions agree (Kolmogorov–Smirnov distance well under the 1% critical 0.016).
      a.sort();
      b.sort();
      let distance = 0;
      for (const x of new Set([...a, ...b])) {
        distance = Math.max(distance, Math.abs(countAtMost(a, x) - countAtMost(b, x)) / draws);
      }
      expect(distance).toBeLessThan(0.016);
      expect(quantile(a, 0.5)).toBeCloseTo(quantile(b, 0.5), 0);
    }
  });

  it('gives no interval for an empty sample and a point for constant ones', () => {
    const empty = sampleOf(new Float64Array(0));
    const some = sampleOf(Float64Array.of(1, 2, 3));
    expect(bootstrapQuantileDiff(empty, some, 0.5)).toEqual({ low: NaN, high: NaN });
    const five = sampleOf(Float64Array.of(5, 5, 5, 5));
    const seven = sampleOf(Float64Array.of(7, 7));
    expect(bootstrapQuantileDiff(five, seven, 0.99)).toEqual({ low: 2, high: 2 });
    expect(bootstrapQuantileDiff(five, sampleOf(Float64Array.of(9)), 0.5)).toEqual({ low: 4, high: 4 });
  });

  it('draws Beta variates with the right mean and variance', () => {
    const rng = new Random(5);
    for (const [a, b] of [
      [1, 1],
      [3, 8],
      [500_000, 500_001],
    ]) {
      const n = 20_000;
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const x = beta(rng, a, b);
        sum += x;
        squares += x * x;
      }
      const mean = a / (a + b);
      const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expect(Math.abs(sum / n - mean)).toBeLessThan(4 * Math.sqrt(variance / n));
      expect(squares / n - (sum / n) ** 2).toBeGreaterThan(0.9 * variance);
      expect(squares / n - (sum / n) ** 2).toBeLessThan(1.1 * variance);
    }
  });
});

/** How many of the sorted values are ≤ x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}
