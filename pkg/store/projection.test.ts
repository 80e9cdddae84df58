import { ColumnNotLoadedError } from './projection';
import { Store } from './store';

describe('a store with a projection', () => {
  const projection = { columns: ['model', 'latency_ms', 'host'], errors: false };

  function store(): Store {
    const s = new Store(projection);
    s.append(1, true, { model: 'a', latency_ms: 5, status: 'error', batch_size: 2, host: 'h', region: 'eu' });
    s.append(2, false, { model: 'b', latency_ms: 7, status: 'ok', region: 'us' });
    return s;
  }

  it('keeps every row, and only the columns named', () => {
    const s = store();
    expect(s.length).toBe(2);
    expect([...s.columns.keys()]).toEqual(['latency_ms', 'model', 'host']);
    expect(s.numberColumn('latency_ms')?.values()).toEqual(new Float64Array([5, 7]));
    expect(s.stringColumn('host')?.get(1)).toBeNull();
    expect(s.fields().map((f) => f.name)).toEqual(['latency_ms', 'model', 'host']);
  });

  it('throws, naming the column, when asked for one it left out', () => {
    const s = store();
    for (const ask of [
      () => s.columns.get('region'),
      () => s.columns.has('region'),
      () => s.stringColumn('region'),
      () => s.numberColumn('batch_size'),
    ]) {
      expect(ask).toThrow(ColumnNotLoadedError);
    }
    expect(() => s.numberColumn('gpu_util')).toThrow('the column "gpu_util" was not loaded');
    // A derived field whose inputs were not loaded: its name, then its inputs, are asked for.
    expect(() => s.numberColumn('output_tokens_per_s')).toThrow('"output_tokens_per_s"');
    expect(() => s.errors).toThrow('the column "error flag" was not loaded');
  });

  it('builds everything without a projection, as ever', () => {
    const s = new Store();
    s.append(1, true, { model: 'a', latency_ms: 5, region: 'eu' });
    expect(s.errors.values()).toEqual(new Uint8Array([1]));
    expect(s.columns.get('region')?.get(0)).toBe('eu');
    expect(s.loads('anything')).toBe(true);
  });
});
