/**
 * Tests of significance for compare, as scipy computes them: the Mann–Whitney U test
 * (scipy.stats.mannwhitneyu(x, y, method='asymptotic', use_continuity=True), two-sided) and the pooled
 * two-proportion z-test (p-values from scipy.stats.norm.sf, see normal.ts).
 *
 * Samples are sorted distinct values with their counts: the in-memory engine run-length encodes its sorted
 * latencies, ClickHouse sends (value, count) pairs, and both give the same numbers from the same values.
 */
import { normalSf } from './normal';

/** A sample as its distinct values (ascending) and how often each occurs; n values in all. */
export interface SortedSample {
  values: Float64Array;
  counts: Float64Array;
  /** cumulative[i]: how many values are ≤ values[i] (for the order statistics of bootstrap.ts). */
  cumulative: Float64Array;
  n: number;
}

function withCumulative(values: Float64Array, counts: Float64Array): SortedSample {
  const cumulative = new Float64Array(counts.length);
  let n = 0;
  for (let i = 0; i < counts.length; i++) {
    n += counts[i];
    cumulative[i] = n;
  }
  return { values, counts, cumulative, n };
}

/** The sample of NaN-free values; `values` is sorted in place. */
export function sampleOf(values: Float64Array): SortedSample {
  values.sort();
  let distinct = 0;
  for (let i = 0; i < values.length; i++) {
    if (i === 0 || values[i] !== values[i - 1]) {
      distinct++;
    }
  }
  const out = new Float64Array(distinct);
  const counts = new Float64Array(distinct);
  let k = -1;
  for (let i = 0; i < values.length; i++) {
    if (i === 0 || values[i] !== values[i - 1]) {
      out[++k] = values[i];
    }
    counts[k]++;
  }
  return withCumulative(out, counts);
}

/** The sample of (value, count) pairs in any order, a value possibly repeated (ClickHouse's answer). */
export function sampleFromCounts(values: ArrayLike<number>, counts: ArrayLike<number>): SortedSample {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const v: number[] = [];
  const c: number[] = [];
  for (const i of order) {
    if (v.length > 0 && v[v.length - 1] === values[i]) {
      c[c.length - 1] += counts[i];
    } else {
      v.push(values[i]);
      c.push(counts[i]);
    }
  }
  return withCumulative(Float64Array.from(v), Float64Array.from(c));
}

export interface MannWhitney {
  /** U of x: the number of pairs (x_i, y_j) with x_i > y_j, ties counting a half (scipy's statistic). */
  u: number;
  /** Two-sided p-value, normal approximation with tie and continuity corrections. */
  p: number;
}

/**
 * The Mann–Whitney U test of x against y (scipy.stats.mannwhitneyu, method='asymptotic', use_continuity=True,
 * alternative='two-sided'): with average ranks over both samples, U1 = R1 − n1(n1+1)/2; U = max(U1, n1n2 − U1);
 * z = (U − n1n2/2 − 0.5) / s, s = √(n1n2/12 · ((n+1) − Σ(t³−t)/(n(n−1)))) over the tie groups t; p = 2·sf(z),
 * at most 1. NaN when a sample is empty. One merge of the sorted samples: O(distinct values).
 */
export function mannWhitneyU(x: SortedSample, y: SortedSample): MannWhitney {
  const n1 = x.n;
  const n2 = y.n;
  if (n1 === 0 || n2 === 0) {
    return { u: NaN, p: NaN };
  }
  let i = 0;
  let j = 0;
  let before = 0; // values ranked so far
  let r1 = 0; // rank sum of x
  let tieTerm = 0;
  while (i < x.values.length || j < y.values.length) {
    const v = Math.min(i < x.values.length ? x.values[i] : Infinity, j < y.values.length ? y.values[j] : Infinity);
    const c1 = i < x.values.length && x.values[i] === v ? x.counts[i++] : 0;
    const c2 = j < y.values.length && y.values[j] === v ? y.counts[j++] : 0;
    const t = c1 + c2;
    // Ranks before+1 .. before+t, each given their average.
    r1 += c1 * (before + (t + 1) / 2);
    tieTerm += t * t * t - t;
    before += t;
  }
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  const n = n1 + n2;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - (n1 * n2) / 2 - 0.5) / s;
  const p = 2 * normalSf(z);
  return { u: u1, p: Number.isNaN(p) ? NaN : Math.min(1, Math.max(0, p)) };
}

export interface ZTest {
  z: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * The two-proportion z-test of errors1/n1 against errors0/n0 with the pooled proportion
 * p̂ = (e1 + e0)/(n1 + n0): z = (e1/n1 − e0/n0) / √(p̂(1 − p̂)(1/n1 + 1/n0)), p = 2·sf(|z|).
 * NaN when undefined (an empty group, or no errors — or only errors — in both).
 */
export function twoProportionZTest(errors1: number, n1: number, errors0: number, n0: number): ZTest {
  if (n1 === 0 || n0 === 0) {
    return { z: NaN, p: NaN };
  }
  const pooled = (errors1 + errors0) / (n1 + n0);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  if (!(se > 0)) {
    return { z: NaN, p: NaN };
  }
  const z = (errors1 / n1 - errors0 / n0) / se;
  return { z, p: 2 * normalSf(Math.abs(z)) };
}
