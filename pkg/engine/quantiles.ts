/**
 * Quantiles as numpy's default ("linear") method computes them, by selection rather than a full sort: one or
 * several at a time, over float64 values or scaled integers (radix histograms for large inputs).
 */

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
