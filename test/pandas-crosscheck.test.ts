/**
 * Cross-checks the engine against pandas: the same generated logs (rotated, gzipped, noisy, mixed timestamp
 * styles, extra fields) go through `test/pandas_reference.py` and through `loadLogs` + `runQuery`, and every answer
 * must agree to 1e-9 relative. Needs a Python 3 with pandas and numpy (`/usr/bin/python3`, or $PANDAS_PYTHON): the
 * test fails, loudly, without one.
 */
import type { DataFrameJSON } from '@grafana/data';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_START_MS, NOISE_KINDS, type NoiseKind } from '../pkg/generator/generate';
import { writeLogs, type WriteResult } from '../pkg/generator/write';
import { AGGREGATIONS, type AnalysisQuery } from '../pkg/model/query';
import { runQuery } from '../pkg/format/dataframe-json';
import { loadLogs } from '../pkg/sources/load';

type Loaded = Awaited<ReturnType<typeof loadLogs>>;
type Cell = number | string | null;

interface TableAnswer {
  order: string[];
  columns: Record<string, Cell[]>;
  /** Fields pandas lists but does not compute (compare's bootstrap intervals and verdict): not compared. */
  unchecked?: string[];
}
interface Series {
  labels: Record<string, string>;
  time: number[];
  values: Array<number | null>;
}
interface TrendAnswer {
  series: Series[];
}
interface CorrelationAnswer {
  metrics: string[];
  matrix: Array<Array<number | null>>;
  pairs: number[][];
}
type Answer = TableAnswer | TrendAnswer | CorrelationAnswer;

interface Reference {
  rows: number;
  skipped: Record<string, number>;
  answers: Answer[];
}

interface Case {
  name: string;
  query: AnalysisQuery;
  from?: number;
  to?: number;
  /** The range ends exactly on two logged timestamps (found after the logs are written). */
  exactRange?: boolean;
  /** The answer is expected to be empty (otherwise an empty answer fails: it would check nothing). */
  empty?: boolean;
}

/** Filled in once the logs exist: two millisecond-precision timestamps of the log, ~3 hours apart. */
const exact: { from?: number; to?: number } = {};

function rangeOf(c: Case): { from?: number; to?: number } {
  return c.exactRange ? { from: exact.from, to: exact.to } : { from: c.from, to: c.to };
}

const PYTHON = process.env.PANDAS_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const SCRIPT = join(__dirname, 'pandas_reference.py');
const HOUR = 3_600_000;
const START = DEFAULT_START_MS;
// Odd milliseconds so range ends fall inside buckets, not on their edges.
const RANGE_A = { from: START + 3 * HOUR + 123, to: START + 15 * HOUR + 456 };
const RANGE_B = { from: START + 9 * HOUR + 1_001, to: START + 11 * HOUR + 59_999 };
// Starts two hours before the first request: leading empty buckets.
const RANGE_C = { from: START - 2 * HOUR + 7, to: START + 2 * HOUR };
const ALL_METRICS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'];

function buildCases(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, query: AnalysisQuery, range: Partial<Case> = {}) => cases.push({ name, query, ...range });

  add('summary overall', { queryType: 'summary' });
  add('summary by model', { queryType: 'summary', groupBy: ['model'] });
  add('summary by region', { queryType: 'summary', groupBy: ['region'] });
  add('summary by model, gpu_type', { queryType: 'summary', groupBy: ['model', 'gpu_type'] });
  add('summary by model in range A', { queryType: 'summary', groupBy: ['model'] }, RANGE_A);
  add('summary filtered on two models', { queryType: 'summary', filters: { model: ['llama-3-8b', 'bert-large'] } });
  add('summary by model, region eu-west-1', {
    queryType: 'summary',
    groupBy: ['model'],
    filters: { region: ['eu-west-1'] },
  });
  add('summary by host in range B', { queryType: 'summary', groupBy: ['host'] }, RANGE_B);
  add('summary by model, exact range ends', { queryType: 'summary', groupBy: ['model'] }, { exactRange: true });
  add('summary filtered on batch_size numbers', { queryType: 'summary', filters: { batch_size: [8, 16] } });
  add('summary by gpu_type before the logs start', { queryType: 'summary', groupBy: ['gpu_type'] }, RANGE_C);
  add('summary no rows, overall', { queryType: 'summary', filters: { model: ['nope'] } });
  add(
    'summary no rows, by model',
    { queryType: 'summary', groupBy: ['model'], filters: { model: ['nope'] } },
    {
      empty: true,
    }
  );

  add('compare', { queryType: 'compare' });
  add('compare in range A', { queryType: 'compare' }, RANGE_A);
  add('compare, region ap-south-1', { queryType: 'compare', filters: { region: ['ap-south-1'] } });
  add('compare against llama-3-8b in range A', { queryType: 'compare', baseline: 'llama-3-8b' }, RANGE_A);

  add('anomalies zscore global', { queryType: 'anomalies', method: 'zscore', limit: 50 });
  add('anomalies zscore by model', { queryType: 'anomalies', method: 'zscore', groupBy: ['model'], limit: 100 });
  add(
    'anomalies zscore gpu_util t=2 range A',
    {
      queryType: 'anomalies',
      method: 'zscore',
      metric: 'gpu_util',
      threshold: 2,
      limit: 25,
    },
    RANGE_A
  );
  add('anomalies mad global', { queryType: 'anomalies', method: 'mad', limit: 40 });
  add('anomalies mad by model', { queryType: 'anomalies', method: 'mad', groupBy: ['model'], limit: 30 });
  add('anomalies mad by model, region us-east-1', {
    queryType: 'anomalies',
    method: 'mad',
    groupBy: ['model'],
    filters: { region: ['us-east-1'] },
    limit: 20,
  });
  add('anomalies iqr latency', { queryType: 'anomalies', method: 'iqr', limit: 40 });
  add('anomalies iqr memory by model', {
    queryType: 'anomalies',
    method: 'iqr',
    metric: 'memory_used_gb',
    groupBy: ['model'],
    limit: 60,
  });
  add(
    'anomalies iqr gpu_util k=0.5 by gpu_type range B',
    {
      queryType: 'anomalies',
      method: 'iqr',
      metric: 'gpu_util',
      threshold: 0.5,
      groupBy: ['gpu_type'],
      limit: 15,
    },
    RANGE_B
  );

  // Every aggregation, cycling through windows, groupings and ranges; 1m windows only over short ranges.
  AGGREGATIONS.forEach((aggregation, i) => {
    const variant = i % 3;
    if (variant === 0) {
      add(`trend ${aggregation} 1h by model`, {
        queryType: 'trend',
        aggregation,
        window: '1h',
        groupBy: ['model'],
      });
    } else if (variant === 1) {
      add(
        `trend ${aggregation} 5m by region range A`,
        {
          queryType: 'trend',
          aggregation,
          window: '5m',
          groupBy: ['region'],
        },
        RANGE_A
      );
    } else {
      add(
        `trend ${aggregation} 1m gpu_util mistral range B`,
        {
          queryType: 'trend',
          aggregation,
          metric: 'gpu_util',
          window: '1m',
          filters: { model: ['mistral-7b'] },
        },
        RANGE_B
      );
    }
  });
  add(
    'trend p99 1m by model range B',
    {
      queryType: 'trend',
      aggregation: 'p99',
      window: '1m',
      groupBy: ['model'],
    },
    RANGE_B
  );
  add('trend mean 1h overall', { queryType: 'trend', aggregation: 'mean', window: '1h' });
  // LLM measures: given (ttft_ms), derived (tpot_ms, output_tokens_per_s).
  add('trend p99 tpot_ms 1h by model', {
    queryType: 'trend',
    metric: 'tpot_ms',
    aggregation: 'p99',
    window: '1h',
    groupBy: ['model'],
  });
  add('trend mean output_tokens_per_s 30m', {
    queryType: 'trend',
    metric: 'output_tokens_per_s',
    aggregation: 'mean',
    window: '30m',
  });
  add(
    'trend p95 ttft_ms 1h, range A',
    { queryType: 'trend', metric: 'ttft_ms', aggregation: 'p95', window: '1h' },
    RANGE_A
  );
  add('anomalies mad on tpot_ms by model', {
    queryType: 'anomalies',
    method: 'mad',
    metric: 'tpot_ms',
    groupBy: ['model'],
    limit: 30,
  });
  add('trend count 1d overall', { queryType: 'trend', aggregation: 'count', window: '1d' });
  add(
    'trend p50 7m by model range A',
    { queryType: 'trend', aggregation: 'p50', window: '7m', groupBy: ['model'] },
    RANGE_A
  );
  add(
    'trend count 10m by model before the logs start',
    {
      queryType: 'trend',
      aggregation: 'count',
      window: '10m',
      groupBy: ['model'],
    },
    RANGE_C
  );
  add(
    'trend error_rate 1m exact range ends',
    { queryType: 'trend', aggregation: 'error_rate', window: '1m' },
    {
      exactRange: true,
    }
  );
  add(
    'anomalies zscore exact range ends',
    { queryType: 'anomalies', method: 'zscore', limit: 10 },
    {
      exactRange: true,
    }
  );
  add(
    'trend stddev 5m memory by model',
    {
      queryType: 'trend',
      aggregation: 'stddev',
      metric: 'memory_used_gb',
      window: '5m',
      groupBy: ['model'],
    },
    RANGE_A
  );

  add('correlation pearson', { queryType: 'correlation', correlation: 'pearson', metrics: ALL_METRICS });
  add('correlation spearman', { queryType: 'correlation', correlation: 'spearman', metrics: ALL_METRICS });
  add(
    'correlation pearson llama range A',
    {
      queryType: 'correlation',
      correlation: 'pearson',
      metrics: ALL_METRICS,
      filters: { model: ['llama-3-8b'] },
    },
    RANGE_A
  );
  add('correlation spearman gpu_util, latency_ms', {
    queryType: 'correlation',
    correlation: 'spearman',
    metrics: ['gpu_util', 'latency_ms'],
  });
  return cases;
}

/** Picks two epoch-millisecond timestamps (written as 13-digit numbers) of the newest file as exact range ends. */
function findExactRange(text: string): void {
  const stamps = Array.from(text.matchAll(/^\{"timestamp": (\d{13}),/gm), (m) => Number(m[1]));
  if (stamps.length < 10) {
    throw new Error('the generated log has too few epoch-millisecond timestamps for the exact-range cases');
  }
  exact.from = stamps[Math.floor(stamps.length / 4)];
  exact.to = stamps.find((t) => t >= exact.from! + 3 * HOUR) ?? stamps[stamps.length - 1];
}

function isEmpty(answer: Answer): boolean {
  if ('order' in answer) {
    return (answer.columns[answer.order[0]] ?? []).length === 0;
  }
  if ('series' in answer) {
    return answer.series.length === 0;
  }
  return answer.metrics.length === 0;
}

function runReference(paths: string[], cases: Case[]): Reference {
  const check = spawnSync(PYTHON, ['-c', 'import pandas, numpy'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    throw new Error(
      `The pandas cross-check needs Python 3 with pandas and numpy (tried "${PYTHON}"; set PANDAS_PYTHON): ` +
        `${check.error?.message ?? check.stderr}`
    );
  }
  const queries = cases.map((c) => ({ ...c.query, ...rangeOf(c) }));
  const result = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ paths, queries }),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.error || result.status !== 0) {
    throw new Error(`pandas_reference.py failed: ${result.error?.message ?? result.stderr}`);
  }
  return JSON.parse(result.stdout) as Reference;
}

// ---------------------------------------------------------------------------------------------------------------
// Engine frames to the reference's shapes

function cellAt(frame: DataFrameJSON, field: number, row: number): Cell {
  const type = frame.schema?.fields[field]?.type;
  const value = frame.data?.values[field]?.[row] as Cell | undefined;
  if (value === null || value === undefined) {
    const entities = frame.data?.entities?.[field];
    if (entities?.Inf?.includes(row)) {
      return Infinity;
    }
    if (entities?.NegInf?.includes(row)) {
      return -Infinity;
    }
    return null;
  }
  if (type === 'time' && typeof value === 'number') {
    // Epoch ms plus the sub-millisecond part in nanoseconds, back to integer microseconds.
    const nanos = frame.data?.nanos?.[field]?.[row] ?? 0;
    return Math.round(value * 1000 + nanos / 1000);
  }
  return value;
}

function toTable(frames: DataFrameJSON[]): TableAnswer {
  if (frames.length !== 1) {
    throw new Error(`expected one frame, got ${frames.length}`);
  }
  const frame = frames[0];
  const fields = frame.schema?.fields ?? [];
  const rows = frame.data?.values[0]?.length ?? 0;
  const columns: Record<string, Cell[]> = {};
  fields.forEach((f, i) => {
    columns[f.name] = Array.from({ length: rows }, (_, r) => cellAt(frame, i, r));
  });
  return { order: fields.map((f) => f.name), columns };
}

function toTrend(frames: DataFrameJSON[]): TrendAnswer {
  return {
    series: frames.map((frame) => {
      const fields = frame.schema?.fields ?? [];
      const timeIndex = fields.findIndex((f) => f.type === 'time');
      const valueIndex = fields.findIndex((f) => f.type === 'number');
      const rows = frame.data?.values[timeIndex]?.length ?? 0;
      return {
        labels: (fields[valueIndex]?.labels ?? {}) as Record<string, string>,
        time: Array.from({ length: rows }, (_, r) => Number(frame.data?.values[timeIndex][r])),
        values: Array.from({ length: rows }, (_, r) => cellAt(frame, valueIndex, r) as number | null),
      };
    }),
  };
}

function toCorrelation(frames: DataFrameJSON[]): CorrelationAnswer {
  const frame = frames[0];
  const fields = frame.schema?.fields ?? [];
  const metrics = fields.slice(1).map((f) => f.name);
  const custom = frame.schema?.meta?.custom as { pairs?: number[][] } | undefined;
  return {
    metrics,
    matrix: metrics.map((_, i) => metrics.map((__, j) => cellAt(frame, j + 1, i) as number | null)),
    pairs: custom?.pairs ?? [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison

function close(a: Cell, b: Cell): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) {
      return true;
    }
    const diff = Math.abs(a - b);
    return diff <= 1e-12 || diff <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }
  return String(a) === String(b);
}

function diffCells(path: string, expected: Cell[], actual: Cell[], out: string[]): void {
  if (expected.length !== actual.length) {
    out.push(`${path}: pandas has ${expected.length} values, engine ${actual.length}`);
  }
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (!close(expected[i], actual[i])) {
      out.push(`${path}[${i}]: pandas ${expected[i]}, engine ${actual[i]}`);
    }
  }
}

function diffAnswer(expected: Answer, actual: Answer): string[] {
  const out: string[] = [];
  if ('order' in expected && 'order' in actual) {
    if (expected.order.join() !== actual.order.join()) {
      out.push(`fields: pandas [${expected.order}], engine [${actual.order}]`);
    }
    for (const name of expected.order) {
      if (actual.columns[name] && !expected.unchecked?.includes(name)) {
        diffCells(name, expected.columns[name], actual.columns[name], out);
      }
    }
  } else if ('series' in expected && 'series' in actual) {
    const labelsOf = (s: Series[]) => s.map((x) => JSON.stringify(x.labels)).join(' ');
    if (labelsOf(expected.series) !== labelsOf(actual.series)) {
      out.push(`series: pandas ${labelsOf(expected.series)}, engine ${labelsOf(actual.series)}`);
    }
    expected.series.forEach((s, i) => {
      const a = actual.series[i];
      if (a) {
        const name = `series ${JSON.stringify(s.labels)}`;
        diffCells(`${name} time`, s.time, a.time, out);
        diffCells(`${name} values`, s.values, a.values, out);
      }
    });
  } else if ('matrix' in expected && 'matrix' in actual) {
    if (expected.metrics.join() !== actual.metrics.join()) {
      out.push(`metrics: pandas [${expected.metrics}], engine [${actual.metrics}]`);
    }
    expected.metrics.forEach((m, i) => {
      diffCells(`matrix ${m}`, expected.matrix[i], actual.matrix[i] ?? [], out);
      diffCells(`pairs ${m}`, expected.pairs[i], actual.pairs[i] ?? [], out);
    });
  } else {
    out.push('answers have different shapes');
  }
  return out;
}

function engineAnswer(store: Loaded, c: Case): Answer {
  const frames = runQuery(store, c.query, { range: rangeOf(c) });
  switch (c.query.queryType) {
    case 'trend':
      return toTrend(frames);
    case 'correlation':
      return toCorrelation(frames);
    default:
      return toTable(frames);
  }
}

/** Where each kind of generated noise line should end up in the skip counts (blank lines are not counted). */
const NOISE_REASON: Record<NoiseKind, string | null> = {
  text: 'invalid_json',
  truncated: 'invalid_json',
  array: 'not_an_object',
  scalar: 'not_an_object',
  missing_model: 'missing_model',
  missing_latency: 'missing_latency',
  missing_timestamp: 'missing_timestamp',
  bad_timestamp: 'invalid_timestamp',
  blank: null,
};

function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([k, v]) => v > 0 && k !== 'blank'));
}

describe('engine agrees with pandas', () => {
  const cases = buildCases();
  let dir = '';
  let written: WriteResult;
  let reference: Reference;
  let store: Loaded;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pandas-crosscheck-'));
    written = await writeLogs(dir, {
      seed: 20261127,
      rows: 30_000,
      files: 4,
      gzipOlder: true,
      noise: 0.03,
      timestampStyle: 'mixed',
      extras: true,
      llm: true,
      crlf: true,
      bom: true,
      // About a day of traffic, so the diurnal cycle, hourly buckets and spikes all show.
      ratePerSecond: 0.35,
    });
    findExactRange(readFileSync(written.files[written.files.length - 1], 'utf8'));
    reference = runReference([dir], cases);
    store = await loadLogs([dir]);
  }, 300_000);

  afterAll(() => {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps and skips the same lines', () => {
    const expected: Record<string, number> = {};
    for (const kind of NOISE_KINDS) {
      const reason = NOISE_REASON[kind];
      if (reason && written.noise[kind] > 0) {
        expected[reason] = (expected[reason] ?? 0) + written.noise[kind];
      }
    }
    expect(reference.rows).toBe(written.rows);
    expect(nonZero(reference.skipped)).toEqual(expected);
    expect(store.length).toBe(written.rows);
    expect(nonZero(store.skipped)).toEqual(expected);
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i];
    expect(isEmpty(reference.answers[i])).toBe(c.empty ?? false);
    const differences = diffAnswer(reference.answers[i], engineAnswer(store, c));
    if (differences.length > 0) {
      const shown = differences.slice(0, 25).join('\n  ');
      const more = differences.length > 25 ? `\n  ... and ${differences.length - 25} more` : '';
      throw new Error(`${c.name}: ${differences.length} differences from pandas\n  ${shown}${more}`);
    }
  });
});

/** Small hand-made logs for the corners generated data rarely reaches. */
function edgeCaseLog(): string {
  const lines: string[] = [];
  const at = (sec: number) =>
    `2026-11-20T00:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}`;
  // `const`: MAD and IQR are 0, so the two outliers score +Infinity (tied: by time, then by position in the log).
  for (let i = 0; i < 14; i++) {
    const latency = i === 7 || i === 9 ? 50 : i === 11 ? 0.5 : 5;
    const sec = i === 9 ? 7 : i;
    lines.push(JSON.stringify({ timestamp: at(sec), request_id: `c${i}`, model: 'const', latency_ms: latency }));
  }
  // `flat`: standard deviation 0; `single`: one value, no standard deviation at all.
  for (let i = 0; i < 5; i++) {
    lines.push(JSON.stringify({ timestamp: at(20 + i), request_id: `f${i}`, model: 'flat', latency_ms: 7 }));
  }
  lines.push(JSON.stringify({ timestamp: at(30), request_id: 's0', model: 'single', latency_ms: 9 }));
  // Status spellings, and a group field present on some rows only.
  const statuses: unknown[] = ['OK', ' success ', 201, 'Success', 404, 'failed', null, '299', '2xx', 'TIMEOUT', 200];
  statuses.forEach((status, i) =>
    lines.push(
      JSON.stringify({
        timestamp: at(40 + i),
        request_id: `st${i}`,
        model: i % 2 ? 'status-a' : 'status-b',
        latency_ms: 10 + i,
        status,
        ...(i % 3 ? { region: i % 3 === 1 ? 'eu' : 'us' } : {}),
      })
    )
  );
  lines.push(`{"timestamp": "${at(60)}", "request_id": "nostatus", "model": "status-a", "latency_ms": 3.5}`);
  return lines.join('\n') + '\n';
}

describe('engine agrees with pandas on edge cases', () => {
  const cases: Case[] = [
    ...(['zscore', 'mad', 'iqr'] as const).flatMap((method) => [
      {
        name: `anomalies ${method} by model`,
        query: { queryType: 'anomalies', method, groupBy: ['model'] } as AnalysisQuery,
      },
      {
        name: `anomalies ${method} k=0 by model`,
        query: { queryType: 'anomalies', method, threshold: 0, groupBy: ['model'] } as AnalysisQuery,
      },
    ]),
    { name: 'summary by model', query: { queryType: 'summary', groupBy: ['model'] } },
    { name: 'summary by region (missing on some rows)', query: { queryType: 'summary', groupBy: ['region'] } },
    {
      name: 'trend error_rate 10s',
      query: { queryType: 'trend', aggregation: 'error_rate', window: '10s', groupBy: ['model'] },
    },
    { name: 'trend stddev 1m', query: { queryType: 'trend', aggregation: 'stddev', window: '1m', groupBy: ['model'] } },
    { name: 'compare', query: { queryType: 'compare' } },
  ];
  let dir = '';
  let reference: Reference;
  let store: Loaded;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pandas-edge-'));
    writeFileSync(join(dir, 'edge.log'), edgeCaseLog());
    reference = runReference([dir], cases);
    store = await loadLogs([dir]);
  }, 60_000);

  afterAll(() => {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i];
    const differences = diffAnswer(reference.answers[i], engineAnswer(store, c));
    if (differences.length > 0) {
      throw new Error(
        `${c.name}: ${differences.length} differences from pandas\n  ${differences.slice(0, 25).join('\n  ')}`
      );
    }
  });
});
