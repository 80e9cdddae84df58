import { LineParser } from '../sources/parse-line';
import { Store } from '../store/store';
import { req, storeOf } from '../../test/support/test-store';
import { describeLogs } from './describe';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();

describe('describeLogs', () => {
  test('the span of rows out of time order over several blocks of the time index, and as rows are added', () => {
    // Times shuffled so that the least and greatest fall inside blocks, not at their edges.
    const rows = 3 * Store.TIME_BLOCK + 123;
    const times = Array.from({ length: rows }, (_, i) => T0 + ((i * 7919) % rows) * 1000);
    const store = storeOf(times.map((t, i) => req(t, { model: i % 3 === 0 ? 'b' : 'a' })));
    const expected = (ts: number[]) => ({ from: iso(Math.min(...ts)), to: iso(Math.max(...ts)) });
    expect(describeLogs(store, 1)).toMatchObject({ requests: rows, files: 1, models: ['a', 'b'], ...expected(times) });

    // Appended later, into the partial last block and beyond: earlier and later than everything before.
    const parser = new LineParser(store, {});
    const more = [T0 - 5000, T0 + rows * 1000 + 7000, ...Array.from({ length: Store.TIME_BLOCK }, (_, i) => T0 + i)];
    for (const t of more) {
      parser.parse(JSON.stringify(req(t, { model: 'c' })));
    }
    expect(describeLogs(store, 2)).toMatchObject({
      requests: rows + more.length,
      models: ['a', 'b', 'c'],
      ...expected([...times, ...more]),
    });
  });

  test('an empty store has no span', () => {
    expect(describeLogs(new Store(), 0)).toMatchObject({ requests: 0, from: null, to: null, models: [] });
  });
});
