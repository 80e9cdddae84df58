/**
 * Reductions as pandas computes them: sums added left to right, the mean, the sample standard deviation
 * (ddof=1, two passes), least and greatest; missing values (NaN) are skipped. Gathering a column's values first.
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
