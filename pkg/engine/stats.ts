/**
 * Statistics as pandas and numpy compute them: quantiles with linear interpolation (numpy's
 * default), standard deviation with ddof=1, correlation over pairwise-complete observations.
 * Missing values are NaN and are skipped.
 */

/** The non-missing values of `column` at `rows`. */
export function gather(column: Float64Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = column[rows[i]];
    if (v === v) {
      out[n++] = v;
    }
  }
  return out.subarray(0, n);
}

export function sum(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i];
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
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    squares += d * d;
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

/** Quantile of unsorted values (copies, then sorts). */
export function quantile(values: Float64Array, q: number): number {
  return quantileSorted(sortNumbers(Float64Array.from(values)), q);
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
