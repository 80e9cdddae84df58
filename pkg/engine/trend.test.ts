import type { DataFrameJSON } from '@grafana/data';
import { NICE_WINDOWS_MS, type Aggregation, type AnalysisQuery, type TimeRange } from '../model/query';
import { Store } from '../store/store';
import { QueryError } from './errors';
import { runQuery } from '../format/dataframe-json';
import { ms, req, storeOf } from '../../test/support/test-store';

// Midnight UTC: a multiple of every window used below except 11 s.
const T0 = ms('2026-01-01T00:00:00Z');
const S = 1000;

/*
 *   t0+5s    a lat 10 success
 *   t0+20s   b lat 20 success
 *   t0+65s   a lat 30 error
 *   t0+190s  a lat 40 success
 * 1m buckets: [t0, t0+60s) holds 10, 20; [t0+60s, ..) 30; [t0+120s, ..) nothing; [t0+180s, ..) 40.
 */
const store = storeOf([
  req(T0 + 5 * S, { model: 'a', latency_ms: 10 }),
  req(T0 + 20 * S, { model: 'b', latency_ms: 20 }),
  req(T0 + 65 * S, { model: 'a', latency_ms: 30, status: 'error' }),
  req(T0 + 190 * S, { model: 'a', latency_ms: 40 }),
]);

function trendOf(s: Store, query: Partial<AnalysisQuery>, range: TimeRange = {}, intervalMs?: number): DataFrameJSON[] {
  return runQuery(s, { queryType: 'trend', ...query }, { range, intervalMs });
}

const times = (frame: DataFrameJSON): unknown[] => frame.data!.values[0];
const series = (frame: DataFrameJSON): unknown[] => frame.data!.values[1];

/** The one series of an ungrouped trend. */
function single(query: Partial<AnalysisQuery>, range: TimeRange = {}): DataFrameJSON {
  const frames = trendOf(store, query, range);
  expect(frames).toHaveLength(1);
  return frames[0];
}

const close = (actual: unknown[], expected: Array<number | null>): void => {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    if (e === null) {
      expect(actual[i]).toBeNull();
    } else {
      expect(actual[i]).toBeCloseTo(e, 10);
    }
  });
};

describe('trend buckets', () => {
  it('labels epoch-aligned buckets by their start, from the first row to the last, none skipped', () => {
    const frame = single({ window: '1m', aggregation: 'count' });
    expect(times(frame)).toEqual([T0, T0 + 60 * S, T0 + 120 * S, T0 + 180 * S]);
    expect(series(frame)).toEqual([2, 1, 0, 1]);
    expect(frame.schema!.fields.map((f) => f.name)).toEqual(['time', 'count']);
    expect(frame.schema!.fields[0].type).toBe('time');
  });

  it('spans the query range when given', () => {
    // from t0-30s -> bucket t0-60s; to t0+250s -> bucket t0+240s: 6 buckets
    const frame = single({ window: '1m', aggregation: 'count' }, { from: T0 - 30 * S, to: T0 + 250 * S });
    expect(times(frame)).toEqual([T0 - 60 * S, T0, T0 + 60 * S, T0 + 120 * S, T0 + 180 * S, T0 + 240 * S]);
    expect(series(frame)).toEqual([0, 2, 1, 0, 1, 0]);
  });

  it('aligns odd windows to the Unix epoch, not to the data', () => {
    // 1767225600 s = 11 * 160656872 + 8, so the 11 s bucket holding t0 starts at t0-8s and the
    // buckets start at t0+3s, t0+14s, ... t0+3s+17*11s = t0+190s: 18 buckets.
    const frame = single({ window: '11s', aggregation: 'count' });
    const expectedTimes = Array.from({ length: 18 }, (_, i) => T0 + 3 * S + i * 11 * S);
    expect(times(frame)).toEqual(expectedTimes);
    const counts = new Array<number>(18).fill(0);
    counts[0] = 1; // t0+5s in [t0+3, t0+14)
    counts[1] = 1; // t0+20s in [t0+14, t0+25)
    counts[5] = 1; // t0+65s in [t0+58, t0+69)
    counts[17] = 1; // t0+190s starts its bucket
    expect(series(frame)).toEqual(counts);
  });

  it('runs from the query start to the last row when only from is given', () => {
    // from t0-30s -> first bucket t0-60s; last row t0+190s -> last bucket t0+180s
    const frame = single({ window: '1m', aggregation: 'count' }, { from: T0 - 30 * S });
    expect(times(frame)).toEqual([T0 - 60 * S, T0, T0 + 60 * S, T0 + 120 * S, T0 + 180 * S]);
    expect(series(frame)).toEqual([0, 2, 1, 0, 1]);
  });

  it('runs from the first row to the query end when only to is given', () => {
    // first row t0+5s -> bucket t0; to t0+130s -> last bucket t0+120s (t0+190s is outside)
    const frame = single({ window: '1m', aggregation: 'count' }, { to: T0 + 130 * S });
    expect(times(frame)).toEqual([T0, T0 + 60 * S, T0 + 120 * S]);
    expect(series(frame)).toEqual([2, 1, 0]);
  });

  it('gives every bucket of a closed range even without rows: count 0, mean null', () => {
    const range = { from: T0, to: T0 + 120 * S };
    const count = single({ window: '1m', aggregation: 'count', filters: { model: ['nope'] } }, range);
    expect(times(count)).toEqual([T0, T0 + 60 * S, T0 + 120 * S]);
    expect(series(count)).toEqual([0, 0, 0]);
    const mean = single({ window: '1m', aggregation: 'mean', filters: { model: ['nope'] } }, range);
    expect(series(mean)).toEqual([null, null, null]);
  });

  it('uses 30s buckets', () => {
    const frame = single({ window: '30s', aggregation: 'count' });
    expect(times(frame)).toHaveLength(7); // t0 .. t0+180s
    expect(series(frame)).toEqual([2, 0, 1, 0, 0, 0, 1]);
  });

  it('aligns hour and day buckets to UTC hours and midnights', () => {
    const s = storeOf([req('2026-01-01T23:30:00Z'), req('2026-01-02T00:10:00Z'), req('2026-01-02T00:50:00Z')]);
    const day = trendOf(s, { window: '1d', aggregation: 'count' });
    expect(times(day[0])).toEqual([ms('2026-01-01T00:00:00Z'), ms('2026-01-02T00:00:00Z')]);
    expect(series(day[0])).toEqual([1, 2]);
    const hour = trendOf(s, { window: '1h', aggregation: 'count' });
    expect(times(hour[0])).toEqual([ms('2026-01-01T23:00:00Z'), ms('2026-01-02T00:00:00Z')]);
    expect(series(hour[0])).toEqual([1, 2]);
    const fiveMinutes = trendOf(s, { window: '5m', aggregation: 'count' }, {});
    expect(times(fiveMinutes[0])[0]).toBe(ms('2026-01-01T23:30:00Z'));
    expect(times(fiveMinutes[0])).toHaveLength(17); // 23:30 .. 00:50 in 5 min steps
  });
});

describe('trend aggregations (1m buckets: [10,20], [30], [], [40])', () => {
  const cases: Array<[Aggregation, string, Array<number | null>]> = [
    ['count', 'count', [2, 1, 0, 1]],
    ['rate', 'rate', [2 / 60, 1 / 60, 0, 1 / 60]],
    ['sum', 'sum latency_ms', [30, 30, null, 40]],
    ['mean', 'mean latency_ms', [15, 30, null, 40]],
    ['min', 'min latency_ms', [10, 30, null, 40]],
    ['max', 'max latency_ms', [20, 30, null, 40]],
    // [10,20]: deviations ±5 -> sqrt(50/1); one value: undefined
    ['stddev', 'stddev latency_ms', [Math.sqrt(50), null, null, null]],
    ['p50', 'p50 latency_ms', [15, 30, null, 40]],
    ['p90', 'p90 latency_ms', [19, 30, null, 40]], // 10 + 0.9*10
    ['p95', 'p95 latency_ms', [19.5, 30, null, 40]],
    ['p99', 'p99 latency_ms', [19.9, 30, null, 40]],
    ['p999', 'p999 latency_ms', [19.99, 30, null, 40]],
    ['error_rate', 'error_rate', [0, 1, null, 0]],
  ];

  it.each(cases)('%s', (aggregation, name, expected) => {
    const frame = single({ window: '1m', aggregation });
    expect(frame.schema!.fields[1].name).toBe(name);
    close(series(frame), expected);
  });

  it('defaults to the mean of latency_ms', () => {
    const frame = single({ window: '1m' });
    expect(frame.schema!.fields[1].name).toBe('mean latency_ms');
    close(series(frame), [15, 30, null, 40]);
  });

  it('aggregates another metric and counts rows whose metric is missing', () => {
    const s = storeOf([
      req(T0, { gpu_util: 50 }),
      req(T0 + 10 * S, { gpu_util: 70 }),
      req(T0 + 70 * S, {}), // no gpu_util
    ]);
    close(series(trendOf(s, { window: '1m', aggregation: 'sum', metric: 'gpu_util' })[0]), [120, null]);
    close(series(trendOf(s, { window: '1m', aggregation: 'count', metric: 'gpu_util' })[0]), [2, 1]);
    expect(trendOf(s, { window: '1m', aggregation: 'max', metric: 'gpu_util' })[0].schema!.fields[1].name).toBe(
      'max gpu_util'
    );
  });
});

describe('trend groups', () => {
  it('gives one frame per group with labels, each with every bucket', () => {
    const frames = trendOf(store, { window: '1m', aggregation: 'count', groupBy: ['model'] });
    expect(frames).toHaveLength(2);
    expect(frames.map((f) => f.schema!.fields[1].labels)).toEqual([{ model: 'a' }, { model: 'b' }]);
    expect(frames.map((f) => f.schema!.fields[1].name)).toEqual(['count', 'count']);
    expect(times(frames[0])).toEqual([T0, T0 + 60 * S, T0 + 120 * S, T0 + 180 * S]);
    expect(times(frames[1])).toEqual(times(frames[0]));
    expect(series(frames[0])).toEqual([1, 1, 0, 1]);
    expect(series(frames[1])).toEqual([1, 0, 0, 0]);
  });

  it('aggregates each group on its own', () => {
    const frames = trendOf(store, { window: '1m', aggregation: 'mean', groupBy: ['model'] });
    close(series(frames[0]), [10, 30, null, 40]);
    close(series(frames[1]), [20, null, null, null]);
  });
});

describe('trend windows', () => {
  it('auto uses the interval Grafana suggests', () => {
    const [frame] = trendOf(store, { window: 'auto', aggregation: 'count' }, {}, 60_000);
    expect(times(frame)).toEqual([T0, T0 + 60 * S, T0 + 120 * S, T0 + 180 * S]);
    expect(frame.schema!.meta!.custom!.windowMs).toBe(60_000);
  });

  it('auto without an interval picks a nice window giving at most 300 buckets', () => {
    const [frame] = trendOf(store, { aggregation: 'count' });
    const windowMs = frame.schema!.meta!.custom!.windowMs as number;
    expect(NICE_WINDOWS_MS).toContain(windowMs);
    expect(times(frame).length).toBeLessThanOrEqual(300);
    // the counts still add up to the 4 requests
    expect((series(frame) as number[]).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('auto gives at most 300 buckets when the span is exactly 300 s', () => {
    // 1 s windows would give buckets t0 .. t0+300s: 301 of them
    const s = storeOf([req(T0), req(T0 + 300 * S)]);
    const [frame] = trendOf(s, { window: 'auto', aggregation: 'count' });
    expect(times(frame).length).toBeLessThanOrEqual(300);
  });

  it('rejects a window that is not one', () => {
    for (const window of ['abc', '0s', '5 minutes', '-1m', 'm']) {
      expect(() => trendOf(store, { window })).toThrow(QueryError);
    }
  });

  it('rejects an unknown aggregation or metric', () => {
    expect(() => trendOf(store, { aggregation: 'median' as Aggregation })).toThrow(QueryError);
    expect(() => trendOf(store, { metric: 'nosuch' })).toThrow(QueryError);
  });

  it('rejects more than 200000 buckets and allows exactly 200000', () => {
    // [t0, t0 + 200000 s] in 1 s buckets: 200001 buckets
    expect(() => trendOf(store, { window: '1s', aggregation: 'count' }, { from: T0, to: T0 + 200_000 * S })).toThrow(
      QueryError
    );
    const [frame] = trendOf(store, { window: '1s', aggregation: 'count' }, { from: T0, to: T0 + 199_999 * S });
    expect(times(frame)).toHaveLength(200_000);
  });
});
