import { analyse } from '../engine/run';
import { numbers, req, storeOf, values } from '../../test/support/test-store';
import type { AnalysisQuery } from '../model/query';
import { alertFrames, alertInstanceLabels, alertQuery } from './alert';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 0, 1);

describe('seasonal anomalies in an alert rule', () => {
  // Models a and b, one request an hour for 8 days; a is 10x slower than usual in the last hour.
  const records = [];
  for (let h = 0; h < 8 * 24; h++) {
    records.push(req(T0 + h * H + 60_000, { model: 'a', latency_ms: h === 8 * 24 - 1 ? 1000 : 100 + (h % 7) }));
    records.push(req(T0 + h * H + 90_000, { model: 'b', latency_ms: 50 + (h % 5) }));
  }
  const store = storeOf(records);
  const asked: AnalysisQuery = {
    queryType: 'anomalies',
    seasonality: 'daily',
    aggregation: 'mean',
    window: '1h',
    groupBy: ['model'],
  };

  it('reads whole buckets of the seasonal trend, then one score per series, typed numeric-long', () => {
    // Evaluated 10 minutes into the next hour: the hour still being filled is left out.
    const now = T0 + 8 * D + 10 * 60_000;
    const narrowed = alertQuery(asked, { from: now - 3 * H, to: now })!;
    expect(narrowed.query).toMatchObject({ queryType: 'trend', seasonality: 'daily', window: '1h' });
    expect(narrowed.range.to).toBeLessThan(T0 + 8 * D);
    const frames = alertFrames(asked, analyse(store, narrowed.query, { range: narrowed.range }));
    expect(frames).toHaveLength(1);
    expect(frames[0].meta?.type).toBe('numeric-long');
    expect(values(frames[0], 'model')).toEqual(['a', 'b']);
    const [a, b] = numbers(frames[0], 'score');
    expect(a).toBeGreaterThan(3.5);
    expect(Math.abs(b)).toBeLessThan(3.5);
    expect(alertInstanceLabels(frames)).toEqual(['{model=a}', '{model=b}']);
  });

  it('leaves other queries as they are', () => {
    const trend = { queryType: 'trend', window: '1h' } as AnalysisQuery;
    const frames = analyse(store, trend, { range: { from: T0, to: T0 + 2 * H } });
    expect(alertFrames(trend, frames)).toBe(frames);
  });
});
