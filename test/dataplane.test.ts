/**
 * Every query type's answer, as the backend encodes it for Grafana (Arrow, decoded as the Go SDK reads it), follows
 * the data plane contract for its type (test/support/dataplane.ts): panels, Explore and alerting, with data and
 * without. The answers that can be alert conditions also go through Grafana's server-side expressions and must give
 * one number per set of labels.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateLines } from '../pkg/generator/generate';
import { InstanceManager } from '../pkg/grafana/instances';
import { DataQuery, QueryDataRequest } from '../pkg/grafana/messages';
import { BackendMetrics } from '../pkg/grafana/metrics';
import { queryData } from '../pkg/grafana/query-data';
import { AGGREGATIONS, ANOMALY_METHODS, QUERY_TYPES } from '../pkg/model/query';
import { contractProblems } from './support/dataplane';
import { DecodedFrame, decodeFrame, evaluate, reduce, sseValues } from './support/grafana-alerting';
import { pluginContext } from './support/plugin-context';

const START = Date.UTC(2026, 10, 20);
// 20,000 requests at about 2 a second span some 2.8 hours: the last 15 minutes before END hold requests.
const END = START + 2 * 3_600_000;

let dir: string;
let instances: InstanceManager;
let metrics: BackendMetrics;

beforeAll(() => {
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  dir = mkdtempSync(join(tmpdir(), 'dataplane-'));
  const lines = [...generateLines({ rows: 20_000, start: START, seed: 7, extras: true, noise: 0.005 })];
  writeFileSync(join(dir, 'app.log'), lines.join('\n') + '\n');
  instances = new InstanceManager();
  metrics = new BackendMetrics(instances);
});
afterAll(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function answer(model: object, headers: Record<string, string> = {}, range = { from: START, to: END }) {
  const query: DataQuery = {
    refId: 'A',
    maxDataPoints: 1000,
    intervalMS: 60_000,
    timeRange: { fromEpochMS: range.from, toEpochMS: range.to },
    json: Buffer.from(JSON.stringify({ refId: 'A', ...model })),
    queryType: '',
  };
  const request: QueryDataRequest = {
    pluginContext: pluginContext({ paths: [dir] }, { uid: 'ds' }),
    headers,
    queries: [query],
    format: 'ARROW',
  };
  const response = (await queryData(request, instances, metrics)).responses.A;
  if (response.status !== 200) {
    throw new Error(`${JSON.stringify(model)}: ${response.status} ${response.error}`);
  }
  return response.frames.map(decodeFrame);
}

const NOBODY = { filters: { model: ['no-such-model'] } };

/** Queries of every type, with data and without. */
const QUERIES: object[] = [
  { queryType: 'summary' },
  { queryType: 'summary', ...NOBODY },
  { queryType: 'summary', groupBy: ['model'] },
  { queryType: 'summary', groupBy: ['model', 'region'], measures: ['p99_latency_ms', 'requests'] },
  { queryType: 'summary', groupBy: ['model'], ...NOBODY },
  ...AGGREGATIONS.map((aggregation) => ({ queryType: 'trend', aggregation, window: '5m', groupBy: ['model'] })),
  { queryType: 'trend', aggregation: 'p99', window: '1m' },
  { queryType: 'trend', aggregation: 'p99', groupBy: ['model', 'gpu_type'] },
  { queryType: 'trend', groupBy: ['model'], ...NOBODY },
  ...ANOMALY_METHODS.map((method) => ({ queryType: 'anomalies', method, groupBy: ['model'], limit: 50 })),
  { queryType: 'anomalies', ...NOBODY },
  { queryType: 'correlation', correlation: 'pearson' },
  { queryType: 'correlation', correlation: 'spearman', ...NOBODY },
  { queryType: 'compare' },
  { queryType: 'compare', ...NOBODY },
  { queryType: 'spike' },
  { queryType: 'logs', limit: 100 },
  { queryType: 'logs', ...NOBODY },
  // The logs span under 3 hours: the seasonal fields are empty (no previous day), their frames typed all the same.
  { queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'], seasonality: 'daily' },
  { queryType: 'anomalies', aggregation: 'p99', window: '5m', groupBy: ['model'], seasonality: 'daily' },
  { queryType: 'forecast', aggregation: 'p99', window: '5m', groupBy: ['model'] },
  { queryType: 'forecast', groupBy: ['model'], ...NOBODY },
];

it('covers every query type', () => {
  expect(new Set(QUERIES.map((q) => (q as { queryType: string }).queryType))).toEqual(new Set(QUERY_TYPES));
});

it.each(QUERIES.map((q) => [JSON.stringify(q), q]))('%s follows the data plane contract', async (_, model) => {
  const frames = await answer(model as object);
  expect(contractProblems(frames)).toEqual([]);
});

/** Alert conditions as a rule would use them: one measure of a summary or comparison, or a trend. */
const ALERT_QUERIES: object[] = [
  { queryType: 'summary', measures: ['p99_latency_ms'] },
  { queryType: 'summary', groupBy: ['model'], measures: ['p99_latency_ms'] },
  { queryType: 'summary', groupBy: ['model', 'region'], measures: ['error_rate'] },
  { queryType: 'summary', groupBy: ['model'], measures: ['requests'], ...NOBODY },
  { queryType: 'compare', measures: ['p95_latency_ms'] },
  ...AGGREGATIONS.map((aggregation) => ({ queryType: 'trend', aggregation, window: '5m', groupBy: ['model'] })),
  { queryType: 'trend', aggregation: 'p99', window: '1m' },
  { queryType: 'trend', groupBy: ['model'], ...NOBODY },
  { queryType: 'forecast', aggregation: 'p99', window: '1m', horizon: '30m', groupBy: ['model'] },
  { queryType: 'forecast', aggregation: 'p99', window: '1m', groupBy: ['model'], ...NOBODY },
];

it.each(ALERT_QUERIES.map((q) => [JSON.stringify(q), q]))(
  'as an alert condition, %s gives Grafana one number per set of labels',
  async (_, model) => {
    const frames: DecodedFrame[] = await answer(
      model as object,
      { FromAlert: 'true' },
      { from: END - 900_000, to: END }
    );
    expect(contractProblems(frames)).toEqual([]);
    const results = evaluate(reduce(sseValues(frames), 'last', 'dropNN'));
    if ((model as { filters?: unknown }).filters) {
      expect(results).toBe('NoData');
    } else {
      expect(results).not.toBe('NoData');
      expect((results as Map<string, string>).size).toBeGreaterThan(0);
    }
  }
);

describe('the contract checks themselves', () => {
  const frame = (fields: DecodedFrame['fields'], type?: string, typeVersion?: [number, number]): DecodedFrame => ({
    name: 'f',
    meta: type ? { type, typeVersion } : undefined,
    fields,
  });
  const field = (name: string, type: 'time' | 'number' | 'string', values: unknown[], nullable = false) => ({
    name,
    type,
    nullable,
    labels: {},
    values,
  });

  it('find what breaks the contract', () => {
    // numeric-long: two rows and no dimension.
    expect(contractProblems([frame([field('p99', 'number', [1, 2])], 'numeric-long', [0, 1])])).toContain(
      'numeric-long with more than one row needs string (dimension) fields'
    );
    // log-lines: a nullable body.
    const logs = frame([field('timestamp', 'time', [1]), field('body', 'string', ['x'], true)], 'log-lines', [0, 0]);
    expect(contractProblems([logs])[0]).toContain('non-nullable "body"');
    // timeseries-multi: times out of order, and a no-data frame beside data.
    const series = frame([field('time', 'time', [2, 1]), field('v', 'number', [1, 2])], 'timeseries-multi', [0, 1]);
    expect(contractProblems([series])[0]).toContain('times must ascend');
    expect(contractProblems([series, frame([], 'timeseries-multi', [0, 1])])).toContain(
      'a no-data frame (no fields) alongside data'
    );
  });

  it('and what alerting refuses: two numbers with the same labels', () => {
    const twoMeasures = frame(
      [field('model', 'string', ['a']), field('requests', 'number', [3]), field('p99', 'number', [9])],
      'numeric-long',
      [0, 1]
    );
    expect(() => evaluate(sseValues([twoMeasures]))).toThrow('frame cannot uniquely be identified by its labels');
  });
});
