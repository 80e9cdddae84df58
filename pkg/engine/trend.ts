import {
  autoWindowMs,
  Aggregation,
  AGGREGATIONS,
  AnalysisQuery,
  formatWindow,
  parseWindow,
  TimeRange,
} from '../model/query';
import type { CodeArray, NumericData } from '../store/columns';
import { checkTrendBounds, trendGroupsToCount } from './bounds';
import { AnalysisContext, numericColumn } from './context';
import { QueryError } from './errors';
import { Frame, TIMESERIES_MULTI } from './frames';
import { countGroups, groupRows, rowRun, RowRun, select, selectionSpan } from './select';
import { quantileInPlace, quantileOfRange } from './quantiles';
import { max, mean, min, stddev, sum } from './reductions';
import { checkpoint } from './interrupt';

/** More buckets than this in one series is a mistake (or a denial of service), not a chart. */
export const MAX_BUCKETS = 200_000;

/**
 * How each aggregation is computed for a cell (a group's bucket): from the cell's tally alone (`tally`: counts,
 * sums), by a running least or greatest value in row order (`running`), or from the cell's values gathered together
 * (`values`). `requests`: it is about the requests (count, rate, error_rate), not the metric; `unit` of its values.
 */
type AggregationSpec = {
  requests: boolean;
  unit?: string;
  /** The aggregate of a bucket's metric values (none: NaN). */
  ofValues: (values: Float64Array) => number;
} & (
  | { cells: 'tally'; ofTally: (tally: CellTally, c: number, windowMs: number) => number }
  | { cells: 'running'; op: 1 | 2 }
  | { cells: 'values'; quantile?: number }
);

const quantileSpec = (q: number): AggregationSpec => ({
  requests: false,
  cells: 'values',
  quantile: q,
  ofValues: (values) => quantileInPlace(values, q),
});
const rowsOf = (tally: CellTally, c: number) => tally.rows[c];
const valuesIn = (tally: CellTally, c: number) => tally.values[c + 1];

export const AGGREGATION_SPECS: Record<Aggregation, AggregationSpec> = {
  count: { requests: true, cells: 'tally', ofTally: rowsOf, ofValues: (v) => v.length },
  rate: {
    requests: true,
    unit: 'reqps',
    cells: 'tally',
    ofTally: (t, c, windowMs) => rowsOf(t, c) * (1000 / windowMs),
    ofValues: () => NaN, // a rate needs the window: only per cell
  },
  error_rate: {
    requests: true,
    unit: 'percentunit',
    cells: 'tally',
    ofTally: (t, c) => (rowsOf(t, c) > 0 ? t.errors[c] / rowsOf(t, c) : NaN),
    ofValues: () => NaN, // needs the error flags: only per cell
  },
  sum: { requests: false, cells: 'tally', ofTally: (t, c) => (valuesIn(t, c) === 0 ? NaN : t.sums[c]), ofValues: sum },
  mean: {
    requests: false,
    cells: 'tally',
    ofTally: (t, c) => (valuesIn(t, c) === 0 ? NaN : t.sums[c] / valuesIn(t, c)),
    ofValues: mean,
  },
  min: { requests: false, cells: 'running', op: 1, ofValues: min },
  max: { requests: false, cells: 'running', op: 2, ofValues: max },
  stddev: { requests: false, cells: 'values', ofValues: stddev },
  p50: quantileSpec(0.5),
  p90: quantileSpec(0.9),
  p95: quantileSpec(0.95),
  p99: quantileSpec(0.99),
  p999: quantileSpec(0.999),
};

/** Aggregates the metric values of one bucket; NaN (shown as null) when there are none. */
function aggregateValues(aggregation: Aggregation, values: Float64Array): number {
  return values.length === 0 ? NaN : AGGREGATION_SPECS[aggregation].ofValues(values);
}

/** The window in ms a query asks for, `auto` resolved against the span. */
export function resolveWindowMs(window: string | undefined, spanMs: number, intervalMs?: number): number {
  if (window === undefined || window === '' || window === 'auto') {
    return autoWindowMs(spanMs, intervalMs);
  }
  const ms = parseWindow(window);
  if (ms === null) {
    throw new QueryError(
      `invalid window "${window}"; use a number and a unit (ms, s, m, h, d, w), e.g. 30s, 5m, 1h, or auto`
    );
  }
  return ms;
}

/** The bucket of a time: floor(t / w), corrected so that float rounding never misplaces a row. */
export function bucketOf(t: number, w: number): number {
  let b = Math.floor(t / w);
  if (b * w > t) {
    b--;
  } else if ((b + 1) * w <= t) {
    b++;
  }
  return b;
}

/** Rows per call of the kernels below: called many times, each is optimised whole (no on-stack replacement). */
const CHUNK = 1 << 15;

/** More (group, bucket) cells than this and series are computed group by group instead. */
const MAX_CELLS = 4_000_000;

/** Per cell: rows, errors, the sum of the values (in row order), and (at cell + 1) the non-missing values. */
interface CellTally {
  rows: Float64Array;
  errors: Float64Array;
  sums: Float64Array;
  values: Uint32Array;
}

const newTally = (cells: number): CellTally => ({
  rows: new Float64Array(cells),
  errors: new Float64Array(cells),
  sums: new Float64Array(cells),
  values: new Uint32Array(cells + 1),
});

/**
 * The cell of each row of rows[from, to) (rows null: the rows base + from .. base + to) — bucket × groups + codes[row] when grouped by a dictionary field
 * (codes not null; groups is the dictionary's size), else its bucket — and the tally per cell. Bucket-major:
 * the rows of one minute, whatever their group, fall in neighbouring cells.
 */
function cellKernel(
  rows: Uint32Array | null,
  base: number,
  from: number,
  to: number,
  time: Float64Array,
  errors: Uint8Array,
  column: NumericData,
  w: number,
  first: number,
  codes: CodeArray | null,
  groups: number,
  cell: Int32Array,
  tally: CellTally
): void {
  const { data, factor, missing } = column;
  const sums = tally.sums;
  const rowsPer = tally.rows;
  const errorsPer = tally.errors;
  const valuesPer = tally.values;
  // Rows come nearly in time order: most fall in the bucket of the row before, which spares the division.
  let bucketStart = Infinity;
  let bucketEnd = -Infinity;
  let bucket = 0;
  for (let i = from; i < to; i++) {
    const row = rows === null ? base + i : rows[i];
    const t = time[row];
    if (!(t >= bucketStart && t < bucketEnd)) {
      const b = bucketOf(t, w);
      bucketStart = b * w;
      bucketEnd = (b + 1) * w;
      bucket = b - first;
    }
    const c = bucket * groups + (codes === null ? 0 : codes[row]);
    cell[i] = c;
    rowsPer[c]++;
    errorsPer[c] += errors[row];
    const v = data[row];
    if (v !== missing && v === v) {
      valuesPer[c + 1]++;
      sums[c] += v / factor;
    }
  }
}

/** The aggregation of every cell (NaN for a cell without values), from the rows' cells and their tally. */
function aggregateCells(
  aggregation: Aggregation,
  windowMs: number,
  column: NumericData,
  run: RowRun,
  cell: Int32Array,
  cells: number,
  tally: CellTally
): Float64Array {
  const { rows, base, length } = run;
  const out = new Float64Array(cells);
  const valuesPer = tally.values;
  const spec = AGGREGATION_SPECS[aggregation];
  if (spec.cells === 'tally') {
    for (let c = 0; c < cells; c++) {
      out[c] = spec.ofTally(tally, c, windowMs);
    }
  } else if (spec.cells === 'running') {
    // Running per cell in row order: the same numbers as aggregating each cell's values in row order.
    const acc = new Float64Array(cells).fill(spec.op === 1 ? Infinity : -Infinity);
    for (let from = 0; from < length; from += CHUNK) {
      checkpoint();
      accumulateKernel(rows, base, from, Math.min(length, from + CHUNK), column, cell, acc, spec.op);
    }
    for (let c = 0; c < cells; c++) {
      const n = valuesPer[c + 1];
      out[c] = n === 0 ? NaN : acc[c];
    }
  } else {
    // Counting sort of the values into contiguous per-cell segments.
    for (let c = 0; c < cells; c++) {
      valuesPer[c + 1] += valuesPer[c];
    }
    const next = valuesPer.slice(0, cells);
    const sorted = new Float64Array(valuesPer[cells]);
    for (let from = 0; from < length; from += CHUNK) {
      checkpoint();
      scatterKernel(rows, base, from, Math.min(length, from + CHUNK), column, cell, next, sorted);
    }
    const q = spec.quantile;
    for (let c = 0; c < cells; c++) {
      out[c] =
        q === undefined
          ? aggregateValues(aggregation, sorted.subarray(valuesPer[c], valuesPer[c + 1]))
          : quantileOfRange(sorted, valuesPer[c], valuesPer[c + 1], q); // no view per cell
    }
  }
  return out;
}

/** Running min (op 1) or max (op 2) per cell over rows[from, to). */
function accumulateKernel(
  rows: Uint32Array | null,
  base: number,
  from: number,
  to: number,
  column: NumericData,
  cell: Int32Array,
  acc: Float64Array,
  op: number
): void {
  const { data, factor, missing } = column;
  for (let i = from; i < to; i++) {
    const raw = data[rows === null ? base + i : rows[i]];
    const v = raw === missing ? NaN : raw / factor;
    if (v === v) {
      const c = cell[i];
      if (op === 1 ? v < acc[c] : v > acc[c]) {
        acc[c] = v;
      }
    }
  }
}

/** Counting sort's scatter: the non-missing values of rows[from, to) to their bucket's next free place. */
function scatterKernel(
  rows: Uint32Array | null,
  base: number,
  from: number,
  to: number,
  column: NumericData,
  bucket: Int32Array,
  next: Uint32Array,
  sorted: Float64Array
): void {
  const { data, factor, missing } = column;
  for (let i = from; i < to; i++) {
    const raw = data[rows === null ? base + i : rows[i]];
    const v = raw === missing ? NaN : raw / factor;
    if (v === v) {
      sorted[next[bucket[i]]++] = v;
    }
  }
}

/** The name of the value field: `p99 latency_ms`; count, rate and error_rate are about requests. */
export function seriesValueName(aggregation: Aggregation, metric: string): string {
  return AGGREGATION_SPECS[aggregation].requests ? aggregation : `${aggregation} ${metric}`;
}

function seriesUnit(aggregation: Aggregation, metric: string): string | undefined {
  const spec = AGGREGATION_SPECS[aggregation];
  return spec.unit ?? (metric === 'latency_ms' && !spec.requests ? 'ms' : undefined);
}

/**
 * The buckets of a trend over a span (µs): the window (`auto` resolved), its width w in µs, the first bucket's
 * number (floor(start / w)), how many there are, and their starts. Too many buckets is an error.
 */
export function bucketPlan(
  span: { startUs: number; endUs: number },
  window: string | undefined,
  intervalMs?: number
): { windowMs: number; w: number; first: number; count: number; bucketStarts: Float64Array } {
  const windowMs = resolveWindowMs(window, (span.endUs - span.startUs) / 1000, intervalMs);
  const w = windowMs * 1000;
  const first = bucketOf(span.startUs, w);
  const count = bucketOf(span.endUs, w) - first + 1;
  if (count > MAX_BUCKETS) {
    throw new QueryError(
      `window ${formatWindow(windowMs)} gives ${count} buckets over this range (at most ${MAX_BUCKETS}); use a larger window`
    );
  }
  const bucketStarts = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    bucketStarts[b] = (first + b) * w;
  }
  return { windowMs, w, first, count, bucketStarts };
}

/** One series of a trend: bucket starts (µs) and the aggregated values, labelled by its group. */
export function seriesFrame(
  aggregation: Aggregation,
  metric: string,
  windowMs: number,
  bucketStarts: Float64Array,
  labels: Record<string, string>,
  values: Float64Array
): Frame {
  const valueName = seriesValueName(aggregation, metric);
  const labelText = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return {
    name: labelText ? `${valueName} {${labelText}}` : valueName,
    fields: [
      { name: 'time', type: 'time', values: bucketStarts },
      { name: valueName, type: 'number', values, labels, unit: seriesUnit(aggregation, metric) },
    ],
    meta: { type: TIMESERIES_MULTI, custom: { windowMs, aggregation, metric } },
  };
}

/** trend: the metric aggregated per time bucket (aligned to the epoch, labelled by start), a series per group. */
export function trend(ctx: AnalysisContext): Frame[] {
  const { store, query } = ctx;
  const aggregation = query.aggregation ?? 'mean';
  if (!AGGREGATIONS.includes(aggregation)) {
    throw new QueryError(`unknown aggregation "${aggregation}"; use one of ${AGGREGATIONS.join(', ')}`);
  }
  const metric = query.metric ?? 'latency_ms';
  const column = numericColumn(store, metric).raw();
  const selection = select(store, ctx.range, query.filters);
  const span = selectionSpan(selection);
  if (!span) {
    return [];
  }
  const { windowMs, w, first, count, bucketStarts } = bucketPlan(span, query.window, ctx.intervalMs);
  // The series and cells are counted before any is built: a unique field would otherwise build one per row.
  const groupBy = query.groupBy ?? [];
  const countLimit = trendGroupsToCount(ctx.limits, count);
  if (countLimit !== undefined) {
    checkTrendBounds(groupBy, countGroups(selection, groupBy, countLimit), countLimit, count, ctx.limits);
  }

  const time = store.time.values();
  // Only the error rate counts errors (a load for another trend may not have them): zeros keep the kernel one shape.
  const errors = aggregation === 'error_rate' ? store.errors.values() : new Uint8Array(store.length);
  const frames: Frame[] = [];
  const series = (labels: Record<string, string>, out: Float64Array): void => {
    frames.push(seriesFrame(aggregation, metric, windowMs, bucketStarts, labels, out));
  };
  const aggregate = (run: RowRun, cell: Int32Array, cells: number, tally: CellTally): Float64Array =>
    aggregateCells(aggregation, windowMs, column, run, cell, cells, tally);

  // Grouped by one dictionary-encoded field (or not grouped): every series in one pass over the rows, a cell
  // per (group, bucket).
  const only = groupBy.length === 1 ? store.columns.get(groupBy[0]) : undefined;
  const codes = only?.kind === 'string' ? only.codeArray() : null;
  const groupCount = codes && only?.kind === 'string' ? only.dictionary.length : 1;
  if ((groupBy.length === 0 || codes) && groupCount * count <= MAX_CELLS) {
    const run = rowRun(selection);
    const cells = groupCount * count;
    const tally = newTally(cells);
    const cell = new Int32Array(run.length);
    for (let from = 0; from < run.length; from += CHUNK) {
      checkpoint();
      const to = Math.min(run.length, from + CHUNK);
      cellKernel(run.rows, run.base, from, to, time, errors, column, w, first, codes, groupCount, cell, tally);
    }
    const out = aggregate(run, cell, cells, tally);
    // Not grouped: the one series, even without rows (every bucket of the range); grouped: groups with rows.
    const present: number[] = codes ? [] : [0];
    for (let g = 1; codes && g < groupCount; g++) {
      let n = 0;
      for (let b = 0; b < count; b++) {
        n += tally.rows[b * groupCount + g];
      }
      if (n > 0) {
        present.push(g);
      }
    }
    const key = (g: number): string => (only?.kind === 'string' ? (only.dictionary[g] ?? '') : '');
    present.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const g of present) {
      const values = new Float64Array(count);
      for (let b = 0; b < count; b++) {
        values[b] = out[b * groupCount + g];
      }
      series(codes ? { [groupBy[0]]: key(g) } : {}, values);
    }
    return frames;
  }

  const groups = groupRows(selection, groupBy);
  groups.rows.forEach((rows, g) => {
    const tally = newTally(count);
    const bucket = new Int32Array(rows.length);
    for (let from = 0; from < rows.length; from += CHUNK) {
      checkpoint();
      const to = Math.min(rows.length, from + CHUNK);
      cellKernel(rows, 0, from, to, time, errors, column, w, first, null, 1, bucket, tally);
    }
    const labels: Record<string, string> = {};
    groups.fields.forEach((field, i) => (labels[field] = groups.keys[g][i]));
    series(labels, aggregate({ rows, base: 0, length: rows.length }, bucket, count, tally));
  });
  return frames;
}

/**
 * A trend query narrowed to the buckets that lie wholly inside [from, to] — what an alert rule must
 * read: the newest bucket is still being filled at evaluation time, the oldest one is cut by the
 * range's start. The window is resolved once against the whole range, so `auto` keeps its width.
 * Null when no whole bucket fits.
 */
export function completeBuckets(
  query: AnalysisQuery,
  range: Required<TimeRange>,
  intervalMs?: number
): { query: AnalysisQuery; range: Required<TimeRange> } | null {
  const windowMs = resolveWindowMs(query.window, range.to - range.from, intervalMs);
  const w = windowMs * 1000;
  // Times are whole microseconds: bucket [b, b + w) is complete when b + w - 1 <= to.
  const startUs = Math.ceil((range.from * 1000) / w) * w;
  const endUs = Math.floor((range.to * 1000 + 1) / w) * w;
  if (endUs <= startUs) {
    return null;
  }
  return {
    query: { ...query, window: formatWindow(windowMs) },
    // Half a microsecond below the end: the range is in ms, and select() scales it back to µs.
    range: { from: startUs / 1000, to: endUs / 1000 - 0.0005 },
  };
}
