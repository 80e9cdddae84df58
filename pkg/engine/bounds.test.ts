import type { AnalysisQuery } from '../model/query';
import { Store } from '../store/store';
import type { AnswerLimits } from './answer';
import { QueryError } from './errors';
import { analyse } from './run';
import { countGroups, select } from './select';
import { ms, req, storeOf } from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');
const HOUR = 3600_000;
const MONTH = 30 * 24 * HOUR;

/** The store: 100,000 requests over a month, each with its own request id, over 4 models. */
function uniqueIds(n: number): Store {
  const records = [];
  for (let i = 0; i < n; i++) {
    records.push(
      req(T0 + Math.floor((i * MONTH) / n), { request_id: `r${i}`, model: `m${i % 4}`, latency_ms: i % 97 })
    );
  }
  return storeOf(records);
}

const big = uniqueIds(100_000);
const LIMITS: AnswerLimits = { maxRows: 10_000, maxSeries: 1000, maxCells: 1_000_000 };

const run = (store: Store, query: Partial<AnalysisQuery>, limits: AnswerLimits = LIMITS) =>
  analyse(store, { queryType: 'trend', ...query } as AnalysisQuery, { range: {}, limits });

/** The QueryError a call throws (fails the test when it throws none, or another error). */
function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('countGroups', () => {
  it('stops counting at its bound', () => {
    const selection = select(big, {});
    expect(countGroups(selection, ['request_id'], 1001)).toBe(1001);
    expect(countGroups(selection, ['request_id'])).toBe(100_000);
    expect(countGroups(selection, ['model'], 2)).toBe(2);
    expect(countGroups(selection, ['model'], 5)).toBe(4);
    expect(countGroups(selection, ['model', 'request_id'], 10)).toBe(10);
    expect(countGroups(selection, [])).toBe(1);
    expect(() => countGroups(selection, ['nope'])).toThrow('unknown group-by field "nope"');
  });
});

describe('trend bounds, checked before any series is built', () => {
  it('refuses the 100k unique ids trend naming the bound, the numbers and how to narrow', () => {
    const message = refusal(() => run(big, { groupBy: ['request_id'], window: '1h' }));
    // "at least": the ids were counted no further than the bound, so no series was built.
    expect(message).toBe(
      'trend grouped by request_id has at least 1001 series, more than the 1000 allowed (maxSeries); ' +
        'group by a field with fewer values, filter, widen the window or shorten the range'
    );
  });

  it('refuses more cells than maxCells', () => {
    // 4 models × 43,200 one-minute buckets; counting stops at 3 groups (3 × 43,200 is past the bound already).
    const message = refusal(() => run(big, { groupBy: ['model'], window: '1m' }, { maxCells: 100_000 }));
    expect(message).toContain('trend grouped by model has at least 3 series × 43200 buckets = at least 129600 cells');
    expect(message).toContain('more than the 100000 allowed (maxCells); group by a field with fewer values');
  });

  it('answers just under the bounds', () => {
    const small = uniqueIds(1000);
    const frames = run(small, { groupBy: ['request_id'], window: '1d', aggregation: 'count' });
    expect(frames).toHaveLength(1000);
    // 4 × 720 hourly buckets = 2,880 cells: exactly at the cell bound answers, one fewer refuses.
    expect(run(big, { groupBy: ['model'], window: '1h' }, { maxSeries: 4, maxCells: 2880 })).toHaveLength(4);
    expect(refusal(() => run(big, { groupBy: ['model'], window: '1h' }, { maxSeries: 3 }))).toContain(
      'has at least 4 series, more than the 3 allowed (maxSeries)'
    );
    expect(refusal(() => run(big, { groupBy: ['model'], window: '1h' }, { maxCells: 2879 }))).toContain(
      'has at least 4 series × 720 buckets = at least 2880 cells'
    );
  });

  it('leaves a trend unbounded without limits (the CLI)', () => {
    expect(run(uniqueIds(2000), { groupBy: ['request_id'], window: '1d' }, {})).toHaveLength(2000);
  });
});

describe('summary and compare group bounds', () => {
  it('refuses more groups than maxRows before computing percentiles', () => {
    const message = refusal(() =>
      analyse(big, { queryType: 'summary', groupBy: ['request_id'] }, { range: {}, limits: LIMITS })
    );
    expect(message).toBe(
      'summary grouped by request_id has at least 10001 groups, more than the 10000 rows allowed (maxRows); ' +
        'group by a field with fewer values, filter or shorten the range'
    );
    expect(refusal(() => analyse(big, { queryType: 'compare' }, { range: {}, limits: { maxRows: 3 } }))).toContain(
      'compare grouped by model has at least 4 groups, more than the 3 rows allowed (maxRows)'
    );
  });

  it('answers at the bound, and an ungrouped summary whatever the bound', () => {
    const frames = analyse(big, { queryType: 'summary', groupBy: ['model'] }, { range: {}, limits: { maxRows: 4 } });
    expect(frames[0].fields[0].values).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(analyse(big, { queryType: 'compare' }, { range: {}, limits: { maxRows: 4 } })).toHaveLength(1);
    expect(analyse(big, { queryType: 'summary' }, { range: {}, limits: { maxRows: 1 } })).toHaveLength(1);
  });
});
