import { inputNotices } from './frames';
import { runQuery } from '../format/dataframe-json';
import { jsonValues, ms, req, storeOf } from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');

describe('notices of skipped lines', () => {
  const store = storeOf([
    'this is not json',
    req(T0, { latency_ms: 10 }),
    '{"model": "a", "latency_ms": 1}',
    '[1, 2]',
    '{"timestamp": "2026-01-01T00:00:00Z", "model": "a", "latency_ms": 1',
    req(T0 + 1000, { latency_ms: 20 }),
    '{"timestamp": "2026-01-01T00:00:00Z", "model": "a"}',
  ]);

  it('counts skipped lines by reason', () => {
    expect(store.length).toBe(2);
    expect(store.skipped).toEqual({ invalid_json: 2, missing_timestamp: 1, not_an_object: 1, missing_latency: 1 });
  });

  it('puts "Skipped N log lines: reason n, ..." on the first frame only', () => {
    const frames = runQuery(store, { queryType: 'spike' }, { range: { from: T0, to: T0 + 1000 } });
    const notices = frames[0].schema!.meta!.notices!;
    const warning = notices.find((n) => n.severity === 'warning');
    expect(warning).toBeDefined();
    expect(warning!.text).toMatch(/^Skipped 5 log lines: /);
    const parts = warning!.text.replace(/^Skipped 5 log lines: /, '').split(', ');
    expect(parts.sort()).toEqual(['invalid_json 2', 'missing_latency 1', 'missing_timestamp 1', 'not_an_object 1']);
    expect(parts).toHaveLength(4);
    expect(frames[1].schema!.meta?.notices).toBeUndefined();
    expect(frames[2].schema!.meta?.notices).toBeUndefined();
  });

  it('still answers from the lines kept', () => {
    const [summary] = runQuery(store, { queryType: 'summary' }, { range: {} });
    expect(jsonValues(summary, 'requests')).toEqual([2]);
    expect(summary.schema!.meta!.notices![0].text).toMatch(/^Skipped 5 log lines: invalid_json 2, /);
  });

  it('adds no notice for clean input', () => {
    const clean = storeOf([req(T0)]);
    expect(inputNotices(clean)).toEqual([]);
    const [summary] = runQuery(clean, { queryType: 'summary' }, { range: {} });
    expect(summary.schema!.meta?.notices).toBeUndefined();
  });
});
