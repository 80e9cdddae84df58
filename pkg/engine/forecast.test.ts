import type { AnalysisQuery, TimeRange } from '../model/query';
import { Random } from '../generator/random';
import { Store } from '../store/store';
import { fitHolt, holtAt } from './forecast';
import { Frame } from './frames';
import { analyse } from './run';
import { numbers, req, storeOf } from '../../test/support/test-store';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function forecastOf(store: Store, query: Partial<AnalysisQuery>, range: TimeRange): Frame[] {
  return analyse(store, { queryType: 'forecast', ...query } as AnalysisQuery, { range });
}

/** Seeded noise, uniform in [-1, 1]. */
const rng = new Random(3);
const noise = () => rng.uniform(-1, 1);

describe('fitHolt', () => {
  it('extrapolates an exact line exactly, with no band', () => {
    const fit = fitHolt([5, 7, 9, 11, 13, 15])!;
    expect(holtAt(fit, 1).value).toBeCloseTo(17, 10);
    expect(holtAt(fit, 10).value).toBeCloseTo(35, 10);
    expect(holtAt(fit, 10).upper).toBeCloseTo(35, 10);
  });

  it('steps over empty buckets on its own forecast', () => {
    const fit = fitHolt([5, 7, NaN, 11, NaN, 15])!;
    expect(holtAt(fit, 2).value).toBeCloseTo(19, 10);
  });

  it('needs four values', () => {
    expect(fitHolt([1, NaN, 2, 3])).toBeNull();
    expect(fitHolt([1, 2, 3, 4])).not.toBeNull();
  });
});

describe('forecast', () => {
  // Two requests a minute for three hours, latency rising 2 ms a minute from 100 ms, with ±5 ms of noise.
  const records = [];
  for (let i = 0; i < 180; i++) {
    for (const at of [10_000, 40_000]) {
      records.push(req(T0 + i * M + at, { latency_ms: 100 + 2 * i + 5 * noise() }));
    }
  }
  const store = storeOf(records);
  // Ending at the next minute's start, as a range ending now does: minute 179 is whole.
  const range = { from: T0, to: T0 + 180 * M };

  it('extrapolates a linear trend over the next 30 minutes, the band widening with the horizon', () => {
    const [frame] = forecastOf(store, { aggregation: 'mean', window: '1m' }, range);
    expect(frame.fields.map((f) => f.name)).toEqual(['time', 'mean latency_ms', 'lower', 'upper']);
    const time = numbers(frame, 'time');
    expect(time).toHaveLength(30);
    expect(time[0]).toBe((T0 + 180 * M) * 1000); // the first bucket after the range
    expect(time[29]).toBe((T0 + 209 * M) * 1000);
    const value = numbers(frame, 'mean latency_ms');
    // Within 3% of the line 30 minutes out (the slope is estimated from noisy means).
    value.forEach((v, k) => expect(Math.abs(v - (100 + 2 * (180 + k)))).toBeLessThan(0.03 * (100 + 2 * (180 + k))));
    const width = numbers(frame, 'upper').map((u, k) => u - numbers(frame, 'lower')[k]);
    for (let k = 1; k < width.length; k++) {
      expect(width[k]).toBeGreaterThan(width[k - 1]);
    }
    // The band holds the true line.
    value.forEach((_, k) => {
      expect(numbers(frame, 'lower')[k]).toBeLessThan(100 + 2 * (180 + k));
      expect(numbers(frame, 'upper')[k]).toBeGreaterThan(100 + 2 * (180 + k));
    });
    expect(frame.meta?.type).toBe('timeseries-multi');
    expect(frame.meta?.custom).toMatchObject({ method: 'holt', level: 0.95, horizonMs: 30 * M, history: 180 });
  });

  it('leaves the bucket still being filled out of the history', () => {
    // The range ends 30 s into minute 179: the history is minutes 0..178, the forecast starts at 179.
    const [frame] = forecastOf(
      store,
      { aggregation: 'mean', window: '1m', horizon: '5m' },
      {
        from: T0,
        to: T0 + 179 * M + 30_000,
      }
    );
    expect(numbers(frame, 'time')[0]).toBe((T0 + 179 * M) * 1000);
    expect(numbers(frame, 'time')).toHaveLength(5);
    expect(frame.meta?.custom).toMatchObject({ history: 179 });
  });

  it('forecasts each group, and keeps a count at or above 0', () => {
    const falling = storeOf(
      Array.from({ length: 40 }, (_, m) =>
        Array.from({ length: Math.max(0, 40 - m) }, (_, j) => req(T0 + m * M + j * 1000, { model: 'b' }))
      ).flat()
    );
    const [frame] = forecastOf(
      falling,
      { aggregation: 'count', window: '1m', horizon: '10m', groupBy: ['model'] },
      {
        from: T0,
        to: T0 + 40 * M,
      }
    );
    expect(frame.fields[1].labels).toEqual({ model: 'b' });
    const value = numbers(frame, 'count');
    expect(value[0]).toBeCloseTo(0, 6); // 40 − 40
    expect(Math.min(...value, ...numbers(frame, 'lower'))).toBe(0);
  });

  it('answers nothing without requests, and says when the history is too short', () => {
    expect(forecastOf(store, { window: '1m' }, { from: T0 - 60 * M, to: T0 - 1 })).toEqual([]);
    expect(() => forecastOf(store, { window: '1m' }, { from: T0, to: T0 + 3 * M })).toThrow(
      'forecast needs at least 4 whole 1m buckets of history, the range holds 3; widen the range or use a smaller window'
    );
    expect(() => forecastOf(store, { window: '1m', horizon: 'soon' }, range)).toThrow(/invalid horizon "soon"/);
    expect(() => forecastOf(store, { window: '1s', horizon: '1h' }, range)).toThrow(/at most 1000/);
  });
});
