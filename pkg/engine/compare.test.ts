import { AnalysisQuery, COMPARE_MEASURES, TimeRange } from '../model/query';
import { parseQuery } from '../model/validate';
import { Store } from '../store/store';
import { Frame } from './frames';
import { SIGNIFICANCE_FIELDS } from './compare-significance';
import { QueryError } from './errors';
import { analyse } from './run';
import { runQuery } from '../format/dataframe-json';
import { mannWhitneyU, sampleOf, twoProportionZTest } from './significance';
import { jsonFieldNames, jsonValues, ms, numbers, req, storeOf, values } from '../../test/support/test-store';

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

function compareOf(s: Store, range: TimeRange = {}, more: Partial<AnalysisQuery> = {}): Frame {
  const frames = analyse(s, { queryType: 'compare', ...more }, { range });
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
      ...SIGNIFICANCE_FIELDS,
    ]);
    expect(
      compareOf(store)
        .fields.slice(1)
        .map((f) => f.name)
    ).toEqual([...COMPARE_MEASURES]);
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

describe('compare against a baseline', () => {
  it('defaults to the first model (by name) and leaves its own row empty', () => {
    const frame = compareOf(store);
    expect(frame.meta?.custom).toEqual({ baseline: 'a', bootstrap: { resamples: 1000, seed: 20260101, level: 0.95 } });
    expect(values(frame, 'verdict')[0]).toBe('baseline');
    for (const name of SIGNIFICANCE_FIELDS.slice(0, -1)) {
      expect(numbers(frame, name)[0]).toBeNaN();
    }
    // b against a: p50 150 - 25, p99 199 - 39.7
    expect(numbers(frame, 'p50_diff_ms')[1]).toBe(125);
    expect(numbers(frame, 'p99_diff_ms')[1]).toBeCloseTo(159.3, 10);
    // U of b [100, 200] against a [10, 20, 30, 40]: every pair b > a, 2·4 = 8.
    expect(numbers(frame, 'latency_u')[1]).toBe(8);
    const a = sampleOf(Float64Array.of(10, 20, 30, 40));
    const b = sampleOf(Float64Array.of(100, 200));
    expect(numbers(frame, 'latency_p_value')[1]).toBe(mannWhitneyU(b, a).p);
    // errors: b 0 of 2, a 1 of 4
    const zt = twoProportionZTest(0, 2, 1, 4);
    expect(numbers(frame, 'error_rate_z')[1]).toBe(zt.z);
    expect(numbers(frame, 'error_rate_p_value')[1]).toBe(zt.p);
    // Resamples of b hold only 100 and 200, of a only 10..40: every p50 difference is positive.
    expect(numbers(frame, 'p50_diff_ci_low_ms')[1]).toBeGreaterThan(0);
    expect(numbers(frame, 'p50_diff_ci_high_ms')[1]).toBeLessThanOrEqual(190);
  });

  it('uses the baseline asked for', () => {
    const frame = compareOf(store, {}, { baseline: 'b' });
    expect(values(frame, 'verdict')).toEqual([expect.stringMatching(/^p50 is 125 ms lower/), 'baseline']);
    expect(numbers(frame, 'p50_diff_ms')[0]).toBe(-125);
    expect(numbers(frame, 'latency_u')[0]).toBe(0);
    expect(frame.meta?.custom?.baseline).toBe('b');
  });

  it('refuses a baseline that is not among the compared models', () => {
    expect(() => compareOf(store, {}, { baseline: 'c' })).toThrow(QueryError);
    expect(() => compareOf(store, {}, { baseline: 'c' })).toThrow(
      'unknown baseline model "c" for compare: it has no requests in the range and filters; models compared: a, b'
    );
    // b is a model of the logs, but not of this range
    expect(() => compareOf(store, { from: T0 + 10_000, to: T0 + 30_000 }, { baseline: 'b' })).toThrow(
      /models compared: a$/
    );
    // With no requests at all there is nothing to refuse: no data.
    expect(values(compareOf(store, { from: T0 + 1, to: T0 + 2 }, { baseline: 'c' }), 'model')).toEqual([]);
  });

  it('checks the baseline option as part of the query model', () => {
    expect(parseQuery({ queryType: 'compare', baseline: 'b' }).baseline).toBe('b');
    expect(parseQuery({ queryType: 'compare', baseline: '' }).baseline).toBeUndefined();
    expect(() => parseQuery({ queryType: 'compare', baseline: 3 })).toThrow('invalid query: baseline must be string');
  });

  it('skips the tests when the measures do not show them, and gives them when asked', () => {
    const plain = compareOf(store, {}, { measures: ['p99_latency_ms'] });
    expect(plain.fields.map((f) => f.name)).toEqual(['model', 'p99_latency_ms']);
    expect(plain.meta?.custom).toBeUndefined();
    const tests = compareOf(store, {}, { measures: ['verdict', 'latency_u'] });
    expect(tests.fields.map((f) => f.name)).toEqual(['model', 'verdict', 'latency_u']);
    expect(values(tests, 'verdict')[0]).toBe('baseline');
  });

  it('gives the same interval every time (seeded)', () => {
    const first = compareOf(store);
    const again = compareOf(store);
    for (const name of ['p50_diff_ci_low_ms', 'p50_diff_ci_high_ms', 'p99_diff_ci_low_ms', 'p99_diff_ci_high_ms']) {
      expect(numbers(again, name)).toEqual(numbers(first, name));
    }
  });
});
