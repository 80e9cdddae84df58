import type { NumericData } from '../store/columns';

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

/** Rows per call of a chunked kernel: called many times, a kernel is optimised whole (no on-stack replacement). */
const KERNEL_CHUNK = 1 << 15;

/**
 * pearsonMatrix4's first pass over rows[from, to): per pair (i <= j, in order) the count and the sums of both
 * columns, carried in `acc` from chunk to chunk (the same additions in the same order as one loop).
 */
function pairSums4(
  c0: NumericData,
  c1: NumericData,
  c2: NumericData,
  c3: NumericData,
  rows: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array
): void {
  const { data: d0, factor: f0, missing: m0 } = c0;
  const { data: d1, factor: f1, missing: m1 } = c1;
  const { data: d2, factor: f2, missing: m2 } = c2;
  const { data: d3, factor: f3, missing: m3 } = c3;
  let n00 = acc[0];
  let a00 = acc[1];
  let b00 = acc[2];
  let n01 = acc[3];
  let a01 = acc[4];
  let b01 = acc[5];
  let n02 = acc[6];
  let a02 = acc[7];
  let b02 = acc[8];
  let n03 = acc[9];
  let a03 = acc[10];
  let b03 = acc[11];
  let n11 = acc[12];
  let a11 = acc[13];
  let b11 = acc[14];
  let n12 = acc[15];
  let a12 = acc[16];
  let b12 = acc[17];
  let n13 = acc[18];
  let a13 = acc[19];
  let b13 = acc[20];
  let n22 = acc[21];
  let a22 = acc[22];
  let b22 = acc[23];
  let n23 = acc[24];
  let a23 = acc[25];
  let b23 = acc[26];
  let n33 = acc[27];
  let a33 = acc[28];
  let b33 = acc[29];
  for (let k = from; k < to; k++) {
    const row = rows[k];
    const r0 = d0[row];
    const v0 = r0 === m0 ? NaN : r0 / f0;
    const ok0 = v0 === v0;
    const r1 = d1[row];
    const v1 = r1 === m1 ? NaN : r1 / f1;
    const ok1 = v1 === v1;
    const r2 = d2[row];
    const v2 = r2 === m2 ? NaN : r2 / f2;
    const ok2 = v2 === v2;
    const r3 = d3[row];
    const v3 = r3 === m3 ? NaN : r3 / f3;
    const ok3 = v3 === v3;
    if (ok0) {
      n00++;
      a00 += v0;
      b00 += v0;
    }
    if (ok0 && ok1) {
      n01++;
      a01 += v0;
      b01 += v1;
    }
    if (ok0 && ok2) {
      n02++;
      a02 += v0;
      b02 += v2;
    }
    if (ok0 && ok3) {
      n03++;
      a03 += v0;
      b03 += v3;
    }
    if (ok1) {
      n11++;
      a11 += v1;
      b11 += v1;
    }
    if (ok1 && ok2) {
      n12++;
      a12 += v1;
      b12 += v2;
    }
    if (ok1 && ok3) {
      n13++;
      a13 += v1;
      b13 += v3;
    }
    if (ok2) {
      n22++;
      a22 += v2;
      b22 += v2;
    }
    if (ok2 && ok3) {
      n23++;
      a23 += v2;
      b23 += v3;
    }
    if (ok3) {
      n33++;
      a33 += v3;
      b33 += v3;
    }
  }
  acc[0] = n00;
  acc[1] = a00;
  acc[2] = b00;
  acc[3] = n01;
  acc[4] = a01;
  acc[5] = b01;
  acc[6] = n02;
  acc[7] = a02;
  acc[8] = b02;
  acc[9] = n03;
  acc[10] = a03;
  acc[11] = b03;
  acc[12] = n11;
  acc[13] = a11;
  acc[14] = b11;
  acc[15] = n12;
  acc[16] = a12;
  acc[17] = b12;
  acc[18] = n13;
  acc[19] = a13;
  acc[20] = b13;
  acc[21] = n22;
  acc[22] = a22;
  acc[23] = b22;
  acc[24] = n23;
  acc[25] = a23;
  acc[26] = b23;
  acc[27] = n33;
  acc[28] = a33;
  acc[29] = b33;
}

/** pearsonMatrix4's second pass over rows[from, to): per pair the sums of products of deviations from its means. */
function pairProducts4(
  c0: NumericData,
  c1: NumericData,
  c2: NumericData,
  c3: NumericData,
  rows: Uint32Array,
  from: number,
  to: number,
  means: Float64Array,
  acc: Float64Array
): void {
  const { data: d0, factor: f0, missing: m0 } = c0;
  const { data: d1, factor: f1, missing: m1 } = c1;
  const { data: d2, factor: f2, missing: m2 } = c2;
  const { data: d3, factor: f3, missing: m3 } = c3;
  const ma00 = means[0];
  const mb00 = means[1];
  let xy00 = acc[0];
  let xx00 = acc[1];
  let yy00 = acc[2];
  const ma01 = means[2];
  const mb01 = means[3];
  let xy01 = acc[3];
  let xx01 = acc[4];
  let yy01 = acc[5];
  const ma02 = means[4];
  const mb02 = means[5];
  let xy02 = acc[6];
  let xx02 = acc[7];
  let yy02 = acc[8];
  const ma03 = means[6];
  const mb03 = means[7];
  let xy03 = acc[9];
  let xx03 = acc[10];
  let yy03 = acc[11];
  const ma11 = means[8];
  const mb11 = means[9];
  let xy11 = acc[12];
  let xx11 = acc[13];
  let yy11 = acc[14];
  const ma12 = means[10];
  const mb12 = means[11];
  let xy12 = acc[15];
  let xx12 = acc[16];
  let yy12 = acc[17];
  const ma13 = means[12];
  const mb13 = means[13];
  let xy13 = acc[18];
  let xx13 = acc[19];
  let yy13 = acc[20];
  const ma22 = means[14];
  const mb22 = means[15];
  let xy22 = acc[21];
  let xx22 = acc[22];
  let yy22 = acc[23];
  const ma23 = means[16];
  const mb23 = means[17];
  let xy23 = acc[24];
  let xx23 = acc[25];
  let yy23 = acc[26];
  const ma33 = means[18];
  const mb33 = means[19];
  let xy33 = acc[27];
  let xx33 = acc[28];
  let yy33 = acc[29];
  for (let k = from; k < to; k++) {
    const row = rows[k];
    const r0 = d0[row];
    const v0 = r0 === m0 ? NaN : r0 / f0;
    const ok0 = v0 === v0;
    const r1 = d1[row];
    const v1 = r1 === m1 ? NaN : r1 / f1;
    const ok1 = v1 === v1;
    const r2 = d2[row];
    const v2 = r2 === m2 ? NaN : r2 / f2;
    const ok2 = v2 === v2;
    const r3 = d3[row];
    const v3 = r3 === m3 ? NaN : r3 / f3;
    const ok3 = v3 === v3;
    if (ok0) {
      const dx = v0 - ma00;
      const dy = v0 - mb00;
      xy00 += dx * dy;
      xx00 += dx * dx;
      yy00 += dy * dy;
    }
    if (ok0 && ok1) {
      const dx = v0 - ma01;
      const dy = v1 - mb01;
      xy01 += dx * dy;
      xx01 += dx * dx;
      yy01 += dy * dy;
    }
    if (ok0 && ok2) {
      const dx = v0 - ma02;
      const dy = v2 - mb02;
      xy02 += dx * dy;
      xx02 += dx * dx;
      yy02 += dy * dy;
    }
    if (ok0 && ok3) {
      const dx = v0 - ma03;
      const dy = v3 - mb03;
      xy03 += dx * dy;
      xx03 += dx * dx;
      yy03 += dy * dy;
    }
    if (ok1) {
      const dx = v1 - ma11;
      const dy = v1 - mb11;
      xy11 += dx * dy;
      xx11 += dx * dx;
      yy11 += dy * dy;
    }
    if (ok1 && ok2) {
      const dx = v1 - ma12;
      const dy = v2 - mb12;
      xy12 += dx * dy;
      xx12 += dx * dx;
      yy12 += dy * dy;
    }
    if (ok1 && ok3) {
      const dx = v1 - ma13;
      const dy = v3 - mb13;
      xy13 += dx * dy;
      xx13 += dx * dx;
      yy13 += dy * dy;
    }
    if (ok2) {
      const dx = v2 - ma22;
      const dy = v2 - mb22;
      xy22 += dx * dy;
      xx22 += dx * dx;
      yy22 += dy * dy;
    }
    if (ok2 && ok3) {
      const dx = v2 - ma23;
      const dy = v3 - mb23;
      xy23 += dx * dy;
      xx23 += dx * dx;
      yy23 += dy * dy;
    }
    if (ok3) {
      const dx = v3 - ma33;
      const dy = v3 - mb33;
      xy33 += dx * dy;
      xx33 += dx * dx;
      yy33 += dy * dy;
    }
  }
  acc[0] = xy00;
  acc[1] = xx00;
  acc[2] = yy00;
  acc[3] = xy01;
  acc[4] = xx01;
  acc[5] = yy01;
  acc[6] = xy02;
  acc[7] = xx02;
  acc[8] = yy02;
  acc[9] = xy03;
  acc[10] = xx03;
  acc[11] = yy03;
  acc[12] = xy11;
  acc[13] = xx11;
  acc[14] = yy11;
  acc[15] = xy12;
  acc[16] = xx12;
  acc[17] = yy12;
  acc[18] = xy13;
  acc[19] = xx13;
  acc[20] = yy13;
  acc[21] = xy22;
  acc[22] = xx22;
  acc[23] = yy22;
  acc[24] = xy23;
  acc[25] = xx23;
  acc[26] = yy23;
  acc[27] = xy33;
  acc[28] = xx33;
  acc[29] = yy33;
}

/**
 * The pair moments (pair-moments.ts layout: per pair i <= j, count, both means, Cxy, Cxx, Cyy) of four columns over
 * rows[from, to), unrolled, in chunked passes: the same sums in the same order as pearsonAt.
 */
export function pairMoments4(
  columns: NumericData[],
  rows: ArrayLike<number>,
  from = 0,
  to = rows.length
): Float64Array {
  const [c0, c1, c2, c3] = columns;
  const list = rows instanceof Uint32Array ? rows : Uint32Array.from(rows);
  const sums = new Float64Array(30);
  for (let start = from; start < to; start += KERNEL_CHUNK) {
    pairSums4(c0, c1, c2, c3, list, start, Math.min(to, start + KERNEL_CHUNK), sums);
  }
  const means = new Float64Array(20);
  for (let q = 0; q < 10; q++) {
    means[2 * q] = sums[3 * q] ? sums[3 * q + 1] / sums[3 * q] : 0;
    means[2 * q + 1] = sums[3 * q] ? sums[3 * q + 2] / sums[3 * q] : 0;
  }
  const products = new Float64Array(30);
  for (let start = from; start < to; start += KERNEL_CHUNK) {
    pairProducts4(c0, c1, c2, c3, list, start, Math.min(to, start + KERNEL_CHUNK), means, products);
  }
  const out = new Float64Array(60);
  for (let q = 0; q < 10; q++) {
    out[6 * q] = sums[3 * q];
    out[6 * q + 1] = means[2 * q];
    out[6 * q + 2] = means[2 * q + 1];
    out[6 * q + 3] = products[3 * q];
    out[6 * q + 4] = products[3 * q + 1];
    out[6 * q + 5] = products[3 * q + 2];
  }
  return out;
}
