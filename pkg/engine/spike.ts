import { AnalysisContext, numericColumn } from './context';
import { QueryError } from './errors';
import { Frame, FrameField } from './frames';
import { groupRows, select, Selection } from './select';
import { requestStats, RequestStats } from './summary';
import { REQUEST_ID } from '../store/store';

/** Slowest requests listed when the query sets no limit. */
export const DEFAULT_SLOWEST = 10;

const MEASURES: Array<[string, keyof RequestStats]> = [
  ['requests', 'requests'],
  ['throughput_rps', 'throughput'],
  ['avg_latency_ms', 'avg'],
  ['p50_latency_ms', 'p50'],
  ['p90_latency_ms', 'p90'],
  ['p95_latency_ms', 'p95'],
  ['p99_latency_ms', 'p99'],
  ['max_latency_ms', 'max'],
  ['error_rate', 'errorRate'],
  ['avg_batch_size', 'avgBatch'],
  ['avg_gpu_util', 'avgGpu'],
  ['avg_memory_used_gb', 'avgMemory'],
];

/**
 * spike: what differs in a window [from, to] from the same-length window just before it,
 * [from - (to - from), from): the headline numbers, the model mix, and the slowest requests.
 */
export function spike(ctx: AnalysisContext): Frame[] {
  const { store, query, range } = ctx;
  if (range.from === undefined || range.to === undefined || range.to <= range.from) {
    throw new QueryError('spike needs a time window: both from and to, with from before to');
  }
  const length = range.to - range.from;
  const windowSel = select(store, range, query.filters);
  const before = select(store, { from: range.from - length, to: range.from }, query.filters);
  // The baseline ends just before `from`: `from` itself belongs to the window.
  const fromUs = range.from * 1000;
  const beforeRows = before.rows.filter((row) => store.time.get(row) < fromUs);
  const baseline: Selection = { ...before, rows: beforeRows };
  const seconds = length / 1000;
  const a = requestStats(baseline, baseline.rows, seconds);
  const b = requestStats(windowSel, windowSel.rows, seconds);

  const mixBefore = groupRows(baseline, ['model']);
  const mixWindow = groupRows(windowSel, ['model']);
  const models = [...new Set([...mixBefore.keys, ...mixWindow.keys].map((k) => k[0]))].sort();
  const statsOf = (sel: Selection, groups: typeof mixBefore, model: string): RequestStats => {
    const i = groups.keys.findIndex((k) => k[0] === model);
    return requestStats(sel, i < 0 ? new Uint32Array(0) : groups.rows[i], seconds);
  };
  const perModel = models.map((m) => ({
    before: statsOf(baseline, mixBefore, m),
    window: statsOf(windowSel, mixWindow, m),
  }));
  const latencyColumn = numericColumn(store, 'latency_ms');
  const latency = new Map<number, number>();
  windowSel.rows.forEach((row) => latency.set(row, latencyColumn.get(row)));
  const time = store.time.values();
  const slowestRows = Array.from(windowSel.rows)
    .filter((row) => !Number.isNaN(latency.get(row)))
    .sort((x, y) => latency.get(y)! - latency.get(x)! || time[x] - time[y] || x - y)
    .slice(0, query.limit ?? DEFAULT_SLOWEST);
  const text = (field: string) => slowestRows.map((row) => store.stringColumn(field)?.get(row) ?? null);
  const number = (field: string) => slowestRows.map((row) => store.numberColumn(field)?.get(row) ?? NaN);
  const slowest = slowestFields(
    slowestRows.map((row) => time[row]),
    text,
    number
  );
  return spikeFrames({ from: range.from, to: range.to }, a, b, models, perModel, slowest);
}

/**
 * The columns of spike's slowest requests, in frame order, from their times (µs) and per-field getters: the
 * same frame whether the rows come from the store or from a database.
 */
export function slowestFields(
  times: number[],
  text: (field: string) => Array<string | null>,
  number: (field: string) => number[]
): FrameField[] {
  return [
    { name: 'timestamp', type: 'time', values: times },
    { name: REQUEST_ID, type: 'string', values: text(REQUEST_ID) },
    { name: 'model', type: 'string', values: text('model') },
    { name: 'latency_ms', type: 'number', values: number('latency_ms'), unit: 'ms' },
    { name: 'batch_size', type: 'number', values: number('batch_size') },
    { name: 'status', type: 'string', values: text('status') },
    { name: 'gpu_util', type: 'number', values: number('gpu_util') },
    { name: 'memory_used_gb', type: 'number', values: number('memory_used_gb') },
  ];
}

/**
 * The spike frames: the headline numbers before and in the window (a, b), the model mix (models sorted, their
 * stats before and in the window) and the slowest requests' fields.
 */
export function spikeFrames(
  range: { from: number; to: number },
  a: RequestStats,
  b: RequestStats,
  models: string[],
  perModel: Array<{ before: RequestStats; window: RequestStats }>,
  slowest: FrameField[]
): Frame[] {
  const length = range.to - range.from;
  const change = MEASURES.map(([, key]) => b[key] - a[key]);
  const comparison: Frame = {
    name: 'spike',
    fields: [
      { name: 'measure', type: 'string', values: MEASURES.map(([name]) => name) },
      { name: 'before', type: 'number', values: MEASURES.map(([, key]) => a[key]) },
      { name: 'window', type: 'number', values: MEASURES.map(([, key]) => b[key]) },
      { name: 'change', type: 'number', values: change },
      { name: 'change_pct', type: 'number', values: MEASURES.map(([, key], i) => (100 * change[i]) / a[key]) },
    ],
    meta: { custom: { before: [range.from - length, range.from], window: [range.from, range.to] } },
  };

  const share = (n: number, total: number): number => (total ? n / total : NaN);
  const mix: Frame = {
    name: 'model mix',
    fields: [
      { name: 'model', type: 'string', values: models },
      { name: 'requests_before', type: 'number', values: perModel.map((p) => p.before.requests) },
      { name: 'requests_window', type: 'number', values: perModel.map((p) => p.window.requests) },
      {
        name: 'share_before',
        type: 'number',
        values: perModel.map((p) => share(p.before.requests, a.requests)),
        unit: 'percentunit',
      },
      {
        name: 'share_window',
        type: 'number',
        values: perModel.map((p) => share(p.window.requests, b.requests)),
        unit: 'percentunit',
      },
      { name: 'p99_latency_ms_before', type: 'number', values: perModel.map((p) => p.before.p99), unit: 'ms' },
      { name: 'p99_latency_ms_window', type: 'number', values: perModel.map((p) => p.window.p99), unit: 'ms' },
      {
        name: 'error_rate_before',
        type: 'number',
        values: perModel.map((p) => p.before.errorRate),
        unit: 'percentunit',
      },
      {
        name: 'error_rate_window',
        type: 'number',
        values: perModel.map((p) => p.window.errorRate),
        unit: 'percentunit',
      },
    ],
  };

  return [comparison, mix, { name: 'slowest requests', fields: slowest }];
}
