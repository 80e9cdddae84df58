import { Store } from '../store/store';
import { analyse } from './run';
import { req, storeOf } from '../../test/support/test-store';
import type { Frame } from './frames';
import { combineMoments, pairMoments, pearsonOf } from './pair-moments';
import { pearsonMatrix } from './correlate';

/** A deterministic store of `n` requests one second apart over three models, with missing values. */
function bigStore(n: number): Store {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const start = Date.UTC(2026, 10, 27);
  const records = Array.from({ length: n }, (_, i) =>
    req(start + i * 1000, {
      model: ['a', 'b', 'c'][i % 3],
      latency_ms: rand() < 0.02 ? null : Math.round(rand() * 100000) / 1000,
      batch_size: rand() < 0.05 ? null : 1 + Math.floor(rand() * 32),
      gpu_util: rand() < 0.03 ? null : Math.round(rand() * 1000) / 10,
      memory_used_gb: Math.round(rand() * 4000) / 100,
      status: rand() < 0.1 ? 'error' : 'success',
    })
  );
  return storeOf(records);
}

const values = (frame: Frame): number[][] => frame.fields.slice(1).map((f) => Array.from(f.values as number[]));

describe('pair moments', () => {
  it('combined over any split, they give the two-pass Pearson r of the whole', () => {
    const store = bigStore(3000);
    const columns = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'].map((f) => store.numberColumn(f)!.raw());
    const rows = Uint32Array.from({ length: store.length }, (_, i) => i);
    const whole = pearsonMatrix(columns, rows);
    for (const cuts of [[1000], [1, 2999], [17, 500, 2048, 2999]]) {
      const bounds = [0, ...cuts, rows.length];
      const total = pairMoments(columns, rows, 0, 0);
      for (let k = 0; k + 1 < bounds.length; k++) {
        combineMoments(total, pairMoments(columns, rows, bounds[k], bounds[k + 1]));
      }
      let q = 0;
      for (let i = 0; i < 4; i++) {
        for (let j = i; j < 4; j++, q++) {
          const { r, pairs } = pearsonOf(total, q);
          expect(pairs).toBe(whole.pairs[i][j]);
          expect(r).toBeCloseTo(whole.r[i][j], 12);
        }
      }
    }
  });
});

describe('per-block pre-aggregation gives the answers of a pass over the rows', () => {
  // 5.5 blocks of 4096 rows: whole blocks from the cache, the rest from rows.
  const n = Store.TIME_BLOCK * 5 + 2048;
  const store = bigStore(n);
  const start = Date.UTC(2026, 10, 27);
  const ranges = [
    {},
    { from: start + 1000 * 1000, to: start + 15000 * 1000 },
    { from: start + 4096 * 1000, to: start + 8191 * 1000 }, // exactly block 1
    { from: start, to: start + 100 * 1000 }, // no whole block
  ];

  it.each(ranges.map((range) => [JSON.stringify(range), range]))('pearson, range %s', (_, range) => {
    const fast = analyse(store, { refId: 'A', queryType: 'correlation', correlation: 'pearson' }, { range });
    // The same metrics in another order go through the same cache; a filter never does (rows only).
    const rowsOnly = analyse(
      store,
      { refId: 'A', queryType: 'correlation', correlation: 'pearson', filters: { model: ['a', 'b', 'c'] } },
      { range }
    );
    const expected = values(rowsOnly[0]);
    values(fast[0]).forEach((column, j) =>
      column.forEach((r, i) =>
        Number.isNaN(expected[j][i]) ? expect(r).toBeNaN() : expect(r).toBeCloseTo(expected[j][i], 12)
      )
    );
    expect(fast[0].meta?.custom?.pairs).toEqual(rowsOnly[0].meta?.custom?.pairs);
  });

  it.each(ranges.map((range) => [JSON.stringify(range), range]))('summary by model, range %s', (_, range) => {
    const fast = analyse(store, { refId: 'A', queryType: 'summary', groupBy: ['model'] }, { range });
    const rowsOnly = analyse(
      store,
      { refId: 'A', queryType: 'summary', groupBy: ['model'], filters: { model: ['a', 'b', 'c'] } },
      { range }
    );
    const got = fast[0].fields;
    const want = rowsOnly[0].fields;
    expect(got.map((f) => f.name)).toEqual(want.map((f) => f.name));
    got.forEach((f, k) =>
      (f.values as unknown[]).forEach((v, i) => {
        const w = (want[k].values as unknown[])[i];
        if (typeof v === 'number' && typeof w === 'number' && !Number.isInteger(w)) {
          expect(v).toBeCloseTo(w, 9);
        } else {
          expect(v).toEqual(w);
        }
      })
    );
  });

  it('retention (rows dropped from the front) starts the blocks over', () => {
    const local = bigStore(Store.TIME_BLOCK * 3);
    const query = { refId: 'A', queryType: 'summary' as const, groupBy: ['model'] };
    analyse(local, query, { range: {} }); // fills the cache
    local.dropFront(1000);
    const after = analyse(local, query, { range: {} });
    const rowsOnly = analyse(local, { ...query, filters: { model: ['a', 'b', 'c'] } }, { range: {} });
    const requests = (frames: Frame[]) => frames[0].fields.find((f) => f.name === 'requests')!.values;
    expect(requests(after)).toEqual(requests(rowsOnly));
    expect((requests(after) as number[]).reduce((a, b) => a + b, 0)).toBe(Store.TIME_BLOCK * 3 - 1000);
  });
});
