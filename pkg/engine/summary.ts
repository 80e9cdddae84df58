import type { CodeArray, NumericData } from '../store/columns';
import { Store } from '../store/store';
import {
  BLOCK_FIELDS,
  F_BATCH_N,
  F_BATCH_SUM,
  F_ERRORS,
  F_GPU_N,
  F_GPU_SUM,
  F_LATENCY_MAX,
  F_LATENCY_N,
  F_LATENCY_SUM,
  F_MEMORY_N,
  F_MEMORY_SUM,
  F_REQUESTS,
  modelBlockStats,
} from './block-stats';
import { AnalysisContext, numericColumn } from './context';
import { Frame, FrameField } from './frames';
import { Groups, groupRows, runsOutside, select, Selection, selectionSpan } from './select';
import { quantilesInPlace, quantilesOfScaled } from './stats';

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

/** Rows per call of statsKernel: called many times, it is optimised whole rather than by on-stack replacement. */
const CHUNK = 1 << 15;

/**
 * requestStats' pass over rows[from, to): non-missing latencies into `latency`, and the running counts and sums
 * carried in `acc` (n, latency sum, max, errors, then sum and count of batch, gpu, memory) — every sum in row
 * order, as mean(gatherNumeric(...)) adds them.
 */
function statsKernel(
  rows: Uint32Array,
  from: number,
  to: number,
  latencyColumn: NumericData,
  batchColumn: NumericData,
  gpuColumn: NumericData,
  memoryColumn: NumericData,
  errors: Uint8Array,
  latency: Float64Array,
  acc: Float64Array
): void {
  const { data: lat, factor: latF, missing: latM } = latencyColumn;
  const { data: bat, factor: batF, missing: batM } = batchColumn;
  const { data: gp, factor: gpF, missing: gpM } = gpuColumn;
  const { data: mem, factor: memF, missing: memM } = memoryColumn;
  let n = acc[0];
  let latencySum = acc[1];
  let top = acc[2];
  let errorCount = acc[3];
  let batchSum = acc[4];
  let batchN = acc[5];
  let gpuSum = acc[6];
  let gpuN = acc[7];
  let memorySum = acc[8];
  let memoryN = acc[9];
  for (let i = from; i < to; i++) {
    const row = rows[i];
    const l = lat[row];
    const v = l === latM ? NaN : l / latF;
    if (v === v) {
      latency[n++] = v;
      latencySum += v;
      if (v > top) {
        top = v;
      }
    }
    errorCount += errors[row];
    const bb = bat[row];
    const b = bb === batM ? NaN : bb / batF;
    if (b === b) {
      batchSum += b;
      batchN++;
    }
    const gg = gp[row];
    const g = gg === gpM ? NaN : gg / gpF;
    if (g === g) {
      gpuSum += g;
      gpuN++;
    }
    const mm = mem[row];
    const m = mm === memM ? NaN : mm / memF;
    if (m === m) {
      memorySum += m;
      memoryN++;
    }
  }
  acc[0] = n;
  acc[1] = latencySum;
  acc[2] = top;
  acc[3] = errorCount;
  acc[4] = batchSum;
  acc[5] = batchN;
  acc[6] = gpuSum;
  acc[7] = gpuN;
  acc[8] = memorySum;
  acc[9] = memoryN;
}

/**
 * groupedStatsKernel's pass over rows[from, to): like statsKernel, for every group at once — group g of a row is
 * slot[codes[row]] (-1: no group) — with group g's latencies from latencyStart[g] in `latency` and its running
 * sums at acc[10g ...]. Each column is read once for all groups.
 */
function groupedStatsKernel(
  rows: Uint32Array,
  from: number,
  to: number,
  codes: CodeArray,
  slot: Int32Array,
  fill: Float64Array,
  gatherLatency: boolean,
  latencyColumn: NumericData,
  batchColumn: NumericData,
  gpuColumn: NumericData,
  memoryColumn: NumericData,
  errors: Uint8Array,
  latency: Float64Array,
  latencyStart: Float64Array,
  acc: Float64Array
): void {
  const { data: lat, factor: latF, missing: latM } = latencyColumn;
  const { data: bat, factor: batF, missing: batM } = batchColumn;
  const { data: gp, factor: gpF, missing: gpM } = gpuColumn;
  const { data: mem, factor: memF, missing: memM } = memoryColumn;
  for (let i = from; i < to; i++) {
    const row = rows[i];
    const g = slot[codes[row]];
    if (g < 0) {
      continue;
    }
    const a = g * 10;
    const l = lat[row];
    const v = l === latM ? NaN : l / latF;
    acc[a + 3] += errors[row];
    if (v === v) {
      if (gatherLatency) {
        latency[latencyStart[g] + fill[g]++] = v;
      }
      acc[a]++;
      acc[a + 1] += v;
      if (v > acc[a + 2]) {
        acc[a + 2] = v;
      }
    }
    const bb = bat[row];
    const b = bb === batM ? NaN : bb / batF;
    if (b === b) {
      acc[a + 4] += b;
      acc[a + 5]++;
    }
    const uu = gp[row];
    const u = uu === gpM ? NaN : uu / gpF;
    if (u === u) {
      acc[a + 6] += u;
      acc[a + 7]++;
    }
    const mm = mem[row];
    const m = mm === memM ? NaN : mm / memF;
    if (m === m) {
      acc[a + 8] += m;
      acc[a + 9]++;
    }
  }
}

/** The latency percentiles every summary gives. */
const PERCENTILES = [0.5, 0.9, 0.95, 0.99];

/** RequestStats from a group's accumulators (acc[10g ...]) and its latency percentiles (PERCENTILES). */
function statsOf(acc: Float64Array, g: number, quantiles: number[], requests: number, seconds: number): RequestStats {
  const a = g * 10;
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
  const { store, rows } = selection;
  const column = fields.length === 1 ? store.columns.get(fields[0]) : undefined;
  if (column?.kind !== 'string') {
    const groups = groupRows(selection, fields);
    return { groups, stats: groups.rows.map((r) => requestStats(selection, r, seconds)) };
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
    for (let code = 0; code * BLOCK_FIELDS < block.length; code++) {
      counts[code] += block[code * BLOCK_FIELDS + F_REQUESTS];
    }
  }
  // The rows outside pre-aggregated blocks, as runs [from, to) of indices into rows, in chunks.
  const runs = runsOutside(selection, preAggregated);
  const chunks: number[] = [];
  for (let k = 0; k < runs.length; k += 2) {
    for (let from = runs[k]; from < runs[k + 1]; from += CHUNK) {
      chunks.push(from, Math.min(runs[k + 1], from + CHUNK));
    }
  }
  for (let k = 0; k < chunks.length; k += 2) {
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
  const latencyStart = new Float64Array(order.length);
  let total = 0;
  order.forEach((i, g) => {
    slot[present[i]] = g;
    latencyStart[g] = total;
    total += counts[present[i]];
  });
  const latencyColumn = numericColumn(store, 'latency_ms').raw();
  // Latencies kept as scaled integers are gathered and ranked as integers (see quantilesOfScaled).
  const scaled = !(latencyColumn.data instanceof Float64Array);
  // Not cleared: only the part each group fills is read.
  const latencyBytes = Buffer.allocUnsafeSlow(total * (scaled ? 4 : 8));
  const latency = scaled ? new Float64Array(0) : new Float64Array(latencyBytes.buffer, latencyBytes.byteOffset, total);
  const integers = scaled ? new Int32Array(latencyBytes.buffer, latencyBytes.byteOffset, total) : new Int32Array(0);
  const acc = new Float64Array(order.length * 10);
  for (let g = 0; g < order.length; g++) {
    acc[g * 10 + 2] = -Infinity;
  }
  for (const b of used) {
    addBlock(blocks[b]!, slot, acc);
  }
  const fill = new Float64Array(order.length);
  const batch = numericColumn(store, 'batch_size').raw();
  const gpu = numericColumn(store, 'gpu_util').raw();
  const memory = numericColumn(store, 'memory_used_gb').raw();
  const errors = store.errors.values();
  for (let k = 0; k < chunks.length; k += 2) {
    groupedStatsKernel(
      rows,
      chunks[k],
      chunks[k + 1],
      codes,
      slot,
      fill,
      !scaled,
      latencyColumn,
      batch,
      gpu,
      memory,
      errors,
      latency,
      latencyStart,
      acc
    );
  }
  const next = new Int32Array(order.length);
  next.forEach((_, g) => (next[g] = latencyStart[g] + fill[g]));
  if (scaled) {
    for (let k = 0; k < chunks.length; k += 2) {
      scaledLatencyKernel(rows, chunks[k], chunks[k + 1], codes, slot, latencyColumn, integers, next);
    }
  }
  // Then the latencies of the pre-aggregated blocks, after each group's others.
  const size = Store.TIME_BLOCK;
  for (const b of used) {
    if (scaled) {
      scaledBlockLatencyKernel(b * size, (b + 1) * size, codes, slot, latencyColumn, integers, next);
    } else {
      latencyKernel(b * size, (b + 1) * size, codes, slot, latencyColumn, latency, next);
    }
  }
  const stats = order.map((i, g) => {
    const quantiles = scaled
      ? quantilesOfScaled(integers.subarray(latencyStart[g], next[g]), latencyColumn.factor, PERCENTILES)
      : quantilesInPlace(latency.subarray(latencyStart[g], next[g]), PERCENTILES);
    return statsOf(acc, g, quantiles, counts[present[i]], seconds);
  });
  return { groups: { fields, keys: order.map((i) => keys[i]) }, stats };
}

/** The non-missing latencies of rows[from, to), as their scaled integers, to their group's next free place. */
function scaledLatencyKernel(
  rows: Uint32Array,
  from: number,
  to: number,
  codes: CodeArray,
  slot: Int32Array,
  latencyColumn: NumericData,
  integers: Int32Array,
  next: Int32Array
): void {
  const { data, missing } = latencyColumn;
  for (let i = from; i < to; i++) {
    const row = rows[i];
    const l = data[row];
    if (l !== missing) {
      const g = slot[codes[row]];
      if (g >= 0) {
        integers[next[g]++] = l;
      }
    }
  }
}

/** scaledLatencyKernel for the rows [start, end) of a whole block. */
function scaledBlockLatencyKernel(
  start: number,
  end: number,
  codes: CodeArray,
  slot: Int32Array,
  latencyColumn: NumericData,
  integers: Int32Array,
  next: Int32Array
): void {
  const { data, missing } = latencyColumn;
  for (let row = start; row < end; row++) {
    const l = data[row];
    if (l !== missing) {
      const g = slot[codes[row]];
      if (g >= 0) {
        integers[next[g]++] = l;
      }
    }
  }
}

/** The non-missing latencies of rows [start, end) (a whole block) to their group's next free place. */
function latencyKernel(
  start: number,
  end: number,
  codes: CodeArray,
  slot: Int32Array,
  latencyColumn: NumericData,
  latency: Float64Array,
  next: Int32Array
): void {
  const { data, factor, missing } = latencyColumn;
  for (let row = start; row < end; row++) {
    const l = data[row];
    if (l !== missing && l === l) {
      const g = slot[codes[row]];
      if (g >= 0) {
        latency[next[g]++] = l / factor;
      }
    }
  }
}

/** counts[code] += rows of rows[from, to) with that code. */
function countCodes(rows: Uint32Array, from: number, to: number, codes: CodeArray, counts: Float64Array): void {
  for (let i = from; i < to; i++) {
    counts[codes[rows[i]]]++;
  }
}

/** A block's pre-aggregated per-model sums into the groups' accumulators (acc[10g ...], see statsKernel). */
function addBlock(block: Float64Array, slot: Int32Array, acc: Float64Array): void {
  for (let code = 0; code * BLOCK_FIELDS < block.length; code++) {
    const g = slot[code];
    const at = code * BLOCK_FIELDS;
    if (g < 0 || block[at + F_REQUESTS] === 0) {
      continue;
    }
    const a = g * 10;
    acc[a] += block[at + F_LATENCY_N];
    acc[a + 1] += block[at + F_LATENCY_SUM];
    acc[a + 2] = Math.max(acc[a + 2], block[at + F_LATENCY_MAX]);
    acc[a + 3] += block[at + F_ERRORS];
    acc[a + 4] += block[at + F_BATCH_SUM];
    acc[a + 5] += block[at + F_BATCH_N];
    acc[a + 6] += block[at + F_GPU_SUM];
    acc[a + 7] += block[at + F_GPU_N];
    acc[a + 8] += block[at + F_MEMORY_SUM];
    acc[a + 9] += block[at + F_MEMORY_N];
  }
}

/** Requests, latency percentiles, error rate, throughput and averages of a set of rows. */
export function requestStats(selection: Selection, rows: Uint32Array, seconds: number): RequestStats {
  const { store } = selection;
  const latencyColumn = numericColumn(store, 'latency_ms').raw();
  const batch = numericColumn(store, 'batch_size').raw();
  const gpu = numericColumn(store, 'gpu_util').raw();
  const memory = numericColumn(store, 'memory_used_gb').raw();
  const errors = store.errors.values();
  const latency = new Float64Array(rows.length);
  const acc = new Float64Array(10);
  acc[2] = -Infinity;
  for (let from = 0; from < rows.length; from += CHUNK) {
    const to = Math.min(rows.length, from + CHUNK);
    statsKernel(rows, from, to, latencyColumn, batch, gpu, memory, errors, latency, acc);
  }
  const n = acc[0];
  // Selection, not a sort: the same quantiles in linear time.
  const [p50, p90, p95, p99] = quantilesInPlace(latency.subarray(0, n), [0.5, 0.9, 0.95, 0.99]);
  const mean = (sum: number, count: number): number => (count ? sum / count : NaN);
  return {
    requests: rows.length,
    avg: mean(acc[1], n),
    p50,
    p90,
    p95,
    p99,
    max: n ? acc[2] : NaN,
    errorRate: rows.length ? acc[3] / rows.length : NaN,
    throughput: seconds > 0 ? rows.length / seconds : NaN,
    avgBatch: mean(acc[4], acc[5]),
    avgGpu: mean(acc[6], acc[7]),
    avgMemory: mean(acc[8], acc[9]),
  };
}

/** The group fields of a grouped answer, as string columns. */
export function groupFields(groups: Pick<Groups, 'fields' | 'keys'>): FrameField[] {
  return groups.fields.map((name, i) => ({ name, type: 'string', values: groups.keys.map((k) => k[i]) }));
}

/** summary: one row overall, or one per group. */
export function summary(ctx: AnalysisContext): Frame[] {
  const selection = select(ctx.store, ctx.range, ctx.query.filters);
  const seconds = spanSeconds(selection);
  const { groups, stats } = groupedRequestStats(selection, ctx.query.groupBy ?? [], seconds);
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
