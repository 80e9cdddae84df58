import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { gzipSync } from 'zlib';
import type { DataFrameJSON } from '@grafana/data';
import { analyseWithNotices } from '../engine/run';
import { runQuery } from '../format/dataframe-json';
import { LineSource, RequestIdColumn } from './request-ids';
import { Store } from './store';
import { LogReader } from '../sources/reader';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'request-ids-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

// 2026-11-27T10:00:00Z in ms.
const BASE_MS = Date.UTC(2026, 10, 27, 10, 0, 0);

/** Line n's timestamp: n seconds after BASE_MS (plus `shift` seconds), always 24 characters. */
const stamp = (n: number, shift = 0): string => new Date(BASE_MS + (n + shift) * 1000).toISOString();

interface LineOptions {
  /** The request id's JSON text as written in the line; undefined leaves the field out. */
  idJson?: string;
  /** Seconds added to the timestamp. */
  shift?: number;
  /** Name of the request id field. */
  idField?: string;
  /** Extra fields, written as they are (JSON text). */
  extra?: string;
}

/** A request line (no line end): latency_ms is n, so a row tells which line it came from. */
function line(n: number, options: LineOptions = {}): string {
  const id = options.idJson === undefined ? '' : `"${options.idField ?? 'request_id'}": ${options.idJson}, `;
  const extra = options.extra ? `, ${options.extra}` : '';
  return `{"timestamp": "${stamp(n, options.shift)}", ${id}"model": "m", "latency_ms": ${n}, "status": "success"${extra}}`;
}

/** Lines [from, to) with ids `prefix` + n, each ending in \n; `expected` gets latency → id. */
function lines(from: number, to: number, expected: Map<number, string | null>, prefix = 'r'): string {
  let out = '';
  for (let n = from; n < to; n++) {
    out += line(n, { idJson: JSON.stringify(`${prefix}${n}`) }) + '\n';
    expected.set(n, `${prefix}${n}`);
  }
  return out;
}

function requestIds(store: Store): RequestIdColumn {
  const ids = store.requestIds;
  if (!ids) {
    throw new Error('no request id column');
  }
  return ids;
}

/** Every row's id, by its latency (the line it came from). */
function idsByLatency(store: Store, rows?: number[]): Map<number, string | null> {
  const latency = store.numberColumn('latency_ms')!;
  const ids = requestIds(store);
  const out = new Map<number, string | null>();
  for (const row of rows ?? Array.from({ length: store.length }, (_, i) => i)) {
    const n = latency.get(row);
    expect(out.has(n)).toBe(false); // each line once
    out.set(n, ids.get(row));
  }
  return out;
}

/** Every row's id is the id its line had, every line is there once, and none was unavailable. */
function expectIds(store: Store, expected: Map<number, string | null>): void {
  const before = requestIds(store).unavailable;
  const got = idsByLatency(store);
  expect(requestIds(store).unavailable - before).toBe(0);
  expect(store.length).toBe(expected.size);
  expect(new Map([...got].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...expected].sort((a, b) => a[0] - b[0])));
}

function rowsOfLatencies(store: Store, latencies: Set<number>): number[] {
  const latency = store.numberColumn('latency_ms')!;
  return Array.from({ length: store.length }, (_, i) => i).filter((row) => latencies.has(latency.get(row)));
}

describe('RequestIdColumn', () => {
  const a: LineSource = { path: '/logs/a.log', gzip: false };
  const b: LineSource = { path: '/logs/b.log.gz', gzip: true };

  /** A lookup that records its calls and answers `${path}@${offset}`. */
  function recordingLookup(column: RequestIdColumn): Array<[LineSource, number, number]> {
    const calls: Array<[LineSource, number, number]> = [];
    column.lookup = (source, offset, row) => {
      calls.push([source, offset, row]);
      return `${source.path}@${offset}`;
    };
    return calls;
  }

  /** Row kinds for building and checking a column: in memory (with its id) or located (source and offset). */
  type Spec = { memory: string | null } | { source: LineSource; offset: number };

  function build(specs: Spec[]): RequestIdColumn {
    const column = new RequestIdColumn();
    const ascii = Buffer.from('xx-ascii-id-yy');
    for (const spec of specs) {
      if ('source' in spec) {
        column.pushAt(spec.source, spec.offset);
      } else if (spec.memory === null) {
        column.pushMissing(1);
      } else if (spec.memory === 'ascii-id') {
        column.pushAscii(ascii, 3, 11);
      } else {
        column.push(spec.memory);
      }
    }
    return column;
  }

  function expectRows(column: RequestIdColumn, specs: Spec[]): void {
    const calls = recordingLookup(column);
    expect(column.length).toBe(specs.length);
    const expectedCalls: Array<[LineSource, number, number]> = [];
    specs.forEach((spec, row) => {
      if ('source' in spec) {
        expect(column.get(row)).toBe(`${spec.source.path}@${spec.offset}`);
        expectedCalls.push([spec.source, spec.offset, row]);
      } else {
        expect(column.get(row)).toBe(spec.memory);
      }
    });
    expect(calls).toEqual(expectedCalls);
    // The very source objects, not copies: the reader updates them in place.
    calls.forEach(([source], i) => expect(source).toBe(expectedCalls[i][0]));
    expect(column.unavailable).toBe(0);
  }

  /** In-memory rows, then located rows of a and b (interleaved, offsets going back), then in-memory again. */
  const mixed: Spec[] = [
    { memory: 'm0' },
    { memory: null },
    { memory: 'ascii-id' },
    { source: a, offset: 0 },
    { source: a, offset: 120 },
    { source: a, offset: 250 },
    { memory: 'ré-"q"' },
    { source: b, offset: 7 },
    { source: b, offset: 100_000 },
    { source: a, offset: 380 },
    { source: a, offset: 60 }, // before the segment's start: a new segment
    { memory: 'm11' },
    { memory: null },
    { source: b, offset: 3_000_000_000 },
    { source: b, offset: 3_000_000_100 },
    { memory: 'm15' },
  ];

  it('get: in-memory rows from memory, located rows from the lookup with (source, absolute offset, row)', () => {
    expectRows(build(mixed), mixed);
  });

  it('get outside the rows is null and asks nothing', () => {
    const column = build(mixed);
    const calls = recordingLookup(column);
    expect(column.get(-1)).toBeNull();
    expect(column.get(mixed.length)).toBeNull();
    expect(calls).toEqual([]);
    expect(column.unavailable).toBe(0);
  });

  it('an id the lookup cannot read back (undefined) is null and counted; a null id is not counted', () => {
    const column = build(mixed);
    column.lookup = (source, offset) => (source === a ? undefined : offset === 7 ? null : 'x');
    expect(column.get(3)).toBeNull();
    expect(column.get(4)).toBeNull();
    expect(column.unavailable).toBe(2);
    expect(column.get(7)).toBeNull(); // a line without an id
    expect(column.get(8)).toBe('x');
    expect(column.get(0)).toBe('m0');
    expect(column.unavailable).toBe(2);
  });

  it('without a lookup, located rows are unavailable; in-memory rows are not', () => {
    const column = build(mixed);
    expect(column.get(3)).toBeNull();
    expect(column.get(0)).toBe('m0');
    expect(column.unavailable).toBe(1);
  });

  it.each([0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 100])('dropFront(%i)', (count) => {
    const column = build(mixed);
    column.dropFront(count);
    expectRows(column, mixed.slice(Math.min(count, mixed.length)));
  });

  it('dropFront in steps, with appends in between: both kinds still read back', () => {
    const column = build(mixed);
    let specs = [...mixed];
    for (const step of [2, 3, 4]) {
      column.dropFront(step);
      specs = specs.slice(step);
      const more: Spec[] = [
        { memory: `after-${step}` },
        { source: a, offset: 1000 + step },
        { source: a, offset: 2000 + step },
        { memory: null },
      ];
      for (const spec of more) {
        if ('source' in spec) {
          column.pushAt(spec.source, spec.offset);
        } else {
          column.push(spec.memory);
        }
      }
      specs.push(...more);
      expectRows(column, specs);
    }
  });

  it('dropFront of all rows, then new rows of both kinds', () => {
    const column = build(mixed);
    column.dropFront(mixed.length);
    expect(column.length).toBe(0);
    expect(column.get(0)).toBeNull();
    const specs: Spec[] = [
      { source: b, offset: 3_000_000_200 }, // the last segment's source, after its rows are gone
      { memory: 'new' },
      { source: a, offset: 5 },
    ];
    for (const spec of specs) {
      if ('source' in spec) {
        column.pushAt(spec.source, spec.offset);
      } else {
        column.push(spec.memory);
      }
    }
    expectRows(column, specs);
  });

  it('dropFront over many rows and segments keeps the in-memory ids in step', () => {
    const specs: Spec[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = Math.floor(i / 7) % 3;
      specs.push(
        kind === 0 ? { memory: `mem${i}` } : { source: kind === 1 ? a : b, offset: i * 100 + (kind === 2 ? 1 : 0) }
      );
    }
    const column = build(specs);
    let rest = specs;
    for (const count of [1, 6, 7, 13, 500, 1234]) {
      column.dropFront(count);
      rest = rest.slice(count);
      expectRows(column, rest);
    }
  });

  it('trim keeps every value', () => {
    const column = build(mixed);
    column.trim();
    expectRows(column, mixed);
    column.push('later');
    column.pushAt(a, 9999);
    expectRows(column, [...mixed, { memory: 'later' }, { source: a, offset: 9999 }]);
  });

  it('located rows cost about 4 bytes each', () => {
    const column = new RequestIdColumn();
    const rows = 100_000;
    for (let i = 0; i < rows; i++) {
      column.pushAt(a, i * 250);
    }
    column.trim();
    expect(column.byteLength).toBeGreaterThanOrEqual(4 * rows);
    expect(column.byteLength).toBeLessThan(4 * rows + 1024);
    const calls = recordingLookup(column);
    expect(column.get(77_777)).toBe(`${a.path}@${77_777 * 250}`);
    expect(calls).toEqual([[a, 77_777 * 250, 77_777]]);
  });
});

describe('LogReader: ids read back from the files', () => {
  it('a plain file', async () => {
    const expected = new Map<number, string | null>();
    writeFileSync(path.join(dir, 'app.log'), lines(0, 200, expected, 'req-'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expectIds(reader.store, expected);
    // Read again, in reverse order (each row before the cached block's start).
    const latency = reader.store.numberColumn('latency_ms')!;
    for (let row = reader.store.length - 1; row >= 0; row--) {
      expect(requestIds(reader.store).get(row)).toBe(expected.get(latency.get(row)));
    }
    expect(requestIds(reader.store).unavailable).toBe(0);
  });

  it('rows from a file keep only offsets, rows appended directly keep their id in memory', async () => {
    const expected = new Map<number, string | null>();
    writeFileSync(path.join(dir, 'app.log'), lines(0, 10, expected));
    const reader = new LogReader([dir]);
    await reader.refresh();
    // A row appended with no line source (null: not from a file) keeps its id in memory.
    reader.store.lineSource = null;
    reader.store.append(Date.parse(stamp(10)) * 1000, false, { model: 'm', latency_ms: 10, request_id: 'mem-10' });
    expected.set(10, 'mem-10');
    const lookups: number[] = [];
    const ids = requestIds(reader.store);
    const original = ids.lookup!;
    ids.lookup = (source, offset, row) => {
      lookups.push(row);
      return original(source, offset, row);
    };
    expectIds(reader.store, expected);
    expect(lookups).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('escaped, non-ASCII, numeric, boolean, object, missing and null ids', async () => {
    const cases: Array<[string | undefined, string | null]> = [
      ['"r\\u00e9-\\"q\\""', 'ré-"q"'],
      ['"ид-1 ✓"', 'ид-1 ✓'],
      ['"tab\\there"', 'tab\there'],
      ['12345', '12345'],
      ['1.5', '1.5'],
      ['true', 'true'],
      ['{"a": 1}', '{"a":1}'],
      [undefined, null],
      ['null', null],
      ['""', ''],
      ['"plain-ascii"', 'plain-ascii'],
      ['"0b6b3c3e-8a41-4f3c-9d2e-1a2b3c4d5e6f"', '0b6b3c3e-8a41-4f3c-9d2e-1a2b3c4d5e6f'],
    ];
    const expected = new Map<number, string | null>();
    let content = '';
    cases.forEach(([idJson, id], n) => {
      content += line(n, { idJson }) + '\n';
      expected.set(n, id);
    });
    writeFileSync(path.join(dir, 'app.log'), content);
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(reader.store.skippedTotal()).toBe(0);
    expectIds(reader.store, expected);
  });

  it('a file with a BOM and CRLF line ends', async () => {
    const expected = new Map<number, string | null>();
    const content = lines(0, 20, expected).replace(/\n/g, '\r\n');
    writeFileSync(path.join(dir, 'win.log'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content)]));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(reader.store.skippedTotal()).toBe(0);
    expectIds(reader.store, expected);
  });

  it('appended lines, read in several refreshes', async () => {
    const expected = new Map<number, string | null>();
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(0, 5, expected));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expectIds(reader.store, expected);
    appendFileSync(log, lines(5, 12, expected));
    await reader.refresh();
    expectIds(reader.store, expected);
  });

  it('rename rotation: app.log → app.log.1, a new app.log', async () => {
    const expected = new Map<number, string | null>();
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(0, 30, expected, 'old-'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    const oldRows = reader.store.length;
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(30, 50, expected, 'new-'));
    await reader.refresh();
    expect(reader.store.length).toBe(50);
    expectIds(reader.store, expected);
    expect(oldRows).toBe(30);
  });

  it('rename rotation, then the rotated file gzipped: the old rows read back from the archive', async () => {
    const expected = new Map<number, string | null>();
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(0, 25, expected, 'old-'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(25, 30, expected, 'new-'));
    await reader.refresh();
    writeFileSync(`${log}.1.gz`, gzipSync(readFileSync(`${log}.1`)));
    unlinkSync(`${log}.1`);
    await reader.refresh();
    expect(reader.store.length).toBe(30);
    expectIds(reader.store, expected);
  });

  it('retention drops the oldest rows: the rest still read back, and rows read later too', async () => {
    const expected = new Map<number, string | null>();
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(0, 100, expected));
    const reader = new LogReader([dir]);
    await reader.refresh();
    reader.store.dropFront(37);
    for (let n = 0; n < 37; n++) {
      expected.delete(n);
    }
    expectIds(reader.store, expected);
    appendFileSync(log, lines(100, 120, expected));
    await reader.refresh();
    reader.store.dropFront(50);
    for (let n = 37; n < 87; n++) {
      expected.delete(n);
    }
    expectIds(reader.store, expected);
  });

  it('copy-truncate, then the copy gzipped: the old rows read back from the copy, then from the archive', async () => {
    const expected = new Map<number, string | null>();
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(0, 40, expected, 'first-'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expectIds(reader.store, expected);

    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(40, 45, expected, 'second-'));
    await reader.refresh();
    expect(reader.store.length).toBe(45);
    expectIds(reader.store, expected);

    writeFileSync(`${log}.1.gz`, gzipSync(readFileSync(`${log}.1`)));
    unlinkSync(`${log}.1`);
    appendFileSync(log, lines(45, 50, expected, 'third-'));
    await reader.refresh();
    expect(reader.store.length).toBe(50);
    expectIds(reader.store, expected);
  });

  it('copy-truncate with lines written to the file after the last read: those come from the copy', async () => {
    const expected = new Map<number, string | null>();
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(0, 10, expected));
    const reader = new LogReader([dir]);
    await reader.refresh();
    appendFileSync(log, lines(10, 15, expected)); // not read before the rotation
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(15, 18, expected, 'n'));
    await reader.refresh();
    expectIds(reader.store, expected);
  });

  it('a .gz file read directly', async () => {
    const expected = new Map<number, string | null>();
    const content = lines(0, 60, expected, 'gz-');
    // The last line without a newline: an archive's last line counts.
    writeFileSync(path.join(dir, 'old.log.gz'), gzipSync(content + line(60, { idJson: '"last"' })));
    expected.set(60, 'last');
    const reader = new LogReader([dir]);
    await reader.refresh();
    expectIds(reader.store, expected);
  });

  it('a field map: the id is read back from the mapped field, not from a field named request_id', async () => {
    const expected = new Map<number, string | null>();
    let content = '';
    for (let n = 0; n < 10; n++) {
      content += line(n, { idJson: JSON.stringify(`mapped-${n}`), idField: 'req', extra: '"request_id": "decoy"' });
      content += '\n';
      expected.set(n, `mapped-${n}`);
    }
    writeFileSync(path.join(dir, 'app.log'), content);
    const reader = new LogReader([dir], { fieldMap: { request_id: 'req' } });
    await reader.refresh();
    expectIds(reader.store, expected);
    expect(reader.store.stringColumn('request_id_original')?.get(0)).toBe('decoy');
  });

  it('many lines in file order (several 16 KiB blocks), then scattered', async () => {
    const expected = new Map<number, string | null>();
    let content = '';
    for (let n = 0; n < 5000; n++) {
      const id = `id-${n}-${'abcdefghij'[n % 10]}`;
      let text = line(n, { idJson: JSON.stringify(id), extra: '"pad": ""' });
      text = line(n, { idJson: JSON.stringify(id), extra: `"pad": "${'p'.repeat(299 - text.length)}"` });
      expect(text.length).toBe(299);
      content += text + '\n';
      expected.set(n, id);
    }
    expect(content.length).toBe(5000 * 300);
    writeFileSync(path.join(dir, 'app.log'), content);
    const reader = new LogReader([dir]);
    await reader.refresh();
    expectIds(reader.store, expected);
    const latency = reader.store.numberColumn('latency_ms')!;
    for (let row = 17; row < reader.store.length; row += 1031) {
      expect(requestIds(reader.store).get(row)).toBe(expected.get(latency.get(row)));
    }
    expect(requestIds(reader.store).unavailable).toBe(0);
  });

  it.each([20_000, 40_000, 200_000])('a line of about %i bytes is read back exactly', async (size) => {
    const expected = new Map<number, string | null>();
    const long = line(1, { idJson: '"the-long-one"', extra: `"note": "${'é'.repeat(size / 2)}"` });
    expected.set(1, 'the-long-one');
    const content = `${line(0, { idJson: '"before"' })}\n${long}\n${line(2, { idJson: '"after"' })}\n`;
    expected.set(0, 'before');
    expected.set(2, 'after');
    writeFileSync(path.join(dir, 'app.log'), content);
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(Buffer.byteLength(long)).toBeGreaterThan(size);
    // The long row first (nothing cached), then all of them.
    expect(requestIds(reader.store).get(1)).toBe('the-long-one');
    expectIds(reader.store, expected);
  });

  it('a long line as the last line of a plain file', async () => {
    const expected = new Map<number, string | null>();
    const content = `${line(0, { idJson: '"a"' })}\n${line(1, { idJson: '"b"', extra: `"x": "${'y'.repeat(70_000)}"` })}\n`;
    expected.set(0, 'a');
    expected.set(1, 'b');
    writeFileSync(path.join(dir, 'app.log'), content);
    const reader = new LogReader([dir]);
    await reader.refresh();
    expectIds(reader.store, expected);
  });
});

describe('LogReader: a path taken by another file is not mistaken for the old one', () => {
  it('ids read just before a rename rotation: the new file at the old path gives its own ids', async () => {
    // Same timestamps in both files: only the file, not the time check, can tell the lines apart.
    const log = path.join(dir, 'app.log');
    const same = (prefix: string): string =>
      Array.from({ length: 5 }, (_, i) => line(0, { idJson: JSON.stringify(`${prefix}${i}`) }) + '\n').join('');
    writeFileSync(log, same('a'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    const ids = requestIds(reader.store);
    expect(ids.get(0)).toBe('a0'); // caches a block of app.log
    renameSync(log, `${log}.1`);
    writeFileSync(log, same('b'));
    await reader.refresh();
    expect([5, 6, 7, 8, 9].map((row) => ids.get(row))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect([0, 1, 2, 3, 4].map((row) => ids.get(row))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(ids.unavailable).toBe(0);
  });

  it('a line parsed as text after lines from a file keeps its id in memory', async () => {
    const expected = new Map<number, string | null>();
    writeFileSync(path.join(dir, 'app.log'), lines(0, 3, expected));
    const reader = new LogReader([dir]);
    await reader.refresh();
    const store = reader.store;
    store.append(Date.UTC(2026, 10, 27, 11) * 1000, false, { model: 'm', latency_ms: 99, request_id: 'mem-1' });
    expect(requestIds(store).get(3)).toBe('mem-1');
    expect(requestIds(store).unavailable).toBe(0);
  });
});

describe('LogReader: ids that are gone are reported, never wrong', () => {
  it('a deleted file: its rows are null and counted, other files still read back', async () => {
    const expected = new Map<number, string | null>();
    writeFileSync(path.join(dir, 'a.log'), lines(0, 10, expected, 'a'));
    writeFileSync(path.join(dir, 'b.log'), lines(10, 25, expected, 'b'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expectIds(reader.store, expected);

    unlinkSync(path.join(dir, 'b.log'));
    const bRows = new Set(Array.from({ length: 15 }, (_, i) => 10 + i));
    for (let n = 10; n < 25; n++) {
      expected.set(n, null);
    }
    // Before the reader notices, and after.
    for (const refresh of [false, true]) {
      if (refresh) {
        await reader.refresh();
      }
      const before = requestIds(reader.store).unavailable;
      expect(idsByLatency(reader.store)).toEqual(expected);
      expect(requestIds(reader.store).unavailable - before).toBe(bRows.size);
    }
    expect(rowsOfLatencies(reader.store, bRows)).toHaveLength(15);
  });

  it('a file rewritten in place, same lengths and offsets, other times: the time check rejects every line', async () => {
    const log = path.join(dir, 'app.log');
    const written = new Map<number, string | null>();
    const original = lines(0, 20, written, 'r');
    writeFileSync(log, original);
    const reader = new LogReader([dir]);
    await reader.refresh();

    let rewritten = '';
    for (let n = 0; n < 20; n++) {
      rewritten += line(n, { idJson: JSON.stringify(`w${n}`), shift: 3600 }) + '\n';
    }
    expect(Buffer.byteLength(rewritten)).toBe(Buffer.byteLength(original));
    writeFileSync(log, rewritten);
    // No refresh: the reader still takes the file for the one it read.
    const got = idsByLatency(reader.store);
    expect([...got.values()]).toEqual(new Array(20).fill(null));
    expect(requestIds(reader.store).unavailable).toBe(20);
  });

  it('a file rewritten in place after its ids were read: rejected once the cached block is stale', async () => {
    const log = path.join(dir, 'app.log');
    const expected = new Map<number, string | null>();
    writeFileSync(log, lines(0, 20, expected, 'r'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    let now = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    expectIds(reader.store, expected);

    let rewritten = '';
    for (let n = 0; n < 20; n++) {
      rewritten += line(n, { idJson: JSON.stringify(`w${n}`), shift: -60 }) + '\n';
    }
    writeFileSync(log, rewritten);
    now += 10_000;
    const got = idsByLatency(reader.store);
    expect([...got.values()]).toEqual(new Array(20).fill(null));
    expect(requestIds(reader.store).unavailable).toBe(20);
  });

  it('a file truncated without a copy: its old rows are unavailable, its new rows read back', async () => {
    const log = path.join(dir, 'app.log');
    const expected = new Map<number, string | null>();
    writeFileSync(log, lines(0, 10, expected, 'old'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    truncateSync(log, 0);
    appendFileSync(log, lines(10, 13, expected, 'new'));
    await reader.refresh();
    const got = idsByLatency(reader.store);
    for (let n = 0; n < 13; n++) {
      expect(got.get(n)).toBe(n < 10 ? null : `new${n}`);
    }
    expect(requestIds(reader.store).unavailable).toBe(10);
  });
});

/** A field's values in a DataFrameJSON frame. */
function frameValues(frame: DataFrameJSON, name: string): unknown[] {
  const index = frame.schema!.fields.findIndex((f) => f.name === name);
  expect(index).toBeGreaterThanOrEqual(0);
  return frame.data!.values[index];
}

describe('the notice of ids shown empty', () => {
  it('a logs query over rows whose file is gone says so on its first frame', async () => {
    const expected = new Map<number, string | null>();
    writeFileSync(path.join(dir, 'keep.log'), lines(0, 4, expected, 'k'));
    writeFileSync(path.join(dir, 'gone.log'), lines(4, 10, expected, 'g'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    unlinkSync(path.join(dir, 'gone.log'));
    await reader.refresh();

    const frames = runQuery(reader.store, { refId: 'A', queryType: 'logs' }, { range: {} });
    const notices = frames[0].schema!.meta!.notices ?? [];
    const notice = notices.find((n) => /request id/.test(n.text));
    expect(notice).toBeDefined();
    expect(notice!.text).toMatch(/^6 request ids shown empty/);
    const ids = frameValues(frames[0], 'request_id');
    const latencies = frameValues(frames[0], 'latency_ms') as number[];
    latencies.forEach((n, i) => expect(ids[i]).toBe(n < 4 ? `k${n}` : null));
  });

  it('counts only the ids of this query: a query that reads no ids has no such notice', async () => {
    writeFileSync(path.join(dir, 'gone.log'), lines(0, 5, new Map()));
    const reader = new LogReader([dir]);
    await reader.refresh();
    unlinkSync(path.join(dir, 'gone.log'));
    const first = analyseWithNotices(reader.store, { queryType: 'logs' }, { range: {} });
    expect(first.notices.map((n) => n.text)).toContainEqual(expect.stringMatching(/^5 request ids shown empty/));
    const second = analyseWithNotices(reader.store, { queryType: 'summary' }, { range: {} });
    expect(second.notices.filter((n) => /request id/.test(n.text))).toEqual([]);
    const limited = analyseWithNotices(reader.store, { queryType: 'logs', limit: 1 }, { range: {} });
    expect(limited.notices.map((n) => n.text)).toContainEqual(expect.stringMatching(/^1 request id shown empty/));
  });

  it('no notice when every id is available', async () => {
    const expected = new Map<number, string | null>();
    writeFileSync(path.join(dir, 'app.log'), lines(0, 8, expected, 'ok'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    const frames = runQuery(reader.store, { refId: 'B', queryType: 'logs' }, { range: {} });
    const notices = frames[0].schema?.meta?.notices ?? [];
    expect(notices.filter((n) => /request id/.test(n.text))).toEqual([]);
    const ids = frameValues(frames[0], 'request_id');
    const latencies = frameValues(frames[0], 'latency_ms') as number[];
    expect(latencies).toHaveLength(8);
    latencies.forEach((n, i) => expect(ids[i]).toBe(`ok${n}`));
    expect(requestIds(reader.store).unavailable).toBe(0);
  });
});
