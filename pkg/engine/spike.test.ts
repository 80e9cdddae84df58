import type { AnalysisQuery, TimeRange } from '../model/query';
import { QueryError } from './errors';
import { Frame } from './frames';
import { analyse } from './run';
import { runQuery } from '../format/dataframe-json';
import { jsonValues, ms, numbers, req, storeOf, values } from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');
const S = 1000;

/*
 * Window [t0+60s, t0+120s] (60 s), baseline [t0, t0+60s).
 *   t0-1s    a 999            before the baseline: ignored
 *   t0       a 10             baseline
 *   t0+30s   a 20             baseline
 *   t0+60s   b 100 error      window (its first instant)
 *   t0+90s   a 50             window
 *   t0+120s  b 200            window (its last instant, inclusive)
 *   t0+121s  b 5000           after the window: ignored
 */
const store = storeOf([
  req(T0 - 1 * S, { model: 'a', latency_ms: 999, request_id: 'early' }),
  req(T0, { model: 'a', latency_ms: 10, request_id: 'r1', batch_size: 1 }),
  req(T0 + 30 * S, { model: 'a', latency_ms: 20, request_id: 'r2', batch_size: 3 }),
  req(T0 + 60 * S, { model: 'b', latency_ms: 100, request_id: 'r3', status: 'error', batch_size: 4 }),
  req(T0 + 90 * S, { model: 'a', latency_ms: 50, request_id: 'r4', batch_size: 4 }),
  req(T0 + 120 * S, { model: 'b', latency_ms: 200, request_id: 'r5', batch_size: 7 }),
  req(T0 + 121 * S, { model: 'b', latency_ms: 5000, request_id: 'late' }),
]);

const WINDOW: TimeRange = { from: T0 + 60 * S, to: T0 + 120 * S };

function spikeOf(query: Partial<AnalysisQuery> = {}, range: TimeRange = WINDOW): Frame[] {
  return analyse(store, { queryType: 'spike', ...query }, { range });
}

/** The row of a measure in the spike frame: [before, window, change, change_pct]. */
function measure(frame: Frame, name: string): number[] {
  const i = values(frame, 'measure').indexOf(name);
  expect(i).toBeGreaterThanOrEqual(0);
  return ['before', 'window', 'change', 'change_pct'].map((f) => numbers(frame, f)[i]);
}

describe('spike', () => {
  it('returns the spike, model mix and slowest requests frames', () => {
    const frames = spikeOf();
    expect(frames.map((f) => f.name)).toEqual(['spike', 'model mix', 'slowest requests']);
    expect(frames[0].fields.map((f) => f.name)).toEqual(['measure', 'before', 'window', 'change', 'change_pct']);
  });

  it('compares the window with the same-length window before it (hand-computed)', () => {
    const [frame] = spikeOf();
    // before: [10, 20]; window: [100, 50, 200]
    expect(measure(frame, 'requests')).toEqual([2, 3, 1, 50]);
    const [rpsBefore, rpsWindow] = measure(frame, 'throughput_rps');
    expect(rpsBefore).toBeCloseTo(2 / 60, 12);
    expect(rpsWindow).toBeCloseTo(3 / 60, 12);
    const avg = measure(frame, 'avg_latency_ms');
    expect(avg[0]).toBe(15);
    expect(avg[1]).toBeCloseTo(350 / 3, 10);
    expect(avg[2]).toBeCloseTo(350 / 3 - 15, 10);
    expect(avg[3]).toBeCloseTo((100 * (350 / 3 - 15)) / 15, 10);
    // p50: 15 -> 100 (sorted [50,100,200]); change 85, +566.67 %
    const p50 = measure(frame, 'p50_latency_ms');
    expect(p50.slice(0, 3)).toEqual([15, 100, 85]);
    expect(p50[3]).toBeCloseTo(8500 / 15, 10);
    // p90: [10,20] -> 19; [50,100,200] h=1.8 -> 180
    const p90 = measure(frame, 'p90_latency_ms');
    expect(p90[0]).toBeCloseTo(19, 10);
    expect(p90[1]).toBeCloseTo(180, 10);
    // p99: 19.9 -> 198
    const p99 = measure(frame, 'p99_latency_ms');
    expect(p99[0]).toBeCloseTo(19.9, 10);
    expect(p99[1]).toBeCloseTo(198, 10);
    expect(measure(frame, 'max_latency_ms').slice(0, 3)).toEqual([20, 200, 180]);
    const errors = measure(frame, 'error_rate');
    expect(errors[0]).toBe(0);
    expect(errors[1]).toBeCloseTo(1 / 3, 12);
    // batch: (1+3)/2 = 2 -> (4+4+7)/3 = 5: +3, +150 %
    expect(measure(frame, 'avg_batch_size')).toEqual([2, 5, 3, 150]);
  });

  it('shows the model mix of both windows', () => {
    const [, mix] = spikeOf();
    expect(values(mix, 'model')).toEqual(['a', 'b']);
    expect(numbers(mix, 'requests_before')).toEqual([2, 0]);
    expect(numbers(mix, 'requests_window')).toEqual([1, 2]);
    expect(numbers(mix, 'share_before')).toEqual([1, 0]);
    const shareWindow = numbers(mix, 'share_window');
    expect(shareWindow[0]).toBeCloseTo(1 / 3, 12);
    expect(shareWindow[1]).toBeCloseTo(2 / 3, 12);
    expect(numbers(mix, 'error_rate_window')).toEqual([0, 0.5]);
    // b in the window: [100, 200] -> p99 199
    expect(numbers(mix, 'p99_latency_ms_window')[1]).toBeCloseTo(199, 10);
  });

  it('lists the slowest requests of the window, slowest first', () => {
    const [, , slowest] = spikeOf();
    expect(values(slowest, 'request_id')).toEqual(['r5', 'r3', 'r4']);
    expect(numbers(slowest, 'latency_ms')).toEqual([200, 100, 50]);
    expect(values(slowest, 'model')).toEqual(['b', 'b', 'a']);
    expect(values(slowest, 'status')).toEqual(['success', 'error', 'success']);
  });

  it('limits the slowest requests', () => {
    const [, , slowest] = spikeOf({ limit: 2 });
    expect(values(slowest, 'request_id')).toEqual(['r5', 'r3']);
  });

  it('lists at most 10 slowest requests by default', () => {
    const many = storeOf(Array.from({ length: 15 }, (_, i) => req(T0 + i * S, { latency_ms: i, request_id: `q${i}` })));
    const [, , slowest] = analyse(many, { queryType: 'spike' }, { range: { from: T0, to: T0 + 20 * S } });
    expect(numbers(slowest, 'latency_ms')).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
  });

  it('applies filters to both windows', () => {
    const [frame, mix] = spikeOf({ filters: { model: ['a'] } });
    expect(measure(frame, 'requests')).toEqual([2, 1, -1, -50]);
    expect(values(mix, 'model')).toEqual(['a']);
  });

  it('encodes as three JSON frames', () => {
    const frames = runQuery(store, { queryType: 'spike', refId: 'S' }, { range: WINDOW });
    expect(frames.map((f) => f.schema!.name)).toEqual(['spike', 'model mix', 'slowest requests']);
    expect(jsonValues(frames[2], 'timestamp')).toEqual([T0 + 120 * S, T0 + 60 * S, T0 + 90 * S]);
  });

  it('needs from before to', () => {
    expect(() => spikeOf({}, {})).toThrow(QueryError);
    expect(() => spikeOf({}, { from: T0 })).toThrow(QueryError);
    expect(() => spikeOf({}, { to: T0 })).toThrow(QueryError);
    expect(() => spikeOf({}, { from: T0, to: T0 })).toThrow(QueryError);
  });
});
