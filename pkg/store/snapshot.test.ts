import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { LineSource } from './request-ids';
import { captureStore, dropRowsOf, restoreStore, StoreSnapshot } from './snapshot';
import { FORMAT_VERSION, readSnapshotFile, SnapshotError, writeSnapshotFile } from './snapshot-file';
import { Store } from './store';

/** Everything a store answers with, row by row: equal dumps are equal stores. */
function dump(store: Store) {
  const columns: Record<string, unknown[]> = {};
  for (const [name, column] of store.columns) {
    columns[name] = Array.from({ length: store.length }, (_, row) => column.get(row));
  }
  return {
    length: store.length,
    time: Array.from(store.time.values()),
    errors: Array.from(store.errors.values()),
    fields: store.fields(),
    columns,
    skipped: store.skipped,
    invalidValues: store.invalidValues,
    newestUs: store.newestUs,
    expired: store.expired,
    timeIndex: store.timeIndex(),
  };
}

const fileA: LineSource = { path: '/logs/a.log', gzip: false };
const fileB: LineSource = { path: '/logs/b.log.1.gz', gzip: true };
const sources = [fileA, fileB];
/** Request ids of rows from files: "<file>@<offset>", as a reader would read them back. */
const lookup = (source: LineSource, offset: number) => `${source.path}@${offset}`;

/** A store with every kind of column and storage width, in-memory and file ids, skips and retention. */
function sample(): Store {
  const store = new Store();
  store.requestIds!.lookup = lookup;
  const values = [0, 1.5, -3, 127.25, 40_000, 3.000001, 1e12, NaN, -0.5];
  for (let i = 0; i < 600; i++) {
    store.lineSource = i % 3 === 0 ? null : i % 3 === 1 ? fileA : fileB;
    store.lineOffset = i * 100;
    store.append(1_795_791_795_000_000 + i * 1_000_000 - (i % 7) * 10, i % 5 === 0, {
      model: `m${i % 4}`,
      status: i % 9 === 0 ? null : 'ok',
      // i % 3 === 0: the id is kept in memory (a UUID, text, a lone surrogate or none)
      request_id:
        i % 12 === 0
          ? `0000000${i % 10}-aaaa-bbbb-cccc-0123456789ab`
          : i % 12 === 3
            ? 'x\ud800'
            : i % 12 === 6
              ? null
              : `id${i}`,
      latency_ms: 10 + i / 8,
      batch_size: i % 8,
      gpu_util: values[i % values.length],
      memory_used_gb: i > 300 ? 1e15 + i : i,
      // An extra number field, an extra field that turns into text, an extra with 300 distinct strings.
      tokens: i % 2 === 0 ? i : null,
      shard: i < 400 ? i : `s${i}`,
      host: `host-${i % 300}`,
    });
  }
  store.skip('invalid_json', 3);
  store.skip('missing_model');
  store.invalidValue('batch_size');
  store.dropFront(20); // retention moved rows and ids in place
  store.lineSource = null;
  return store;
}

function restored(snapshot: StoreSnapshot): Store {
  const store = new Store();
  store.requestIds!.lookup = lookup;
  restoreStore(store, snapshot, sources);
  return store;
}

const indexOf = (source: LineSource) => sources.indexOf(source);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'snapshot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('store snapshot', () => {
  it('a store restored from its snapshot file is the same store, and appends to it as the original does', async () => {
    const store = sample();
    const snapshot = captureStore(store, indexOf);
    const file = path.join(dir, 'cache');
    const size = await writeSnapshotFile(file, { store: snapshot.meta }, snapshot.arrays);
    expect(size).toBe(readFileSync(file).length);
    // Room for 100 more rows after each column's rows: appends after the restore copy nothing.
    const read = await readSnapshotFile<{ store: StoreSnapshot['meta'] }>(
      file,
      () => null,
      (meta, length) => (length === meta.store.length ? 100 : 0)
    );
    const copy = restored({ meta: read!.meta.store, arrays: read!.arrays });
    expect(dump(copy)).toEqual(dump(store));
    const latency = copy.numberColumn('latency_ms')!;
    expect(latency.byteLength).toBe((copy.length + 100) * latency.raw().data.BYTES_PER_ELEMENT);
    // Storage as narrow as before (no per-row re-encoding): 1, 4 and 8 bytes a value here.
    const widths = (s: Store) => [...s.columns.keys()].map((name) => s.numberColumn(name)?.raw().data.constructor.name);
    expect(widths(copy)).toEqual(widths(store));
    expect(widths(copy)).toEqual(expect.arrayContaining(['Int8Array', 'Int32Array', 'Float64Array']));
    expect(copy.columns.get('shard')!.kind).toBe('string');
    for (const s of [store, copy]) {
      s.lineSource = fileA;
      s.lineOffset = 99_999;
      s.append(1_795_791_795_000_000, true, { model: 'new', latency_ms: 70_000.5, host: 'host-new', other: 'x' });
      s.append(1_795_791_796_000_000, false, { model: 'm1', latency_ms: 1, batch_size: 300 });
    }
    expect(dump(copy)).toEqual(dump(store));
  });

  it('an empty store round-trips and takes rows afterwards', async () => {
    const copy = restored(captureStore(new Store(), indexOf));
    expect(copy.length).toBe(0);
    expect(copy.newestUs).toBe(-Infinity);
    copy.append(5, false, { model: 'a', latency_ms: 1, request_id: 'r' });
    expect(copy.stringColumn('request_id')!.get(0)).toBe('r');
  });

  it('a snapshot that does not fit its arrays is refused before the store changes', () => {
    const snapshot = captureStore(sample(), indexOf);
    const short = { meta: { ...snapshot.meta, length: snapshot.meta.length + 1 }, arrays: snapshot.arrays };
    const store = new Store();
    expect(() => restoreStore(store, short, sources)).toThrow('does not fit');
    expect(store.length).toBe(0);
    expect(store.columns.get('latency_ms')!.length).toBe(0);
    expect(() => restoreStore(store, snapshot, [fileA])).toThrow('does not fit'); // a source it does not know
    expect(store.length).toBe(0);
  });

  it('dropRowsOf removes exactly the rows read from the sources named, keeping the others as they were', () => {
    const store = sample();
    const expected = dump(store);
    const kept = dropRowsOf(captureStore(store, indexOf), (i) => i === 1)!; // fileB is gone
    const copy = restored(kept);
    const keep = Array.from({ length: store.length }, (_, row) => row).filter(
      (row) => !String(store.stringColumn('request_id')!.get(row)).startsWith(fileB.path)
    );
    expect(copy.length).toBe(keep.length);
    expect(keep.length).toBeLessThan(store.length);
    for (const [name, values] of Object.entries(expected.columns)) {
      expect(dump(copy).columns[name]).toEqual(keep.map((row) => values[row]));
    }
    expect(Array.from(copy.time.values())).toEqual(keep.map((row) => expected.time[row]));
    expect(Array.from(copy.errors.values())).toEqual(keep.map((row) => expected.errors[row]));
    expect(dropRowsOf(captureStore(store, indexOf), () => false)).toBeNull();
  });
});

describe('snapshot file', () => {
  const arrays = [Float64Array.from([1.5, 2]), Uint8Array.from([1, 2, 3]), new Int16Array(0), Uint32Array.from([7])];
  const write = (file: string) => writeSnapshotFile(file, { hello: 'world' }, arrays);
  const read = (file: string, accept: (meta: { hello: string }) => string | null = () => null) =>
    readSnapshotFile<{ hello: string }>(file, accept);

  it('reads back what it wrote, arrays of their own types; no file is null', async () => {
    const file = path.join(dir, 'f');
    await write(file);
    const back = await read(file);
    expect(back!.meta).toEqual({ hello: 'world' });
    expect(back!.arrays).toEqual(arrays);
    expect(back!.arrays.map((a) => a.constructor.name)).toEqual(arrays.map((a) => a.constructor.name));
    expect(await read(path.join(dir, 'none'))).toBeNull();
  });

  it('refuses a file cut short, damaged, of another format, or one the caller does not accept', async () => {
    const file = path.join(dir, 'f');
    await write(file);
    const good = readFileSync(file);
    const refused = async (
      bytes: Buffer,
      why: RegExp | string,
      accept?: (meta: { hello: string }) => string | null
    ) => {
      writeFileSync(file, bytes);
      const error = await read(file, accept).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as Error).message).toMatch(why);
    };
    await refused(good.subarray(0, good.length - 3), /cut short/);
    await refused(good.subarray(0, 10), /cut short/);
    const flipped = Buffer.from(good);
    flipped[good.length - 20] ^= 1;
    await refused(flipped, /checksum/);
    const other = Buffer.from(good);
    other.writeUInt32LE(FORMAT_VERSION + 1, 8);
    await refused(other, `cache format ${FORMAT_VERSION + 1}`);
    await refused(good, 'not for me', () => 'not for me');
    await refused(Buffer.from('{"timestamp": 1}\n'), /not a cache file/);
  });

  it('is written through a temporary file: nothing is left under the name when told the arrays changed meanwhile', async () => {
    const file = path.join(dir, 'f');
    expect(await writeSnapshotFile(file, {}, arrays, () => false)).toBeNull();
    await write(file);
    expect(await writeSnapshotFile(file, { hello: 'again' }, arrays, () => false)).toBeNull();
    expect((await read(file))!.meta).toEqual({ hello: 'world' }); // the previous file stays
    expect(require('fs').readdirSync(dir)).toEqual(['f']);
  });
});
