import type { AnalysisQuery } from '../model/query';
import { Store } from '../store/store';
import { QueryError } from './errors';
import { Frame } from './frames';
import { analyse } from './run';
import { runQuery } from '../format/dataframe-json';
import { jsonValues, ms, numbers, req, storeOf, values } from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');

/*
 * row  latency  batch  gpu
 *  0      1       1     8
 *  1      2       3     -
 *  2      3       2     2
 *  3      4       4     4
 *  4      -      10     3
 */
const store = storeOf([
  req(T0, { latency_ms: 1, batch_size: 1, gpu_util: 8, memory_used_gb: 16 }),
  req(T0 + 1000, { latency_ms: 2, batch_size: 3, memory_used_gb: 16 }),
  req(T0 + 2000, { latency_ms: 3, batch_size: 2, gpu_util: 2, memory_used_gb: 16 }),
  req(T0 + 3000, { latency_ms: 4, batch_size: 4, gpu_util: 4, memory_used_gb: 16 }),
  req(T0 + 4000, { latency_ms: null, batch_size: 10, gpu_util: 3, memory_used_gb: 16 }),
]);

const METRICS = ['latency_ms', 'batch_size', 'gpu_util'];

function correlationOf(s: Store, query: Partial<AnalysisQuery> = {}): Frame {
  const frames = analyse(s, { queryType: 'correlation', metrics: METRICS, ...query }, { range: {} });
  expect(frames).toHaveLength(1);
  return frames[0];
}

/** matrix[i][j] from the frame: row i is the i-th metric, column j the field of the j-th. */
function matrixOf(frame: Frame, metrics: string[]): number[][] {
  return metrics.map((_, i) => metrics.map((m) => numbers(frame, m)[i]));
}

describe('correlation: pearson', () => {
  it('is a square matrix over the metrics asked for, in their order', () => {
    const frame = correlationOf(store);
    expect(frame.fields.map((f) => f.name)).toEqual(['metric', ...METRICS]);
    expect(frame.fields.map((f) => f.type)).toEqual(['string', 'number', 'number', 'number']);
    expect(values(frame, 'metric')).toEqual(METRICS);
    const reversed = correlationOf(store, { metrics: ['gpu_util', 'latency_ms'] });
    expect(values(reversed, 'metric')).toEqual(['gpu_util', 'latency_ms']);
    expect(reversed.fields.map((f) => f.name)).toEqual(['metric', 'gpu_util', 'latency_ms']);
  });

  it('computes each coefficient over the pairwise-complete rows (hand-computed)', () => {
    const m = matrixOf(correlationOf(store), METRICS);
    // latency vs batch, rows 0-3: x [1,2,3,4], y [1,3,2,4] -> 4/5
    expect(m[0][1]).toBeCloseTo(0.8, 12);
    expect(m[1][0]).toBeCloseTo(0.8, 12);
    // latency vs gpu, rows 0,2,3: x [1,3,4], y [8,2,4]: sxy = -66/9, sxx = 42/9, syy = 168/9 -> -66/84
    expect(m[0][2]).toBeCloseTo(-11 / 14, 12);
    expect(m[2][0]).toBeCloseTo(-11 / 14, 12);
    // batch vs gpu, rows 0,2,3,4: x [1,2,4,10], y [8,2,4,3]; means 4.25 and 4.25
    // sxy = -14.25, sxx = 48.75, syy = 20.75
    expect(m[1][2]).toBeCloseTo(-14.25 / Math.sqrt(48.75 * 20.75), 12);
    expect(m[0][0]).toBeCloseTo(1, 12);
    expect(m[1][1]).toBeCloseTo(1, 12);
    expect(m[2][2]).toBeCloseTo(1, 12);
  });

  it('reports the pair counts', () => {
    const frame = correlationOf(store);
    expect(frame.meta?.custom?.pairs).toEqual([
      [4, 4, 3],
      [4, 5, 4],
      [3, 4, 4],
    ]);
  });

  it('is NaN (null in JSON) where undefined: a constant field', () => {
    const metrics = ['latency_ms', 'memory_used_gb'];
    const m = matrixOf(correlationOf(store, { metrics }), metrics);
    expect(m[0][1]).toBeNaN();
    expect(m[1][1]).toBeNaN();
    const [json] = runQuery(store, { queryType: 'correlation', metrics }, { range: {} });
    expect(jsonValues(json, 'memory_used_gb')).toEqual([null, null]);
    expect(jsonValues(json, 'latency_ms')[0]).toBeCloseTo(1, 12);
    expect(json.schema!.meta!.custom!.pairs).toEqual([
      [4, 4],
      [4, 5],
    ]);
  });

  it('is NaN with fewer than two pairs', () => {
    const s = storeOf([req(T0, { latency_ms: 1, batch_size: 2 }), req(T0 + 1, { latency_ms: 3 })]);
    const m = matrixOf(correlationOf(s, { metrics: ['latency_ms', 'batch_size'] }), ['latency_ms', 'batch_size']);
    expect(m[0][1]).toBeNaN();
  });

  it('uses the time range and filters', () => {
    // rows 0-2 only: latency [1,2,3] vs batch [1,3,2]: dx -1,0,1; dy -1,1,0 -> 1/2
    const frames = analyse(
      store,
      { queryType: 'correlation', metrics: ['latency_ms', 'batch_size'] },
      { range: { to: T0 + 2000 } }
    );
    expect(numbers(frames[0], 'batch_size')[0]).toBeCloseTo(0.5, 12);
  });
});

describe('correlation: spearman', () => {
  it('ranks within the pairwise-complete subset', () => {
    const m = matrixOf(correlationOf(store, { correlation: 'spearman' }), METRICS);
    // latency vs batch: the values are already ranks -> 0.8
    expect(m[0][1]).toBeCloseTo(0.8, 12);
    // latency vs gpu, rows 0,2,3: ranks [1,2,3] vs [3,1,2]: sxy = -1, sxx = syy = 2 -> -0.5
    // (ranking gpu over all its rows first would give [4,1,3] -> a different value)
    expect(m[0][2]).toBeCloseTo(-0.5, 12);
    // batch vs gpu, rows 0,2,3,4: ranks [1,2,3,4] vs [4,1,3,2]: sxy = -2, sxx = syy = 5 -> -0.4
    expect(m[1][2]).toBeCloseTo(-0.4, 12);
    expect(m[2][2]).toBeCloseTo(1, 12);
  });

  it('averages the ranks of ties', () => {
    // x [1,2,2,3] -> ranks [1,2.5,2.5,4]; y [10,20,30,40] -> sqrt(0.9)
    const s = storeOf([1, 2, 2, 3].map((b, i) => req(T0 + i, { batch_size: b, latency_ms: (i + 1) * 10 })));
    const m = matrixOf(correlationOf(s, { correlation: 'spearman', metrics: ['batch_size', 'latency_ms'] }), [
      'batch_size',
      'latency_ms',
    ]);
    expect(m[0][1]).toBeCloseTo(Math.sqrt(0.9), 12);
  });
});

describe('correlation: errors', () => {
  it('rejects unknown and non-numeric fields and unknown methods', () => {
    expect(() => correlationOf(store, { metrics: ['latency_ms', 'nosuch'] })).toThrow(QueryError);
    expect(() => correlationOf(store, { metrics: ['latency_ms', 'model'] })).toThrow(QueryError);
    expect(() => correlationOf(store, { correlation: 'kendall' as AnalysisQuery['correlation'] })).toThrow(QueryError);
  });

  it('defaults to the four standard metrics', () => {
    const frames = analyse(store, { queryType: 'correlation' }, { range: {} });
    expect(values(frames[0], 'metric')).toEqual(['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb']);
  });
});
