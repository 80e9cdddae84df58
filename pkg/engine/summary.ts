import { AnalysisContext, numericValues } from './context';
import { Frame, FrameField } from './frames';
import { Groups, groupRows, select, Selection, selectionSpan } from './select';
import { gather, max, mean, quantileSorted, sortNumbers } from './stats';

/** The numbers of one group of requests. */
export interface RequestStats {
  requests: number;
  avg: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  errorRate: number;
  throughput: number;
  avgBatch: number;
  avgGpu: number;
  avgMemory: number;
}

/** Seconds the throughput is measured over: the query's range if closed, else the data's first-to-last span. */
export function spanSeconds(selection: Selection): number {
  const closed = selection.fromUs !== undefined && selection.toUs !== undefined;
  const span = selectionSpan(closed ? selection : { ...selection, fromUs: undefined, toUs: undefined });
  return span ? (span.endUs - span.startUs) / 1e6 : NaN;
}

/** Requests, latency percentiles, error rate, throughput and averages of a set of rows. */
export function requestStats(selection: Selection, rows: Uint32Array, seconds: number): RequestStats {
  const { store } = selection;
  const latency = sortNumbers(gather(numericValues(store, 'latency_ms'), rows));
  const errors = store.errors.values();
  let errorCount = 0;
  for (let i = 0; i < rows.length; i++) {
    errorCount += errors[rows[i]];
  }
  const avgOf = (field: string): number => mean(gather(numericValues(store, field), rows));
  return {
    requests: rows.length,
    avg: mean(latency),
    p50: quantileSorted(latency, 0.5),
    p90: quantileSorted(latency, 0.9),
    p95: quantileSorted(latency, 0.95),
    p99: quantileSorted(latency, 0.99),
    max: max(latency),
    errorRate: rows.length ? errorCount / rows.length : NaN,
    throughput: seconds > 0 ? rows.length / seconds : NaN,
    avgBatch: avgOf('batch_size'),
    avgGpu: avgOf('gpu_util'),
    avgMemory: avgOf('memory_used_gb'),
  };
}

/** The group fields of a grouped answer, as string columns. */
export function groupFields(groups: Groups): FrameField[] {
  return groups.fields.map((name, i) => ({ name, type: 'string', values: groups.keys.map((k) => k[i]) }));
}

/** summary: one row overall, or one per group. */
export function summary(ctx: AnalysisContext): Frame[] {
  const selection = select(ctx.store, ctx.range, ctx.query.filters);
  const groups = groupRows(selection, ctx.query.groupBy ?? []);
  const seconds = spanSeconds(selection);
  const stats = groups.rows.map((rows) => requestStats(selection, rows, seconds));
  const column = (name: string, pick: (s: RequestStats) => number, unit?: string): FrameField => ({
    name,
    type: 'number',
    values: stats.map(pick),
    unit,
  });
  return [
    {
      name: 'summary',
      fields: [
        ...groupFields(groups),
        column('requests', (s) => s.requests),
        column('avg_latency_ms', (s) => s.avg, 'ms'),
        column('p50_latency_ms', (s) => s.p50, 'ms'),
        column('p90_latency_ms', (s) => s.p90, 'ms'),
        column('p95_latency_ms', (s) => s.p95, 'ms'),
        column('p99_latency_ms', (s) => s.p99, 'ms'),
        column('max_latency_ms', (s) => s.max, 'ms'),
        column('error_rate', (s) => s.errorRate, 'percentunit'),
        column('throughput_rps', (s) => s.throughput, 'reqps'),
        column('avg_batch_size', (s) => s.avgBatch),
        column('avg_gpu_util', (s) => s.avgGpu, 'percent'),
        column('avg_memory_used_gb', (s) => s.avgMemory, 'decgbytes'),
      ],
    },
  ];
}
