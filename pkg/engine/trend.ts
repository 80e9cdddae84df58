import { autoWindowMs, Aggregation, AGGREGATIONS, formatWindow, parseWindow } from '../model/query';
import type { NumericData } from '../store/columns';
import { AnalysisContext, numericColumn } from './context';
import { QueryError } from './errors';
import { Frame, TIMESERIES_MULTI } from './frames';
import { groupRows, select, selectionSpan } from './select';
import { max, mean, min, quantileInPlace, stddev, sum } from './stats';

/** More buckets than this in one series is a mistake (or a denial of service), not a chart. */
export const MAX_BUCKETS = 200_000;

const QUANTILES: Partial<Record<Aggregation, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };

/** Aggregates the metric values of one bucket; NaN (shown as null) when there are none. */
function aggregateValues(aggregation: Aggregation, values: Float64Array): number {
  if (values.length === 0) {
    return NaN;
  }
  switch (aggregation) {
    case 'sum':
      return sum(values);
    case 'mean':
      return mean(values);
    case 'min':
      return min(values);
    case 'max':
      return max(values);
    case 'stddev':
      return stddev(values);
    default:
      return quantileInPlace(values, QUANTILES[aggregation]!);
  }
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
function bucketOf(t: number, w: number): number {
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

/** Buckets of rows[from, to), and per bucket the rows, errors and (at b + 1) the non-missing values. */
function countKernel(
  rows: Uint32Array,
  from: number,
  to: number,
  time: Float64Array,
  errors: Uint8Array,
  column: NumericData,
  w: number,
  first: number,
  bucket: Int32Array,
  rowsPer: Float64Array,
  errorsPer: Float64Array,
  valuesPer: Uint32Array
): void {
  const { data, missing } = column;
  for (let i = from; i < to; i++) {
    const row = rows[i];
    const b = bucketOf(time[row], w) - first;
    bucket[i] = b;
    rowsPer[b]++;
    errorsPer[b] += errors[row];
    const v = data[row];
    if (v !== missing && v === v) {
      valuesPer[b + 1]++;
    }
  }
}

/** Running sum (op 0), min (1) or max (2) per bucket over rows[from, to), in row order. */
function accumulateKernel(
  rows: Uint32Array,
  from: number,
  to: number,
  column: NumericData,
  bucket: Int32Array,
  acc: Float64Array,
  op: number
): void {
  const { data, factor, missing } = column;
  for (let i = from; i < to; i++) {
    const raw = data[rows[i]];
    const v = raw === missing ? NaN : raw / factor;
    if (v === v) {
      const b = bucket[i];
      if (op === 1) {
        if (v < acc[b]) {
          acc[b] = v;
        }
      } else if (op === 2) {
        if (v > acc[b]) {
          acc[b] = v;
        }
      } else {
        acc[b] += v;
      }
    }
  }
}

/** Counting sort's scatter: the non-missing values of rows[from, to) to their bucket's next free place. */
function scatterKernel(
  rows: Uint32Array,
  from: number,
  to: number,
  column: NumericData,
  bucket: Int32Array,
  next: Uint32Array,
  sorted: Float64Array
): void {
  const { data, factor, missing } = column;
  for (let i = from; i < to; i++) {
    const raw = data[rows[i]];
    const v = raw === missing ? NaN : raw / factor;
    if (v === v) {
      sorted[next[bucket[i]]++] = v;
    }
  }
}

/** The name of the value field: `p99 latency_ms`; count, rate and error_rate are about requests. */
export function seriesValueName(aggregation: Aggregation, metric: string): string {
  return aggregation === 'count' || aggregation === 'rate' || aggregation === 'error_rate'
    ? aggregation
    : `${aggregation} ${metric}`;
}

function seriesUnit(aggregation: Aggregation, metric: string): string | undefined {
  if (aggregation === 'rate') {
    return 'reqps';
  }
  if (aggregation === 'error_rate') {
    return 'percentunit';
  }
  return metric === 'latency_ms' && aggregation !== 'count' ? 'ms' : undefined;
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
  const windowMs = resolveWindowMs(query.window, (span.endUs - span.startUs) / 1000, ctx.intervalMs);
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

  const time = store.time.values();
  const errors = store.errors.values();
  const groups = groupRows(selection, query.groupBy ?? []);
  const valueName = seriesValueName(aggregation, metric);
  const frames: Frame[] = [];
  groups.rows.forEach((rows, g) => {
    const rowsPer = new Float64Array(count);
    const errorsPer = new Float64Array(count);
    const valuesPer = new Uint32Array(count + 1);
    const bucket = new Int32Array(rows.length);
    for (let from = 0; from < rows.length; from += CHUNK) {
      const to = Math.min(rows.length, from + CHUNK);
      countKernel(rows, from, to, time, errors, column, w, first, bucket, rowsPer, errorsPer, valuesPer);
    }
    const out = new Float64Array(count);
    if (aggregation === 'count' || aggregation === 'rate') {
      const scale = aggregation === 'rate' ? 1000 / windowMs : 1;
      rowsPer.forEach((n, b) => (out[b] = n * scale));
    } else if (aggregation === 'error_rate') {
      rowsPer.forEach((n, b) => (out[b] = n > 0 ? errorsPer[b] / n : NaN));
    } else if (aggregation === 'mean' || aggregation === 'sum' || aggregation === 'min' || aggregation === 'max') {
      // Running per bucket in row order: the same numbers as aggregating each bucket's values in row order.
      const acc = new Float64Array(count).fill(
        aggregation === 'min' ? Infinity : aggregation === 'max' ? -Infinity : 0
      );
      const op = aggregation === 'min' ? 1 : aggregation === 'max' ? 2 : 0;
      for (let from = 0; from < rows.length; from += CHUNK) {
        accumulateKernel(rows, from, Math.min(rows.length, from + CHUNK), column, bucket, acc, op);
      }
      for (let b = 0; b < count; b++) {
        const n = valuesPer[b + 1];
        out[b] = n === 0 ? NaN : aggregation === 'mean' ? acc[b] / n : acc[b];
      }
    } else {
      // Counting sort of the values into contiguous per-bucket segments.
      for (let b = 0; b < count; b++) {
        valuesPer[b + 1] += valuesPer[b];
      }
      const next = valuesPer.slice(0, count);
      const sorted = new Float64Array(valuesPer[count]);
      for (let from = 0; from < rows.length; from += CHUNK) {
        scatterKernel(rows, from, Math.min(rows.length, from + CHUNK), column, bucket, next, sorted);
      }
      for (let b = 0; b < count; b++) {
        out[b] = aggregateValues(aggregation, sorted.subarray(valuesPer[b], valuesPer[b + 1]));
      }
    }
    const labels: Record<string, string> = {};
    groups.fields.forEach((field, i) => (labels[field] = groups.keys[g][i]));
    const labelText = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    frames.push({
      name: labelText ? `${valueName} {${labelText}}` : valueName,
      fields: [
        { name: 'time', type: 'time', values: bucketStarts },
        { name: valueName, type: 'number', values: out, labels, unit: seriesUnit(aggregation, metric) },
      ],
      meta: { type: TIMESERIES_MULTI, custom: { windowMs, aggregation, metric } },
    });
  });
  return frames;
}
