import type { AnalysisQuery, TimeRange } from '../model/query';
import { QueryError } from './errors';
import { analyse } from './run';
import { groupRows, select, selectionSpan } from './select';
import { ms, req, storeOf } from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');

// Rows 0..4 at T0 + 0, 10, 20, 30, 40 seconds.
const store = storeOf([
  req(T0, { model: 'b', latency_ms: 10, batch_size: 1, region: 'eu', request_id: 'r0' }),
  req(T0 + 10_000, { model: 'a', latency_ms: 20, batch_size: 2, request_id: 'r1' }),
  req(T0 + 20_000, { model: 'b', latency_ms: 30, batch_size: 2, region: 'us', request_id: 'r2' }),
  req(T0 + 30_000, { model: 'a', latency_ms: 40, batch_size: 4, region: 'eu', request_id: 'r3' }),
  req(T0 + 40_000, { model: 'c', latency_ms: 50, region: 'us', request_id: 'r4' }),
]);

const rowsOf = (rows: Uint32Array): number[] => Array.from(rows);

describe('select', () => {
  it('keeps every row without range or filters', () => {
    expect(rowsOf(select(store, {}).rows)).toEqual([0, 1, 2, 3, 4]);
  });

  it('includes both ends of the time range', () => {
    expect(rowsOf(select(store, { from: T0 + 10_000, to: T0 + 30_000 }).rows)).toEqual([1, 2, 3]);
    // one millisecond inside each end drops the end rows
    expect(rowsOf(select(store, { from: T0 + 10_001, to: T0 + 29_999 }).rows)).toEqual([2]);
  });

  it('takes half-open ranges', () => {
    expect(rowsOf(select(store, { from: T0 + 30_000 }).rows)).toEqual([3, 4]);
    expect(rowsOf(select(store, { to: T0 + 10_000 }).rows)).toEqual([0, 1]);
  });

  it('filters on string fields, any of the values', () => {
    expect(rowsOf(select(store, {}, { model: ['a', 'c'] }).rows)).toEqual([1, 3, 4]);
    expect(rowsOf(select(store, {}, { model: ['nope'] }).rows)).toEqual([]);
  });

  it('filters on numeric fields given as numbers or as text', () => {
    expect(rowsOf(select(store, {}, { batch_size: [2] }).rows)).toEqual([1, 2]);
    expect(rowsOf(select(store, {}, { batch_size: ['4'] }).rows)).toEqual([3]);
  });

  it('filters on request ids and extra fields, all filters together', () => {
    expect(rowsOf(select(store, {}, { request_id: ['r2', 'r4'] }).rows)).toEqual([2, 4]);
    expect(rowsOf(select(store, {}, { region: ['eu'], model: ['a'] }).rows)).toEqual([3]);
  });

  it('ignores a filter with no values', () => {
    expect(rowsOf(select(store, {}, { model: [] }).rows)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects an unknown filter field', () => {
    expect(() => select(store, {}, { nosuch: ['x'] })).toThrow(QueryError);
  });
});

describe('groupRows', () => {
  it('groups by key in sorted order', () => {
    const groups = groupRows(select(store, {}), ['model']);
    expect(groups.keys).toEqual([['a'], ['b'], ['c']]);
    expect(groups.rows.map(rowsOf)).toEqual([[1, 3], [0, 2], [4]]);
  });

  it('drops rows whose group value is missing', () => {
    const groups = groupRows(select(store, {}), ['region']);
    expect(groups.keys).toEqual([['eu'], ['us']]);
    expect(groups.rows.map(rowsOf)).toEqual([
      [0, 3],
      [2, 4],
    ]);
  });

  it('groups by several fields', () => {
    const groups = groupRows(select(store, {}), ['region', 'model']);
    expect(groups.keys).toEqual([
      ['eu', 'a'],
      ['eu', 'b'],
      ['us', 'b'],
      ['us', 'c'],
    ]);
  });

  it('gives one group of all rows without fields', () => {
    const groups = groupRows(select(store, {}), []);
    expect(groups.keys).toEqual([[]]);
    expect(rowsOf(groups.rows[0])).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects an unknown group-by field', () => {
    expect(() => groupRows(select(store, {}), ['nosuch'])).toThrow(QueryError);
  });
});

describe('selectionSpan', () => {
  it('is the query range when closed (in microseconds)', () => {
    const span = selectionSpan(select(store, { from: T0 - 5_000, to: T0 + 60_000 }));
    expect(span).toEqual({ startUs: (T0 - 5_000) * 1000, endUs: (T0 + 60_000) * 1000 });
  });

  it("is the data's first to last time without a range", () => {
    expect(selectionSpan(select(store, {}))).toEqual({ startUs: T0 * 1000, endUs: (T0 + 40_000) * 1000 });
  });

  it('is null for no rows and no range', () => {
    expect(selectionSpan(select(store, {}, { model: ['nope'] }))).toBeNull();
  });
});

describe('selections of whole blocks (rows not listed) answer as listed rows do', () => {
  // 10,000 requests a second apart: blocks of 4,096 rows are [0, 4096), [4096, 8192), [8192, 10000).
  let seed = 5;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const big = storeOf(
    Array.from({ length: 10_000 }, (_, i) =>
      req(T0 + i * 1000, {
        model: ['a', 'b', 'c'][Math.floor(rand() * 3)],
        latency_ms: Math.round(Math.exp(rand() * 7) * 1000) / 1000,
        batch_size: 1 + Math.floor(rand() * 32),
        gpu_util: Math.round(rand() * 1000) / 10,
        memory_used_gb: Math.round(rand() * 2000) / 100,
        status: rand() < 0.05 ? 'error' : 'success',
      })
    )
  );
  const at = (row: number): number => T0 + row * 1000;
  /** Frames with every number rounded to 12 significant digits. */
  const rounded = (value: unknown): unknown =>
    typeof value === 'number'
      ? Number.isFinite(value)
        ? Number(value.toPrecision(12))
        : value
      : ArrayBuffer.isView(value)
        ? Array.from(value as Float64Array, (v) => rounded(v))
        : Array.isArray(value)
          ? value.map(rounded)
          : value && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]))
            : value;
  // A filter that keeps every row, so that the same rows are listed one by one.
  const everyModel = { model: ['a', 'b', 'c'] };

  it.each([
    ['the whole table', {}],
    ['the middle block exactly', { from: at(4096), to: at(8191) }],
    ['the last two blocks', { from: at(4096) }],
    ['blocks 0 and 1 exactly', { to: at(8191) }],
    ['a range off the block edges', { from: at(1000), to: at(9000) }],
  ])('%s', (_, range: TimeRange) => {
    const selection = select(big, range);
    expect(Boolean(selection.allWhole)).toBe(range.from !== at(1000));
    const listed = select(big, range, everyModel);
    expect(Array.from(selection.rows)).toEqual(Array.from(listed.rows));
    expect(selectionSpan(selection, 'data')).toEqual(selectionSpan(listed, 'data'));
    const queries: AnalysisQuery[] = [
      { queryType: 'summary', groupBy: ['model'] },
      { queryType: 'summary' },
      { queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'p99' },
      { queryType: 'trend', window: '5m', aggregation: 'mean' },
      { queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'max' },
      { queryType: 'correlation', correlation: 'pearson' },
      { queryType: 'correlation', correlation: 'spearman' },
    ];
    for (const query of queries) {
      const whole = analyse(big, query, { range });
      const rows = analyse(big, { ...query, filters: everyModel }, { range });
      // Sums over whole blocks are added block by block (see Statistical conventions): equal to rounding.
      expect({ query, frames: rounded(whole) }).toEqual({ query, frames: rounded(rows) });
    }
  });
});
