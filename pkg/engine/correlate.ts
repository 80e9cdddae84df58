/**
 * Correlation as pandas computes it: Pearson over pairwise-complete observations (nancorr's two-pass formula),
 * Spearman as Pearson of average ranks; whole matrices in two passes over the rows.
 */
import type { NumericData } from '../store/columns';
import { CHECK_MASK, checkpoint } from './interrupt';
import { pairMoments4 } from './pair-moments';
import { mean } from './reductions';

/** Pearson correlation of two equally long arrays, pandas' nancorr formula; NaN if undefined. */
export function pearson(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (n < 2) {
    return NaN;
  }
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const divisor = Math.sqrt(sxx * syy);
  return divisor === 0 ? NaN : sxy / divisor;
}

/**
 * Ranks 1..n, ties given the average of their ranks (pandas' rank(method="average")). The values are sorted
 * natively (no comparator: fast), then each value's tie run [lo, end) is found by binary search: its average rank
 * is (lo + end + 1) / 2. The loop over values has check points, so a long ranking can be stopped. No NaN values.
 */
export function averageRanks(values: Float64Array): Float64Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if ((i & CHECK_MASK) === 0) {
      checkpoint();
    }
    const v = values[i];
    // lo: first index with sorted[lo] >= v; hi: first index with sorted[hi] > v (-0 and 0 are one tie, as before).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    let end = lo;
    hi = n;
    while (end < hi) {
      const mid = (end + hi) >>> 1;
      if (sorted[mid] <= v) {
        end = mid + 1;
      } else {
        hi = mid;
      }
    }
    ranks[i] = (lo + end + 1) / 2;
  }
  return ranks;
}

/** Spearman correlation: Pearson of the average ranks. */
export function spearman(x: Float64Array, y: Float64Array): number {
  return pearson(averageRanks(x), averageRanks(y));
}

/** The rows where both columns have values, as two aligned arrays. */
export function pairwiseComplete(
  a: Float64Array,
  b: Float64Array,
  rows: Uint32Array
): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(rows.length);
  const y = new Float64Array(rows.length);
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const va = a[rows[i]];
    const vb = b[rows[i]];
    if (va === va && vb === vb) {
      x[n] = va;
      y[n] = vb;
      n++;
    }
  }
  return { x: x.subarray(0, n), y: y.subarray(0, n) };
}

/**
 * Pearson correlation of two columns over the rows where both have values, without copying them out: the
 * same sums in the same order as pearson(pairwiseComplete(a, b, rows)). Also returns how many pairs there were.
 */
export function pearsonAt(a: Float64Array, b: Float64Array, rows: Uint32Array): { r: number; pairs: number } {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < rows.length; i++) {
    const va = a[rows[i]];
    const vb = b[rows[i]];
    if (va === va && vb === vb) {
      sa += va;
      sb += vb;
      n++;
    }
  }
  if (n < 2) {
    return { r: NaN, pairs: n };
  }
  const ma = sa / n;
  const mb = sb / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rows.length; i++) {
    const va = a[rows[i]];
    const vb = b[rows[i]];
    if (va === va && vb === vb) {
      const dx = va - ma;
      const dy = vb - mb;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
  }
  const divisor = Math.sqrt(sxx * syy);
  return { r: divisor === 0 ? NaN : sxy / divisor, pairs: n };
}

/**
 * Pearson correlation of every pair of columns (i <= j) over the rows where both have values, in two passes over
 * the rows for all pairs together: per pair the same sums in the same order as pearsonAt. `r[i][j]`, `pairs[i][j]`.
 */
export function pearsonMatrix(columns: NumericData[], rows: Uint32Array): { r: number[][]; pairs: number[][] } {
  if (columns.length === 4) {
    return pearsonMatrix4(columns, rows);
  }
  const m = columns.length;
  const pi: number[] = [];
  const pj: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      pi.push(i);
      pj.push(j);
    }
  }
  const p = pi.length;
  const n = new Float64Array(p);
  const sa = new Float64Array(p);
  const sb = new Float64Array(p);
  const v = new Float64Array(m);
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    for (let c = 0; c < m; c++) {
      const { data, factor, missing } = columns[c];
      v[c] = data[row] === missing ? NaN : data[row] / factor;
    }
    for (let q = 0; q < p; q++) {
      const a = v[pi[q]];
      const b = v[pj[q]];
      if (a === a && b === b) {
        sa[q] += a;
        sb[q] += b;
        n[q]++;
      }
    }
  }
  const ma = new Float64Array(p);
  const mb = new Float64Array(p);
  for (let q = 0; q < p; q++) {
    ma[q] = sa[q] / n[q];
    mb[q] = sb[q] / n[q];
  }
  const sxy = new Float64Array(p);
  const sxx = new Float64Array(p);
  const syy = new Float64Array(p);
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    for (let c = 0; c < m; c++) {
      const { data, factor, missing } = columns[c];
      v[c] = data[row] === missing ? NaN : data[row] / factor;
    }
    for (let q = 0; q < p; q++) {
      const a = v[pi[q]];
      const b = v[pj[q]];
      if (a === a && b === b) {
        const dx = a - ma[q];
        const dy = b - mb[q];
        sxy[q] += dx * dy;
        sxx[q] += dx * dx;
        syy[q] += dy * dy;
      }
    }
  }
  const r = columns.map(() => new Array<number>(m).fill(NaN));
  const pairs = columns.map(() => new Array<number>(m).fill(0));
  for (let q = 0; q < p; q++) {
    const divisor = Math.sqrt(sxx[q] * syy[q]);
    const value = n[q] < 2 || divisor === 0 ? NaN : sxy[q] / divisor;
    r[pi[q]][pj[q]] = r[pj[q]][pi[q]] = value;
    pairs[pi[q]][pj[q]] = pairs[pj[q]][pi[q]] = n[q];
  }
  return { r, pairs };
}

/** pearsonMatrix for exactly four columns, from their pair moments. */
function pearsonMatrix4(columns: NumericData[], rows: Uint32Array): { r: number[][]; pairs: number[][] } {
  const moments = pairMoments4(columns, rows);
  const r = columns.map(() => new Array<number>(4).fill(NaN));
  const pairs = columns.map(() => new Array<number>(4).fill(0));
  let q = 0;
  for (let i = 0; i < 4; i++) {
    for (let j = i; j < 4; j++, q++) {
      const n = moments[6 * q];
      const divisor = Math.sqrt(moments[6 * q + 4] * moments[6 * q + 5]);
      r[i][j] = r[j][i] = n < 2 || divisor === 0 ? NaN : moments[6 * q + 3] / divisor;
      pairs[i][j] = pairs[j][i] = n;
    }
  }
  return { r, pairs };
}
