import type { AnalysisQuery, TimeRange } from '../model/query';
import { Store } from '../store/store';
import { QueryError } from './errors';
import { Frame } from './frames';
import { analyse } from './run';
import { runQuery } from '../format/dataframe-json';
import { jsonFieldNames, jsonValues, ms, numbers, req, storeOf, values } from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');

/*
 * Four requests, 10 s apart:
 *   t=0s  a lat 10 success batch 1 gpu 50 mem 10
 *   t=10s a lat 20 error   batch 2 gpu 60 mem 12
 *   t=20s b lat 30 200     batch 3 gpu 70 mem 14
 *   t=30s b lat 40 503     batch 4 gpu 80 mem 16
 */
const store = storeOf([
  req(T0, { model: 'a', latency_ms: 10, status: 'success', batch_size: 1, gpu_util: 50, memory_used_gb: 10 }),
  req(T0 + 10_000, { model: 'a', latency_ms: 20, status: 'error', batch_size: 2, gpu_util: 60, memory_used_gb: 12 }),
  req(T0 + 20_000, { model: 'b', latency_ms: 30, status: 200, batch_size: 3, gpu_util: 70, memory_used_gb: 14 }),
  req(T0 + 30_000, { model: 'b', latency_ms: 40, status: '503', batch_size: 4, gpu_util: 80, memory_used_gb: 16 }),
]);

function summaryOf(s: Store, query: Partial<AnalysisQuery> = {}, range: TimeRange = {}): Frame {
  const frames = analyse(s, { queryType: 'summary', ...query }, { range });
  expect(frames).toHaveLength(1);
  return frames[0];
}

const SUMMARY_FIELDS = [
  'requests',
  'avg_latency_ms',
  'p50_latency_ms',
  'p90_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'max_latency_ms',
  'error_rate',
  'throughput_rps',
  'avg_batch_size',
  'avg_gpu_util',
  'avg_memory_used_gb',
];

describe('summary', () => {
  it('has the fields in the documented order', () => {
    expect(summaryOf(store).fields.map((f) => f.name)).toEqual(SUMMARY_FIELDS);
    expect(summaryOf(store, { groupBy: ['model'] }).fields.map((f) => f.name)).toEqual(['model', ...SUMMARY_FIELDS]);
    expect(summaryOf(store, { groupBy: ['model'] }).fields[0].type).toBe('string');
  });

  it('summarises all requests (hand-computed)', () => {
    const frame = summaryOf(store);
    expect(numbers(frame, 'requests')).toEqual([4]);
    expect(numbers(frame, 'avg_latency_ms')[0]).toBeCloseTo(25, 12); // (10+20+30+40)/4
    expect(numbers(frame, 'p50_latency_ms')[0]).toBeCloseTo(25, 12); // h=1.5 -> 20 + 0.5*10
    expect(numbers(frame, 'p90_latency_ms')[0]).toBeCloseTo(37, 10); // h=2.7 -> 30 + 0.7*10
    expect(numbers(frame, 'p95_latency_ms')[0]).toBeCloseTo(38.5, 10); // h=2.85
    expect(numbers(frame, 'p99_latency_ms')[0]).toBeCloseTo(39.7, 10); // h=2.97
    expect(numbers(frame, 'max_latency_ms')).toEqual([40]);
    // errors: "error" and "503"; 200 and success are not
    expect(numbers(frame, 'error_rate')).toEqual([0.5]);
    // no range: data span 0..30 s -> 4/30
    expect(numbers(frame, 'throughput_rps')[0]).toBeCloseTo(4 / 30, 12);
    expect(numbers(frame, 'avg_batch_size')).toEqual([2.5]);
    expect(numbers(frame, 'avg_gpu_util')).toEqual([65]);
    expect(numbers(frame, 'avg_memory_used_gb')).toEqual([13]);
  });

  it('measures throughput over the query range when both ends are given', () => {
    // [T0, T0+40s]: 4 requests over 40 s
    const frame = summaryOf(store, {}, { from: T0, to: T0 + 40_000 });
    expect(numbers(frame, 'throughput_rps')[0]).toBeCloseTo(0.1, 12);
  });

  it("measures throughput over the data's first-to-last span when only one end is given", () => {
    // from T0-10s, open end: the data spans T0..T0+30s -> 4/30 (the range is not closed)
    const frame = summaryOf(store, {}, { from: T0 - 10_000 });
    expect(numbers(frame, 'requests')).toEqual([4]);
    expect(numbers(frame, 'throughput_rps')[0]).toBeCloseTo(4 / 30, 12);
  });

  it('takes the time range inclusively', () => {
    // [T0+10s, T0+20s] holds lat 20 (error) and lat 30 (200)
    const frame = summaryOf(store, {}, { from: T0 + 10_000, to: T0 + 20_000 });
    expect(numbers(frame, 'requests')).toEqual([2]);
    expect(numbers(frame, 'avg_latency_ms')).toEqual([25]);
    expect(numbers(frame, 'error_rate')).toEqual([0.5]);
    expect(numbers(frame, 'throughput_rps')[0]).toBeCloseTo(0.2, 12); // 2 requests / 10 s
  });

  it('summarises per group, groups sorted by key', () => {
    const frame = summaryOf(store, { groupBy: ['model'] }, { from: T0, to: T0 + 40_000 });
    expect(values(frame, 'model')).toEqual(['a', 'b']);
    expect(numbers(frame, 'requests')).toEqual([2, 2]);
    expect(numbers(frame, 'avg_latency_ms')).toEqual([15, 35]);
    // a: [10,20]: p90 h=0.9 -> 19, p99 -> 19.9; b: [30,40]: p90 39, p99 39.9
    expect(numbers(frame, 'p90_latency_ms')[0]).toBeCloseTo(19, 10);
    expect(numbers(frame, 'p90_latency_ms')[1]).toBeCloseTo(39, 10);
    expect(numbers(frame, 'p99_latency_ms')[0]).toBeCloseTo(19.9, 10);
    expect(numbers(frame, 'p99_latency_ms')[1]).toBeCloseTo(39.9, 10);
    expect(numbers(frame, 'max_latency_ms')).toEqual([20, 40]);
    expect(numbers(frame, 'error_rate')).toEqual([0.5, 0.5]);
    // 2 requests each over the 40 s range
    expect(numbers(frame, 'throughput_rps')[0]).toBeCloseTo(0.05, 12);
    expect(numbers(frame, 'throughput_rps')[1]).toBeCloseTo(0.05, 12);
    expect(numbers(frame, 'avg_batch_size')).toEqual([1.5, 3.5]);
    expect(numbers(frame, 'avg_gpu_util')).toEqual([55, 75]);
    expect(numbers(frame, 'avg_memory_used_gb')).toEqual([11, 15]);
  });

  it('sorts groups by key regardless of log order and drops rows with a missing group value', () => {
    const s = storeOf([
      req(T0, { region: 'us', latency_ms: 1 }),
      req(T0 + 1000, { latency_ms: 2 }),
      req(T0 + 2000, { region: 'eu', latency_ms: 3 }),
      req(T0 + 3000, { region: 'us', latency_ms: 5 }),
    ]);
    const frame = summaryOf(s, { groupBy: ['region'] });
    expect(values(frame, 'region')).toEqual(['eu', 'us']);
    expect(numbers(frame, 'requests')).toEqual([1, 2]);
    expect(numbers(frame, 'avg_latency_ms')).toEqual([3, 3]);
  });

  it('skips missing latencies in latency statistics but counts the requests', () => {
    const s = storeOf([
      req(T0, { latency_ms: 10 }),
      req(T0 + 1000, { latency_ms: null }),
      req(T0 + 2000, { latency_ms: 30 }),
    ]);
    const frame = summaryOf(s);
    expect(numbers(frame, 'requests')).toEqual([3]);
    expect(numbers(frame, 'avg_latency_ms')).toEqual([20]);
    expect(numbers(frame, 'p50_latency_ms')).toEqual([20]);
    expect(numbers(frame, 'p90_latency_ms')[0]).toBeCloseTo(28, 10); // [10,30] h=0.9 -> 28
    expect(numbers(frame, 'max_latency_ms')).toEqual([30]);
  });

  it('counts as errors every status but success, ok and 2xx', () => {
    const statuses: unknown[] = [
      'success',
      'OK',
      ' Success ',
      200,
      '204',
      299,
      'error',
      'failed',
      300,
      '404',
      500,
      'timeout',
    ];
    const s = storeOf(statuses.map((status, i) => req(T0 + i * 1000, { status })));
    // errors: error, failed, 300, 404, 500, timeout -> 6 of 12
    expect(numbers(summaryOf(s), 'error_rate')).toEqual([0.5]);
    const onlyOk = storeOf(['ok', 'success', 201].map((status, i) => req(T0 + i, { status })));
    expect(numbers(summaryOf(onlyOk), 'error_rate')).toEqual([0]);
  });

  it('filters on the model, on string fields and on numeric fields', () => {
    expect(numbers(summaryOf(store, { filters: { model: ['a'] } }), 'requests')).toEqual([2]);
    expect(numbers(summaryOf(store, { filters: { model: ['a'] } }), 'avg_latency_ms')).toEqual([15]);
    expect(numbers(summaryOf(store, { filters: { status: ['error'] } }), 'max_latency_ms')).toEqual([20]);
    // batch_size 3 or 4: the two b requests
    const byBatch = summaryOf(store, { filters: { batch_size: [3, 4] } });
    expect(numbers(byBatch, 'requests')).toEqual([2]);
    expect(numbers(byBatch, 'avg_latency_ms')).toEqual([35]);
    expect(numbers(summaryOf(store, { filters: { gpu_util: ['60'] } }), 'avg_latency_ms')).toEqual([20]);
    expect(numbers(summaryOf(store, { filters: { model: ['a'], batch_size: [2] } }), 'requests')).toEqual([1]);
  });

  it('rejects an unknown filter field', () => {
    expect(() => summaryOf(store, { filters: { nosuch: ['x'] } })).toThrow(QueryError);
    expect(() => runQuery(store, { queryType: 'summary', filters: { nosuch: [1] } }, { range: {} })).toThrow(
      QueryError
    );
  });

  it('encodes missing statistics of an empty selection as null', () => {
    const [frame] = runQuery(store, { queryType: 'summary', filters: { model: ['nope'] } }, { range: {} });
    expect(jsonFieldNames(frame)).toEqual(SUMMARY_FIELDS);
    expect(jsonValues(frame, 'requests')).toEqual([0]);
    expect(jsonValues(frame, 'avg_latency_ms')).toEqual([null]);
    expect(jsonValues(frame, 'p99_latency_ms')).toEqual([null]);
    expect(jsonValues(frame, 'throughput_rps')).toEqual([null]);
  });

  it('gives null throughput over a zero-length span', () => {
    const one = storeOf([req(T0, { latency_ms: 5 })]);
    const [frame] = runQuery(one, { queryType: 'summary' }, { range: {} });
    expect(jsonValues(frame, 'requests')).toEqual([1]);
    expect(jsonValues(frame, 'throughput_rps')).toEqual([null]);
    const [ranged] = runQuery(one, { queryType: 'summary' }, { range: { from: T0, to: T0 } });
    expect(jsonValues(ranged, 'throughput_rps')).toEqual([null]);
  });

  it('rejects a range that ends before it starts', () => {
    expect(() => summaryOf(store, {}, { from: T0 + 1, to: T0 })).toThrow(QueryError);
  });
});

describe('summary of large groups (ranked by histogram, group bounds taken from the sums)', () => {
  // Three models with 70,000+ requests each (more than the radix ranking's threshold), scaled-integer latencies
  // with negatives and missing values, spread over many time blocks.
  let seed = 11;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const records = [];
  const latencies: Record<string, number[]> = { a: [], b: [], c: [] };
  const times: Record<string, number[]> = { a: [], b: [], c: [] };
  for (let i = 0; i < 250_000; i++) {
    const model = ['a', 'b', 'c'][i % 3];
    const missing = rand() < 0.01;
    const latency = Math.round((rand() < 0.002 ? -rand() * 50 : Math.exp(rand() * 9)) * 1000) / 1000;
    const t = T0 + i * 100;
    records.push(req(t, { model, latency_ms: missing ? null : latency }));
    if (!missing) {
      latencies[model].push(latency);
      times[model].push(t);
    }
  }
  const big = storeOf(records);
  const quantile = (sorted: number[], q: number): number => {
    const h = (sorted.length - 1) * q;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  };

  it.each([
    ['the whole table', {}],
    ['a range cutting blocks at both ends', { from: T0 + 1_234_567, to: T0 + 24_654_321 }],
  ])('gives the percentiles of a full sort: %s', (_, range: TimeRange) => {
    const frame = summaryOf(big, { groupBy: ['model'] }, range);
    expect(values(frame, 'model')).toEqual(['a', 'b', 'c']);
    ['a', 'b', 'c'].forEach((model, g) => {
      const inRange = latencies[model].filter(
        (_, k) =>
          (range.from === undefined || times[model][k] >= range.from) &&
          (range.to === undefined || times[model][k] <= range.to)
      );
      const sorted = inRange.sort((x, y) => x - y);
      expect(inRange.length).toBeGreaterThan(1 << 16);
      for (const [field, q] of [
        ['p50_latency_ms', 0.5],
        ['p90_latency_ms', 0.9],
        ['p95_latency_ms', 0.95],
        ['p99_latency_ms', 0.99],
      ] as const) {
        expect({ model, field, value: numbers(frame, field)[g] }).toEqual({ model, field, value: quantile(sorted, q) });
      }
      expect(numbers(frame, 'max_latency_ms')[g]).toBe(sorted[sorted.length - 1]);
    });
  });
});
