/**
 * Statistics as pandas and numpy compute them: quantiles with linear interpolation (numpy's
 * default), standard deviation with ddof=1, correlation over pairwise-complete observations.
 * Missing values are NaN and are skipped.
 */
import type { NumericData } from '../store/columns';

/** The non-missing values of a column's storage at `rows`, as float64. */
export function gatherNumeric(column: NumericData, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  let n = 0;
  for (let from = 0; from < rows.length; from += SUM_CHUNK) {
    n = gatherNumericRange(column, rows, from, Math.min(rows.length, from + SUM_CHUNK), out, n);
  }
  return out.subarray(0, n);
}

/** gatherNumeric's kernel over rows[from..to); returns the new n. */
function gatherNumericRange(
  column: NumericData,
  rows: Uint32Array,
  from: number,
  to: number,
  out: Float64Array,
  n: number
): number {
  const { data, factor, missing } = column;
  for (let i = from; i < to; i++) {
    const raw = data[rows[i]];
    if (raw !== missing && raw === raw) {
      out[n++] = raw / factor;
    }
  }
  return n;
}

/** Values per call of the summing kernels (a short kernel called often is optimised whole, never on the stack). */
const SUM_CHUNK = 1 << 15;

/** total + values[from..to), left to right. */
function addRange(values: Float64Array, from: number, to: number, total: number): number {
  for (let i = from; i < to; i++) {
    total += values[i];
  }
  return total;
}

/** total + the squared deviations from m of values[from..to), left to right. */
function addSquares(values: Float64Array, from: number, to: number, m: number, total: number): number {
  for (let i = from; i < to; i++) {
    const d = values[i] - m;
    total += d * d;
  }
  return total;
}

/** The sum, added left to right. */
export function sum(values: Float64Array): number {
  let total = 0;
  for (let from = 0; from < values.length; from += SUM_CHUNK) {
    total = addRange(values, from, Math.min(values.length, from + SUM_CHUNK), total);
  }
  return total;
}

/** Mean, or NaN for no values. */
export function mean(values: Float64Array): number {
  return values.length ? sum(values) / values.length : NaN;
}

/** Sample standard deviation (ddof=1), two-pass; NaN with fewer than two values. */
export function stddev(values: Float64Array): number {
  const n = values.length;
  if (n < 2) {
    return NaN;
  }
  const m = mean(values);
  let squares = 0;
  for (let from = 0; from < n; from += SUM_CHUNK) {
    squares = addSquares(values, from, Math.min(n, from + SUM_CHUNK), m, squares);
  }
  return Math.sqrt(squares / (n - 1));
}

export function min(values: Float64Array): number {
  let best = Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < best) {
      best = values[i];
    }
  }
  return values.length ? best : NaN;
}

export function max(values: Float64Array): number {
  let best = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > best) {
      best = values[i];
    }
  }
  return values.length ? best : NaN;
}

/** Sorts in place (ascending numbers) and returns the same array. */
export function sortNumbers(values: Float64Array): Float64Array {
  return values.sort();
}

/**
 * Quantile `q` of values already sorted ascending, numpy's "linear" method:
 * position h = (n-1)q, value x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) {
    return NaN;
  }
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  // numpy's lerp: from the nearer end, so that the result never overshoots b.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** Quantile of unsorted values (a copy is rearranged by selection; the values are left as they are). */
export function quantile(values: Float64Array, q: number): number {
  return quantileInPlace(Float64Array.from(values), q);
}

export function median(values: Float64Array): number {
  return quantile(values, 0.5);
}

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

/** Ranks 1..n, ties given the average of their ranks (pandas' rank(method="average")). */
export function averageRanks(values: Float64Array): Float64Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
  }
  order.sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) {
      j++;
    }
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      ranks[order[k]] = rank;
    }
    i = j + 1;
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

/** numpy's lerp between two neighbours of the sorted order (as quantileSorted computes it). */
function lerp(a: number, b: number, t: number): number {
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Rearranges a[left..right] so that a[k] holds the value a full sort would put there, smaller-or-equal values
 * before it and greater-or-equal after it (Floyd–Rivest selection: about 1.5n comparisons, no full sort).
 * The values must not be NaN.
 */
export function selectKth(a: Float64Array, k: number, left = 0, right = a.length - 1): void {
  while (right > left) {
    if (right - left > 600) {
      // Narrow to a sample's neighbourhood of k first.
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      selectKth(a, k, newLeft, newRight);
    }
    const t = a[k];
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right] > t) {
      swap(a, left, right);
    }
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i] < t) {
        i++;
      }
      while (a[j] > t) {
        j--;
      }
    }
    if (a[left] === t) {
      swap(a, left, j);
    } else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) {
      left = j + 1;
    }
    if (k <= j) {
      right = j - 1;
    }
  }
}

/** Scratch of quantileInPlace's high-quantile path: the largest values, descending. */
const TOP = new Float64Array(8);

/** One quantile (numpy "linear") by selection; `values` is rearranged. No allocation: for many small calls. */
export function quantileInPlace(values: Float64Array, q: number): number {
  return quantileOfRange(values, 0, values.length, q);
}

/** quantileInPlace of values[from, to) (rearranged), without making a view of it: for many small ranges. */
export function quantileOfRange(values: Float64Array, from: number, to: number, q: number): number {
  const n = to - from;
  if (n === 0) {
    return NaN;
  }
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const fromTop = n - 1 - lo; // 0: lo is the largest
  if (fromTop < TOP.length - 1) {
    // A high quantile (p99 of a small bucket): the few largest values in one pass, no selection.
    const k = fromTop + 1;
    TOP.fill(-Infinity, 0, k);
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v > TOP[k - 1]) {
        let j = k - 1;
        while (j > 0 && TOP[j - 1] < v) {
          TOP[j] = TOP[j - 1];
          j--;
        }
        TOP[j] = v;
      }
    }
    // TOP is descending: TOP[fromTop] is rank lo, TOP[fromTop - 1] rank lo + 1.
    return lerp(TOP[fromTop], hi === lo ? TOP[fromTop] : TOP[fromTop - 1], h - lo);
  }
  selectKth(values, from + lo, from, to - 1);
  const a = values[from + lo];
  let b = a;
  if (hi !== lo) {
    b = Infinity;
    for (let j = from + lo + 1; j < to; j++) {
      if (values[j] < b) {
        b = values[j];
      }
    }
  }
  return lerp(a, b, h - lo);
}

/** The ranks numpy's "linear" quantiles of n values interpolate between: per quantile, floor((n-1)q) and the next. */
function quantileRanks(n: number, qs: number[]): number[] {
  return qs.flatMap((q) => {
    const lo = Math.floor((n - 1) * q);
    return [lo, Math.min(lo + 1, n - 1)];
  });
}

/** The quantiles from the values at quantileRanks(n, qs). */
function interpolateQuantiles(n: number, qs: number[], at: number[]): number[] {
  return qs.map((q, i) => lerp(at[2 * i], at[2 * i + 1], (n - 1) * q - Math.floor((n - 1) * q)));
}

/** From this many values on, order statistics are found by a radix histogram rather than by selection alone. */
const RADIX_MIN = 1 << 16;
const RADIX_BITS = 16;

/**
 * The values of the given ranks (0-based, as in a sorted copy) of NaN-free `values`, in two passes: a histogram
 * of the top RADIX_BITS bits of each double (mapped so that unsigned order is numeric order), then the values
 * of only the buckets holding a wanted rank, where selection finishes the job. Exact: the same values a sort
 * would put at those ranks.
 */
export function orderStatistics(values: Float64Array, ranks: number[]): number[] {
  const n = values.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2); // little-endian: high word at 2i + 1
  const counts = new Uint32Array(1 << RADIX_BITS);
  radixCount(words, n, counts);
  return selectInBuckets(counts, ranks, (slot, candidates, filled) =>
    radixCollect(values, words, n, slot, candidates, filled)
  );
}

/**
 * The values at `ranks` (0-based, as in a sorted copy), given the counts of a histogram whose bucket order is
 * value order: the bucket of each rank is found from the counts, `collect` puts only the values of the wanted
 * buckets (slot[bucket] >= 0) into their candidates, and selection finishes inside each.
 */
function selectInBuckets(
  counts: Uint32Array,
  ranks: number[],
  collect: (slot: Int32Array, candidates: Float64Array[], filled: Uint32Array) => void
): number[] {
  const bucketOf: number[] = [];
  const before: number[] = [];
  for (const rank of ranks) {
    let seen = 0;
    let b = 0;
    while (seen + counts[b] <= rank) {
      seen += counts[b++];
    }
    bucketOf.push(b);
    before.push(seen);
  }
  const slot = new Int32Array(counts.length).fill(-1);
  const wanted = [...new Set(bucketOf)];
  const candidates = wanted.map((b, i) => {
    slot[b] = i;
    return new Float64Array(counts[b]);
  });
  collect(slot, candidates, new Uint32Array(wanted.length));
  return ranks.map((rank, i) => {
    const bucket = candidates[slot[bucketOf[i]]];
    const k = rank - before[i];
    selectKth(bucket, k);
    return bucket[k];
  });
}

/** The radix key's bucket of value i: the high word, sign flipped (negatives: all bits flipped), top bits. */
function radixCount(words: Uint32Array, n: number, counts: Uint32Array): void {
  const shift = 32 - RADIX_BITS;
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1];
    const key = h & 0x80000000 ? ~h : h | 0x80000000;
    counts[key >>> shift]++;
  }
}

function radixCollect(
  values: Float64Array,
  words: Uint32Array,
  n: number,
  slot: Int32Array,
  candidates: Float64Array[],
  filled: Uint32Array
): void {
  const shift = 32 - RADIX_BITS;
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1];
    const key = h & 0x80000000 ? ~h : h | 0x80000000;
    const s = slot[key >>> shift];
    if (s >= 0) {
      candidates[s][filled[s]++] = values[i];
    }
  }
}

/**
 * quantilesInPlace of the values data[i] / factor of a column kept as scaled integers (NumberColumn), computed on
 * the integers — a quarter of the bytes to pass over, no divisions — and decoded at the end: the same numbers,
 * since dividing by factor keeps the order. `data` is rearranged.
 */
export function quantilesOfScaled(
  data: Int32Array,
  factor: number,
  qs: number[],
  bounds?: { min: number; max: number }
): number[] {
  const n = data.length;
  if (n < RADIX_MIN) {
    const decoded = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      decoded[i] = data[i] / factor;
    }
    return quantilesInPlace(decoded, qs);
  }
  const at = integerOrderStatistics(data, quantileRanks(n, qs), bounds);
  return interpolateQuantiles(
    n,
    qs,
    at.map((v) => v / factor)
  );
}

/** orderStatistics for integers: a histogram of (v - min) in RADIX_BITS-wide linear buckets, then selection. */
function integerOrderStatistics(data: Int32Array, ranks: number[], bounds?: { min: number; max: number }): number[] {
  // The least and greatest value: given (a summary knows them from its sums), or found.
  let lo = bounds ? bounds.min : Infinity;
  let hi = bounds ? bounds.max : -Infinity;
  for (let i = 0; i < data.length && !bounds; i++) {
    const v = data[i];
    if (v < lo) {
      lo = v;
    }
    if (v > hi) {
      hi = v;
    }
  }
  const shift = Math.max(0, 32 - Math.clz32(hi - lo) - RADIX_BITS);
  const counts = new Uint32Array((1 << RADIX_BITS) + 1);
  for (let i = 0; i < data.length; i++) {
    counts[(data[i] - lo) >>> shift]++;
  }
  return selectInBuckets(counts, ranks, (slot, candidates, filled) => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      const s = slot[(v - lo) >>> shift];
      if (s >= 0) {
        candidates[s][filled[s]++] = v;
      }
    }
  });
}

/**
 * Several quantiles (numpy "linear", as quantileSorted) of values, by selection instead of a sort; `values` is
 * rearranged (pass a copy to keep it). `qs` in any order; results in the same order. NaN for no values.
 */
export function quantilesInPlace(values: Float64Array, qs: number[]): number[] {
  const n = values.length;
  if (n === 0) {
    return qs.map(() => NaN);
  }
  if (n >= RADIX_MIN) {
    return interpolateQuantiles(n, qs, orderStatistics(values, quantileRanks(n, qs)));
  }
  const order = qs.map((q, i) => i).sort((x, y) => qs[x] - qs[y]);
  const out = new Array<number>(qs.length);
  // Everything before `left` is <= everything from `left` on; a[placed] is in its sorted place.
  let left = 0;
  let placed = -1;
  for (const i of order) {
    const h = (n - 1) * qs[i];
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    if (lo !== placed) {
      selectKth(values, lo, left, n - 1);
      placed = lo;
      left = lo + 1;
    }
    const a = values[lo];
    let b = a;
    if (hi !== lo) {
      // The next value in sorted order: the smallest of those after lo.
      b = Infinity;
      for (let j = lo + 1; j < n; j++) {
        if (values[j] < b) {
          b = values[j];
        }
      }
    }
    out[i] = lerp(a, b, h - lo);
  }
  return out;
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
