import type { CodeArray, NumericData } from '../store/columns';
import { Store } from '../store/store';
import type { AnswerLimits } from './answer';
import { ModelBlock, modelBlockStats } from './block-stats';
import { checkGroupBound, summaryGroupsToCount } from './bounds';
import { groupedStatsKernel, newSums, SUMS } from './request-sums';
import { AnalysisContext, numericColumn } from './context';
import { Frame, FrameField } from './frames';
import { hasLlmMeasures, llmFields } from './llm';
import { pickMeasures } from './measures';
import { countGroups, Groups, groupRows, runsOutside, select, Selection, selectionSpan } from './select';
import { quantilesInPlace, quantilesOfScaled } from './quantiles';
import { checkpoint } from './interrupt';

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
  const span = selectionSpan(selection, closed ? 'range' : 'data');
  return span ? (span.endUs - span.startUs) / 1e6 : NaN;
}

/** Rows per call of a kernel: called many times, it is optimised whole rather than by on-stack replacement. */
const CHUNK = 1 << 15;

/** The latency percentiles every summary gives. */
const PERCENTILES = [0.5, 0.9, 0.95, 0.99];

/** RequestStats from a group's accumulators (acc[10g ...]) and its latency percentiles (PERCENTILES). */
function statsOf(acc: Float64Array, g: number, quantiles: number[], requests: number, seconds: number): RequestStats {
  const a = g * SUMS;
  const n = acc[a];
  const [p50, p90, p95, p99] = quantiles;
  const mean = (sum: number, count: number): number => (count ? sum / count : NaN);
  return {
    requests,
    avg: mean(acc[a + 1], n),
    p50,
    p90,
    p95,
    p99,
    max: n ? acc[a + 2] : NaN,
    errorRate: requests ? acc[a + 3] / requests : NaN,
    throughput: seconds > 0 ? requests / seconds : NaN,
    avgBatch: mean(acc[a + 4], acc[a + 5]),
    avgGpu: mean(acc[a + 6], acc[a + 7]),
    avgMemory: mean(acc[a + 8], acc[a + 9]),
  };
}

/**
 * The stats of each group of a selection, groups in sorted key order (as groupRows): by one dictionary-encoded
 * field in a single pass over the rows for all groups; otherwise group by group. Same numbers either way.
 */
export function groupedRequestStats(
  selection: Selection,
  fields: string[],
  seconds: number
): { groups: Pick<Groups, 'fields' | 'keys'>; stats: RequestStats[] } {
  const { store } = selection;
  const column = fields.length === 1 ? store.columns.get(fields[0]) : undefined;
  if (column?.kind !== 'string') {
    const groups = groupRows(selection, fields);
    return {
      groups,
      stats: groups.rows.map((r) => {
        checkpoint();
        return requestStats(selection, r, seconds);
      }),
    };
  }
  const codes = column.codeArray();
  const counts = new Float64Array(column.dictionary.length);
  // Grouped by model, whole blocks of the selection have their sums pre-aggregated.
  const preAggregated = new Uint8Array(Math.ceil(store.length / Store.TIME_BLOCK) + 1);
  const blocks = fields[0] === 'model' ? modelBlockStats(store, selection.wholeBlocks ?? []) : [];
  const used = (selection.wholeBlocks ?? []).filter((b) => blocks[b] !== undefined);
  used.forEach((b) => (preAggregated[b] = 1));
  for (const b of used) {
    const block = blocks[b]!;
    block.requests.forEach((n, code) => (counts[code] += n));
  }
  // The rows outside pre-aggregated blocks, as runs [from, to) of indices into rows (or rows themselves), in chunks.
  const { rows, runs } = runsOutside(selection, preAggregated);
  const chunks: number[] = [];
  for (let k = 0; k < runs.length; k += 2) {
    for (let from = runs[k]; from < runs[k + 1]; from += CHUNK) {
      chunks.push(from, Math.min(runs[k + 1], from + CHUNK));
    }
  }
  for (let k = 0; k < chunks.length; k += 2) {
    checkpoint();
    countCodes(rows, chunks[k], chunks[k + 1], codes, counts);
  }
  const present: number[] = [];
  for (let code = 1; code < counts.length; code++) {
    if (counts[code] > 0) {
      present.push(code);
    }
  }
  const keys = present.map((code) => [column.dictionary[code] as string]);
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a][0] < keys[b][0] ? -1 : keys[a][0] > keys[b][0] ? 1 : 0));
  const slot = new Int32Array(counts.length).fill(-1);
  // Group g's latencies go to [start[g], next[g]) of one array, as they are stored (see gatherLatencyKernel).
  const start = new Int32Array(order.length);
  let total = 0;
  order.forEach((i, g) => {
    slot[present[i]] = g;
    start[g] = total;
    total += counts[present[i]];
  });
  const next = start.slice();
  const latencyColumn = numericColumn(store, 'latency_ms').raw();
  // Latencies kept as scaled integers are gathered and ranked as integers (see quantilesOfScaled).
  const scaled = !(latencyColumn.data instanceof Float64Array);
  // Not cleared: only the part each group fills is read.
  const latencyBytes = Buffer.allocUnsafeSlow(total * (scaled ? 4 : 8));
  const latency = scaled
    ? new Int32Array(latencyBytes.buffer, latencyBytes.byteOffset, total)
    : new Float64Array(latencyBytes.buffer, latencyBytes.byteOffset, total);
  const acc = newSums(order.length);
  for (const b of used) {
    addBlock(blocks[b]!, slot, acc);
  }
  const batch = numericColumn(store, 'batch_size').raw();
  const gpu = numericColumn(store, 'gpu_util').raw();
  const memory = numericColumn(store, 'memory_used_gb').raw();
  const errors = store.errors.values();
  for (let k = 0; k < chunks.length; k += 2) {
    checkpoint();
    groupedStatsKernel(rows, chunks[k], chunks[k + 1], codes, slot, latencyColumn, batch, gpu, memory, errors, acc);
    gatherLatencyKernel(rows, chunks[k], chunks[k + 1], codes, slot, latencyColumn, latency, next);
  }
  // The pre-aggregated blocks' sums are in acc already: only their latencies are needed.
  const size = Store.TIME_BLOCK;
  for (const b of used) {
    gatherLatencyKernel(null, b * size, (b + 1) * size, codes, slot, latencyColumn, latency, next);
  }
  const stats = order.map((i, g) => {
    // The group's least and greatest latency are in its sums: the ranking needs no pass to find them.
    const bounds = { min: acc[g * SUMS + 10], max: acc[g * SUMS + 2] };
    const quantiles = latencyPercentiles(latency.subarray(start[g], next[g]), latencyColumn.factor, bounds);
    return statsOf(acc, g, quantiles, counts[present[i]], seconds);
  });
  return { groups: { fields, keys: order.map((i) => keys[i]) }, stats };
}

/**
 * The non-missing latencies of rows[from, to) (rows null: the rows from..to themselves) to their group's next
 * free place, as the column stores them: scaled integers (into an Int32Array) or float64 values.
 */
function gatherLatencyKernel(
  rows: Uint32Array | null,
  from: number,
  to: number,
  codes: CodeArray,
  slot: Int32Array,
  latencyColumn: NumericData,
  out: Int32Array | Float64Array,
  next: Int32Array
): void {
  const { data, missing } = latencyColumn;
  for (let i = from; i < to; i++) {
    const row = rows === null ? i : rows[i];
    const l = data[row];
    if (l !== missing && l === l) {
      const g = slot[codes[row]];
      if (g >= 0) {
        out[next[g]++] = l;
      }
    }
  }
}

/** counts[code] += rows of rows[from, to) (rows null: the rows from..to themselves) with that code. */
function countCodes(rows: Uint32Array | null, from: number, to: number, codes: CodeArray, counts: Float64Array): void {
  if (rows === null) {
    for (let row = from; row < to; row++) {
      counts[codes[row]]++;
    }
    return;
  }
  for (let i = from; i < to; i++) {
    counts[codes[rows[i]]]++;
  }
}

/** A block's pre-aggregated per-model sums into the groups' accumulators (acc[SUMS·g ...], see groupedStatsKernel). */
function addBlock(block: ModelBlock, slot: Int32Array, acc: Float64Array): void {
  block.requests.forEach((requests, code) => {
    const g = slot[code];
    if (g < 0 || requests === 0) {
      return;
    }
    for (let k = 0; k < SUMS; k++) {
      const value = block.sums[code * SUMS + k];
      const a = g * SUMS + k;
      // Field 2 is the latency maximum, 10 the minimum; the others are counts and sums.
      acc[a] = k === 2 ? Math.max(acc[a], value) : k === 10 ? Math.min(acc[a], value) : acc[a] + value;
    }
  });
}

/** Requests, latency percentiles, error rate, throughput and averages of a set of rows. */
export function requestStats(selection: Selection, rows: Uint32Array, seconds: number): RequestStats {
  const { store } = selection;
  // One group: every model code maps to group 0.
  const model = store.stringColumn('model');
  if (model?.kind !== 'string') {
    throw new Error('the store has no model column');
  }
  const codes = model.codeArray();
  const slot = new Int32Array(model.dictionary.length);
  const latencyColumn = numericColumn(store, 'latency_ms').raw();
  const batch = numericColumn(store, 'batch_size').raw();
  const gpu = numericColumn(store, 'gpu_util').raw();
  const memory = numericColumn(store, 'memory_used_gb').raw();
  const errors = store.errors.values();
  const latency =
    latencyColumn.data instanceof Float64Array ? new Float64Array(rows.length) : new Int32Array(rows.length);
  const next = new Int32Array(1);
  const acc = newSums(1);
  for (let from = 0; from < rows.length; from += CHUNK) {
    checkpoint();
    const to = Math.min(rows.length, from + CHUNK);
    groupedStatsKernel(rows, from, to, codes, slot, latencyColumn, batch, gpu, memory, errors, acc);
    gatherLatencyKernel(rows, from, to, codes, slot, latencyColumn, latency, next);
  }
  const bounds = { min: acc[10], max: acc[2] };
  return statsOf(
    acc,
    0,
    latencyPercentiles(latency.subarray(0, next[0]), latencyColumn.factor, bounds),
    rows.length,
    seconds
  );
}

/** PERCENTILES of gathered latencies, as the column stores them (scaled integers with `factor`, or float64). */
function latencyPercentiles(
  values: Int32Array | Float64Array,
  factor: number,
  bounds: { min: number; max: number }
): number[] {
  // Selection, not a sort: the same quantiles in linear time.
  return values instanceof Int32Array
    ? quantilesOfScaled(values, factor, PERCENTILES, {
        // The bounds as the stored integers (value = integer / factor, so this gives the integer back exactly).
        min: Math.round(bounds.min * factor),
        max: Math.round(bounds.max * factor),
      })
    : quantilesInPlace(values, PERCENTILES);
}

/** The group fields of a grouped answer, as string columns. */
export function groupFields(groups: Pick<Groups, 'fields' | 'keys'>): FrameField[] {
  return groups.fields.map((name, i) => ({ name, type: 'string', values: groups.keys.map((k) => k[i]) }));
}

/** Refuses more groups than maxRows, counted (no further than the bound) before any percentile is computed. */
export function checkGroups(what: string, selection: Selection, groupBy: string[], limits?: AnswerLimits): void {
  const countLimit = summaryGroupsToCount(limits);
  if (groupBy.length > 0 && countLimit !== undefined) {
    checkGroupBound(what, groupBy, countGroups(selection, groupBy, countLimit), countLimit, limits);
  }
}

/** summary: one row overall, or one per group. */
export function summary(ctx: AnalysisContext): Frame[] {
  const selection = select(ctx.store, ctx.range, ctx.query.filters);
  const seconds = spanSeconds(selection);
  const groupBy = ctx.query.groupBy ?? [];
  checkGroups('summary', selection, groupBy, ctx.limits);
  const { groups, stats } = groupedRequestStats(selection, groupBy, seconds);
  // Token counts and times to first token, where the logs have them: per group, from its rows.
  const llm = hasLlmMeasures(ctx.store) ? llmFields(ctx.store, groupRows(selection, groupBy).rows) : [];
  return [summaryFrame(groups, stats, ctx.query.measures, llm)];
}

/** The summary frame of groups (sorted) and their stats, with the measures asked for (all when absent). */
export function summaryFrame(
  groups: Pick<Groups, 'fields' | 'keys'>,
  stats: RequestStats[],
  measures: string[] | undefined,
  extra: FrameField[] = []
): Frame {
  const column = (name: string, pick: (s: RequestStats) => number, unit?: string): FrameField => ({
    name,
    type: 'number',
    values: stats.map(pick),
    unit,
  });
  const frame: Frame = {
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
      ...extra,
    ],
  };
  return pickMeasures(frame, groups.fields.length, measures, 'summary');
}
