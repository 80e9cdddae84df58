import type { NumericData } from '../store/columns';
import { pairMoments4 } from './stats';

/**
 * Second moments of pairs of columns over pairwise-complete rows, in a form that combines exactly (Chan, Golub
 * and LeVeque's pairwise update): per pair (i <= j, in order) the count, both means and the co-moments
 * Σ(x-x̄)(y-ȳ), Σ(x-x̄)², Σ(y-ȳ)². Pearson's r is Cxy / √(Cxx Cyy) — the two-pass formula pandas uses, equal
 * up to rounding however the rows were split.
 */
export const MOMENTS = 6;
const N = 0;
const MEAN_X = 1;
const MEAN_Y = 2;
const CXY = 3;
const CXX = 4;
const CYY = 5;

/** Number of pairs i <= j of m columns. */
export const pairCount = (m: number): number => (m * (m + 1)) / 2;

const decode = (c: NumericData, row: number): number => {
  const raw = c.data[row];
  return raw === c.missing ? NaN : raw / c.factor;
};

/** The moments of every pair of `columns` over rows[from, to), two passes (means first). */
export function pairMoments(columns: NumericData[], rows: ArrayLike<number>, from = 0, to = rows.length): Float64Array {
  if (columns.length === 4) {
    return pairMoments4(columns, rows, from, to); // the common case, unrolled
  }
  const m = columns.length;
  const out = new Float64Array(pairCount(m) * MOMENTS);
  const v = new Float64Array(m);
  const sums = new Float64Array(pairCount(m) * 2);
  for (let k = from; k < to; k++) {
    for (let c = 0; c < m; c++) {
      v[c] = decode(columns[c], rows[k]);
    }
    for (let i = 0, q = 0; i < m; i++) {
      for (let j = i; j < m; j++, q++) {
        if (v[i] === v[i] && v[j] === v[j]) {
          out[q * MOMENTS + N]++;
          sums[2 * q] += v[i];
          sums[2 * q + 1] += v[j];
        }
      }
    }
  }
  for (let q = 0; q < pairCount(m); q++) {
    const n = out[q * MOMENTS + N];
    out[q * MOMENTS + MEAN_X] = n ? sums[2 * q] / n : 0;
    out[q * MOMENTS + MEAN_Y] = n ? sums[2 * q + 1] / n : 0;
  }
  for (let k = from; k < to; k++) {
    for (let c = 0; c < m; c++) {
      v[c] = decode(columns[c], rows[k]);
    }
    for (let i = 0, q = 0; i < m; i++) {
      for (let j = i; j < m; j++, q++) {
        if (v[i] === v[i] && v[j] === v[j]) {
          const at = q * MOMENTS;
          const dx = v[i] - out[at + MEAN_X];
          const dy = v[j] - out[at + MEAN_Y];
          out[at + CXY] += dx * dy;
          out[at + CXX] += dx * dx;
          out[at + CYY] += dy * dy;
        }
      }
    }
  }
  return out;
}

/** Adds the moments `b` (same pairs) into `a`. */
export function combineMoments(a: Float64Array, b: Float64Array): void {
  for (let at = 0; at < a.length; at += MOMENTS) {
    const nb = b[at + N];
    if (nb === 0) {
      continue;
    }
    const na = a[at + N];
    if (na === 0) {
      a.set(b.subarray(at, at + MOMENTS), at);
      continue;
    }
    const n = na + nb;
    const dx = b[at + MEAN_X] - a[at + MEAN_X];
    const dy = b[at + MEAN_Y] - a[at + MEAN_Y];
    const w = (na * nb) / n;
    a[at + CXY] += b[at + CXY] + dx * dy * w;
    a[at + CXX] += b[at + CXX] + dx * dx * w;
    a[at + CYY] += b[at + CYY] + dy * dy * w;
    a[at + MEAN_X] += (dx * nb) / n;
    a[at + MEAN_Y] += (dy * nb) / n;
    a[at + N] = n;
  }
}

/** Pearson's r and the pair count of pair q, NaN when undefined (fewer than 2 pairs, a constant column). */
export function pearsonOf(moments: Float64Array, q: number): { r: number; pairs: number } {
  const at = q * MOMENTS;
  const n = moments[at + N];
  const divisor = Math.sqrt(moments[at + CXX] * moments[at + CYY]);
  return { r: n < 2 || divisor === 0 ? NaN : moments[at + CXY] / divisor, pairs: n };
}
