import type { TimeRange } from '../model/query';
import { Store } from '../store/store';
import { Frame } from './frames';
import { analyse, runQuery } from './run';
import { jsonFieldNames, jsonValues, ms, numbers, req, storeOf, values } from './test-store';

const T0 = ms('2026-01-01T00:00:00Z');

/*
 * model b (listed first in the log): latencies 100, 200, no errors
 * model a: latencies 10, 20, 30, 40; one error
 */
const store = storeOf([
  req(T0, { model: 'b', latency_ms: 100 }),
  req(T0 + 10_000, { model: 'a', latency_ms: 10 }),
  req(T0 + 20_000, { model: 'a', latency_ms: 20, status: 'error' }),
  req(T0 + 30_000, { model: 'a', latency_ms: 30 }),
  req(T0 + 40_000, { model: 'b', latency_ms: 200 }),
  req(T0 + 50_000, { model: 'a', latency_ms: 40, status: 'ok' }),
]);

function compareOf(s: Store, range: TimeRange = {}): Frame {
  const frames = analyse(s, { queryType: 'compare' }, { range });
  expect(frames).toHaveLength(1);
  return frames[0];
}

describe('compare', () => {
  it('has the documented fields in order', () => {
    expect(compareOf(store).fields.map((f) => f.name)).toEqual([
      'model',
      'requests',
      'avg_latency_ms',
      'p50_latency_ms',
      'p95_latency_ms',
      'p99_latency_ms',
      'error_rate',
      'throughput_rps',
      'request_share',
      'p99_vs_fastest',
    ]);
  });

  it('compares models side by side (hand-computed)', () => {
    const frame = compareOf(store, { from: T0, to: T0 + 60_000 });
    expect(values(frame, 'model')).toEqual(['a', 'b']);
    expect(numbers(frame, 'requests')).toEqual([4, 2]);
    expect(numbers(frame, 'avg_latency_ms')).toEqual([25, 150]);
    // a [10,20,30,40]: p50 25, p95 h=2.85 -> 38.5, p99 h=2.97 -> 39.7
    // b [100,200]: p50 150, p95 h=0.95 -> 195, p99 h=0.99 -> 199
    const p50 = numbers(frame, 'p50_latency_ms');
    const p95 = numbers(frame, 'p95_latency_ms');
    const p99 = numbers(frame, 'p99_latency_ms');
    expect(p50).toEqual([25, 150]);
    expect(p95[0]).toBeCloseTo(38.5, 10);
    expect(p95[1]).toBeCloseTo(195, 10);
    expect(p99[0]).toBeCloseTo(39.7, 10);
    expect(p99[1]).toBeCloseTo(199, 10);
    expect(numbers(frame, 'error_rate')).toEqual([0.25, 0]);
    // over the 60 s range: 4/60 and 2/60
    const rps = numbers(frame, 'throughput_rps');
    expect(rps[0]).toBeCloseTo(4 / 60, 12);
    expect(rps[1]).toBeCloseTo(2 / 60, 12);
    const share = numbers(frame, 'request_share');
    expect(share[0]).toBeCloseTo(4 / 6, 12);
    expect(share[1]).toBeCloseTo(2 / 6, 12);
    // fastest p99 is a's 39.7: a 1, b 199/39.7 = 5.01259...
    const ratio = numbers(frame, 'p99_vs_fastest');
    expect(ratio[0]).toBeCloseTo(1, 12);
    expect(ratio[1]).toBeCloseTo(199 / 39.7, 10);
  });

  it('uses the time range inclusively', () => {
    // [T0+10s, T0+40s]: a 10, 20 (error), 30; b 200
    const frame = compareOf(store, { from: T0 + 10_000, to: T0 + 40_000 });
    expect(values(frame, 'model')).toEqual(['a', 'b']);
    expect(numbers(frame, 'requests')).toEqual([3, 1]);
    expect(numbers(frame, 'error_rate')[0]).toBeCloseTo(1 / 3, 12);
    expect(numbers(frame, 'request_share')).toEqual([0.75, 0.25]);
    expect(numbers(frame, 'throughput_rps')[0]).toBeCloseTo(0.1, 12); // 3 / 30 s
    // p99: a [10,20,30] h=1.98 -> 29.8; b [200] -> 200
    expect(numbers(frame, 'p99_vs_fastest')[1]).toBeCloseTo(200 / 29.8, 10);
  });

  it('respects filters and encodes as JSON', () => {
    const [json] = runQuery(store, { queryType: 'compare', filters: { model: ['b'] } }, { range: {} });
    expect(jsonFieldNames(json)[0]).toBe('model');
    expect(jsonValues(json, 'model')).toEqual(['b']);
    expect(jsonValues(json, 'requests')).toEqual([2]);
    expect(jsonValues(json, 'request_share')).toEqual([1]);
    expect(jsonValues(json, 'p99_vs_fastest')).toEqual([1]);
  });

  it('gives no rows for no requests', () => {
    const frame = compareOf(store, { from: T0 + 1, to: T0 + 2 });
    expect(values(frame, 'model')).toEqual([]);
  });
});
