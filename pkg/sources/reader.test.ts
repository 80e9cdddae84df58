import fs from 'fs';
import os from 'os';
import path from 'path';
import { gzipSync } from 'zlib';
import { storeSnapshot } from '../../test/support/test-store';
import { DictionaryColumn } from '../store/columns';
import { Store } from '../store/store';
import { expandPaths, isGzip, LOG_FILE_PATTERN, SourceError } from './files';
import { loadLogs } from './load';
import { LineParser } from './parse-line';
import { LogReader, ReadProgress } from './reader';

// 2026-11-27T15:03:15Z in µs: day 20784 since the epoch, + 54_195 s.
const T0 = 1_795_791_795_000_000;
const CHUNK = 1 << 20;

/** One json.dumps line (no line end); `i` makes the request id and the seconds distinct. */
function line(i: number, extra: Record<string, string | number> = {}): string {
  const seconds = String(i % 60).padStart(2, '0');
  const fields: Record<string, string | number> = {
    timestamp: `2026-11-27T15:03:${seconds}.000000`,
    request_id: `r${i}`,
    model: 'm',
    latency_ms: 10 + i,
    batch_size: 8,
    status: 'success',
    gpu_util: 71.2,
    memory_used_gb: 17.9,
    ...extra,
  };
  return `{${Object.entries(fields)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** Lines [from, to) each ending in \n. */
function lines(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    out += line(i) + '\n';
  }
  return out;
}

function requestIds(store: Store): Array<string | null> {
  const column = store.stringColumn('request_id');
  if (!column) {
    throw new Error('no request_id column');
  }
  const out: Array<string | null> = [];
  for (let row = 0; row < store.length; row++) {
    out.push(column.get(row));
  }
  return out;
}

function latencies(store: Store): number[] {
  const column = store.numberColumn('latency_ms');
  if (!column) {
    throw new Error('no latency_ms column');
  }
  return Array.from(column.values());
}

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ila-reader-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

describe('LogReader: one plain file', () => {
  it('reads every line, and bytesRead is the file size', async () => {
    const content = lines(0, 5);
    const file = write('app.log', content);
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(5);
    expect(requestIds(reader.store)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(latencies(reader.store)).toEqual([10, 11, 12, 13, 14]);
    expect(reader.store.time.get(3)).toBe(T0 - 15_000_000 + 3_000_000); // 15:03:03
    expect(reader.bytesRead).toBe(Buffer.byteLength(content));
  });

  it('loadLogs reads into a new store', async () => {
    const file = write('app.log', lines(0, 3));
    const store = await loadLogs([file]);
    expect(store.length).toBe(3);
    expect(store.skippedTotal()).toBe(0);
  });

  it('passes the config to the parser', async () => {
    const file = write('other.log', '{"ts": 1795791795, "name": "x", "duration": 5, "status": "DONE"}\n');
    const store = await loadLogs([file], {
      fieldMap: { timestamp: 'ts', model: 'name', latency_ms: 'duration' },
      successStatuses: ['done'],
    });
    expect(store.length).toBe(1);
    expect(store.time.get(0)).toBe(T0);
    expect(store.stringColumn('model')?.get(0)).toBe('x');
    expect(store.errors.values()[0]).toBe(0);
  });

  it('reports progress, the last report having all rows and bytes', async () => {
    const content = lines(0, 4);
    const file = write('app.log', content);
    const reports: ReadProgress[] = [];
    await loadLogs([file], {}, (p) => reports.push({ ...p }));
    expect(reports.length).toBeGreaterThan(0);
    expect(reports[reports.length - 1]).toEqual({ bytes: Buffer.byteLength(content), rows: 4 });
  });

  it('CRLF line ends and a UTF-8 BOM at the start are fine', async () => {
    const content = '\uFEFF' + line(0) + '\r\n' + line(1) + '\r\n' + line(2) + '\r\n';
    const file = write('win.log', content);
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(3);
    expect(reader.store.skipped).toEqual({});
    expect(requestIds(reader.store)).toEqual(['r0', 'r1', 'r2']);
    expect(reader.bytesRead).toBe(Buffer.byteLength(content));
  });

  it('blank lines are ignored, bad lines counted', async () => {
    const file = write('app.log', `\n${line(0)}\n\n   \nnot json\n[1,2]\n\r\n${line(1)}\n\n`);
    const store = await loadLogs([file]);
    expect(store.length).toBe(2);
    expect(store.skipped).toEqual({ invalid_json: 1, not_an_object: 1 });
  });

  it('a line longer than 1 MiB in a file is counted once and the lines around it are kept', async () => {
    const long = line(1, { pad: 'x'.repeat(CHUNK + 100) });
    const file = write('app.log', `${line(0)}\n${long}\n${line(2)}\n`);
    const store = await loadLogs([file]);
    expect(store.length).toBe(2);
    expect(store.skipped).toEqual({ line_too_long: 1 });
    expect(requestIds(store)).toEqual(['r0', 'r2']);
  });
});

describe('LogReader: following a growing file', () => {
  it('an unterminated last line is not a record until it is finished', async () => {
    const file = write('app.log', lines(0, 2));
    const partial = line(2);
    const cut = 30;
    fs.appendFileSync(file, partial.slice(0, cut));
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(2);
    expect(reader.store.skippedTotal()).toBe(0);
    const afterFirst = reader.bytesRead;
    expect(afterFirst).toBe(Buffer.byteLength(lines(0, 2)));

    // still unfinished: nothing new
    await reader.refresh();
    expect(reader.store.length).toBe(2);
    expect(reader.store.skippedTotal()).toBe(0);

    // the writer finishes the line
    fs.appendFileSync(file, partial.slice(cut) + '\n');
    await reader.refresh();
    expect(reader.store.length).toBe(3);
    expect(reader.store.skippedTotal()).toBe(0);
    expect(requestIds(reader.store)).toEqual(['r0', 'r1', 'r2']);
    expect(reader.bytesRead).toBe(Buffer.byteLength(lines(0, 3)));

    // and a further refresh does not count it again
    await reader.refresh();
    expect(reader.store.length).toBe(3);
  });

  it('a file that is only an unterminated line gives no rows, then exactly one', async () => {
    const file = write('app.log', line(0));
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(0);
    expect(reader.bytesRead).toBe(0);
    fs.appendFileSync(file, '\n');
    await reader.refresh();
    expect(reader.store.length).toBe(1);
    expect(reader.bytesRead).toBe(Buffer.byteLength(line(0)) + 1);
  });

  it('appended lines are read, and only they', async () => {
    const first = lines(0, 3);
    const file = write('app.log', first);
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(3);
    const before = reader.bytesRead;
    expect(before).toBe(Buffer.byteLength(first));

    const appended = lines(3, 7);
    fs.appendFileSync(file, appended);
    await reader.refresh();
    expect(reader.store.length).toBe(7);
    expect(reader.bytesRead - before).toBe(Buffer.byteLength(appended));
    expect(requestIds(reader.store)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);

    // nothing new: nothing read
    const after = reader.bytesRead;
    await reader.refresh();
    expect(reader.store.length).toBe(7);
    expect(reader.bytesRead).toBe(after);
  });

  it('extra fields of appended lines: first seen, or turned from numbers to text, in a later read', async () => {
    const parts = [
      [line(0), line(1, { host: 'h1', shard: 1 })],
      [line(2, { shard: 2, region: 'eu' }), line(3)],
      [line(4, { shard: 's-3', region: 7 }), line(5, { host: 'h2', zone: 'a' })],
    ].map((p) => p.join('\n') + '\n');
    const file = write('app.log', parts[0]);
    const reader = new LogReader([file], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    for (const part of parts.slice(1)) {
      fs.appendFileSync(file, part);
      await reader.refresh();
    }
    const full = new Store();
    const parser = new LineParser(full);
    parser.useFastPath = false;
    for (const text of parts.join('').trimEnd().split('\n')) {
      parser.parse(text);
    }
    expect(storeSnapshot(reader.store)).toEqual(storeSnapshot(full));
    expect([...reader.store.columns.keys()].slice(-4)).toEqual(['host', 'shard', 'region', 'zone']);
    expect((reader.store.stringColumn('shard') as DictionaryColumn).dictionary).toEqual([null, '1', '2', 's-3']);
  });

  it('a truncated file (copy-truncate) is read from the start', async () => {
    const file = write('app.log', lines(0, 5));
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(5);

    fs.truncateSync(file, 0);
    fs.appendFileSync(file, lines(100, 102));
    await reader.refresh();
    expect(reader.store.length).toBe(7);
    expect(requestIds(reader.store).slice(5)).toEqual(['r100', 'r101']);
  });

  it('a truncated file that has grown past the old offset again by the next refresh is read from the start', async () => {
    const file = write('app.log', lines(0, 2));
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(2);

    // copy-truncate, then the server writes more than was there before the next refresh
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, lines(100, 105));
    expect(fs.statSync(file).size).toBeGreaterThan(Buffer.byteLength(lines(0, 2)));
    await reader.refresh();
    expect(reader.store.skipped).toEqual({});
    expect(reader.store.length).toBe(7);
    expect(requestIds(reader.store).slice(2)).toEqual(['r100', 'r101', 'r102', 'r103', 'r104']);
  });

  it('copy-truncate seen truncation first, then the copy, then the copy gzipped: each line read once', async () => {
    // A read lists the folder before the copy exists and opens app.log after the truncate (found by npm run loadtest).
    const file = write('app.log', lines(0, 10));
    const reader = new LogReader([dir]);
    await reader.refresh();
    fs.appendFileSync(file, lines(10, 15));
    const content = fs.readFileSync(file);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, lines(15, 17));
    await reader.refresh();
    expect(reader.store.length).toBe(12);
    write('app.log.1', content);
    await reader.refresh();
    expect(reader.store.length).toBe(17);
    write('app.log.1.gz', gzipSync(content));
    fs.unlinkSync(path.join(dir, 'app.log.1'));
    await reader.refresh();
    expect(reader.store.length).toBe(17);
    expect(requestIds(reader.store)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 10, 11, 12, 13, 14].map((i) => `r${i}`)
    );
  });

  it('a file replaced by a new one (new inode) is read from the start', async () => {
    const file = write('app.log', lines(0, 2));
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(2);
    const oldInode = fs.statSync(file).ino;

    // a new, longer file moved into place (the old one still exists until the rename, so the inode differs)
    const replacement = path.join(dir, 'app.log.new');
    fs.writeFileSync(replacement, lines(200, 205));
    fs.renameSync(replacement, file);
    expect(fs.statSync(file).ino).not.toBe(oldInode);

    await reader.refresh();
    expect(reader.store.length).toBe(7);
    expect(requestIds(reader.store).slice(2)).toEqual(['r200', 'r201', 'r202', 'r203', 'r204']);
  });

  it('concurrent refresh() calls share one read', async () => {
    const file = write('app.log', lines(0, 50));
    const reader = new LogReader([file]);
    const a = reader.refresh();
    const b = reader.refresh();
    expect(b).toBe(a);
    await Promise.all([a, b, reader.refresh()]);
    expect(reader.store.length).toBe(50);
    expect(reader.bytesRead).toBe(Buffer.byteLength(lines(0, 50)));
    expect(new Set(requestIds(reader.store)).size).toBe(50);
  });

  it('after a shared read finishes, the next refresh reads again', async () => {
    const file = write('app.log', lines(0, 2));
    const reader = new LogReader([file]);
    await Promise.all([reader.refresh(), reader.refresh()]);
    fs.appendFileSync(file, lines(2, 3));
    await Promise.all([reader.refresh(), reader.refresh()]);
    expect(reader.store.length).toBe(3);
  });

  it('rows go into a store given to the reader', async () => {
    const store = new Store();
    const file = write('app.log', lines(0, 2));
    const reader = new LogReader([file], {}, store);
    await reader.refresh();
    expect(reader.store).toBe(store);
    expect(store.length).toBe(2);
  });
});

describe('LogReader: gzip', () => {
  it('reads a .gz file transparently, and only once', async () => {
    const content = lines(0, 6);
    const file = write('app.log.1.gz', gzipSync(Buffer.from(content)));
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(reader.store.length).toBe(6);
    expect(requestIds(reader.store)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    await reader.refresh();
    await reader.refresh();
    expect(reader.store.length).toBe(6);
  });

  it("a gz file's last line without a newline counts", async () => {
    const content = lines(0, 2) + line(2);
    const file = write('app.log.gz', gzipSync(Buffer.from(content)));
    const store = await loadLogs([file]);
    expect(store.length).toBe(3);
    expect(requestIds(store)).toEqual(['r0', 'r1', 'r2']);
  });

  it('a gz file with a single line and no newline counts', async () => {
    const file = write('one.jsonl.gz', gzipSync(Buffer.from(line(0))));
    const store = await loadLogs([file]);
    expect(store.length).toBe(1);
  });

  it('a gz file with a BOM and CRLF line ends', async () => {
    const content = '\uFEFF' + line(0) + '\r\n' + line(1) + '\r\n';
    const file = write('win.log.gz', gzipSync(Buffer.from(content)));
    const store = await loadLogs([file]);
    expect(store.length).toBe(2);
    expect(store.skipped).toEqual({});
  });

  it('a corrupt .gz (not gzip at all) is counted as corrupt_gzip_file, no crash, other files still read', async () => {
    write('bad.log.gz', Buffer.from('this is not gzip data at all\n'.repeat(10)));
    write('good.log', lines(0, 3));
    const reader = new LogReader([dir]);
    await expect(reader.refresh()).resolves.toBeUndefined();
    expect(reader.store.skipped).toEqual({ corrupt_gzip_file: 1 });
    expect(reader.store.length).toBe(3);
    // counted once per file: a second refresh does not count it again
    await reader.refresh();
    expect(reader.store.skipped).toEqual({ corrupt_gzip_file: 1 });
  });

  it('a truncated .gz is counted as corrupt_gzip_file, no crash', async () => {
    const whole = gzipSync(Buffer.from(lines(0, 200)));
    const file = write('cut.log.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    const past = new Date(Date.now() - 60_000); // not being written any more
    fs.utimesSync(file, past, past);
    const store = await loadLogs([file]);
    expect(store.skipped.corrupt_gzip_file).toBe(1);
    expect(store.length).toBeLessThan(200);
  });

  it('a large gz file (several decompressed chunks) with multi-byte text stays intact', async () => {
    let content = '';
    let bytes = 0;
    let n = 0;
    while (bytes < 3 * CHUNK) {
      const next = line(n, { model: 'модель-ü', note: '😀🚀 ü' }) + '\n';
      content += next;
      bytes += Buffer.byteLength(next);
      n++;
    }
    const file = write('big.log.gz', gzipSync(Buffer.from(content)));
    const store = await loadLogs([file]);
    expect(store.length).toBe(n);
    expect(store.skippedTotal()).toBe(0);
    const models = store.stringColumn('model');
    const notes = store.stringColumn('note');
    expect(models?.kind).toBe('string');
    expect(notes?.kind).toBe('string');
    if (models?.kind !== 'string' || notes?.kind !== 'string') {
      throw new Error('expected dictionary columns');
    }
    expect(models.dictionary).toEqual([null, 'модель-ü']);
    expect(notes.dictionary).toEqual([null, '😀🚀 ü']);
  });
});

describe('LogReader: multi-byte UTF-8 across the 1 MiB chunk boundary', () => {
  const MODEL = 'модель-ü';
  const NOTE = '😀🚀';

  /**
   * Writes a file > 1 MiB whose byte CHUNK falls `into` bytes inside the first occurrence of `char`
   * on some line (so that the first 1 MiB read ends in the middle of that character).
   */
  function fileSplitting(char: string, into: number): { file: string; rows: number } {
    const body = (i: number): string => line(i, { model: MODEL, note: NOTE });
    // every line but the first has the same length: request ids and latencies with the same digit count
    const first = (pad: number): string => line(100_000, { model: MODEL, note: NOTE, pad: 'p'.repeat(pad) }) + '\n';
    const sample = body(100_001);
    const lineBytes = Buffer.byteLength(sample) + 1;
    const charAt = Buffer.byteLength(sample.slice(0, sample.indexOf(char)));
    // want: firstBytes + k * lineBytes + charAt + into = CHUNK, for some k >= 0
    const base = Buffer.byteLength(first(0));
    const pad = (((CHUNK - into - charAt - base) % lineBytes) + lineBytes) % lineBytes;
    let content = first(pad);
    let bytes = Buffer.byteLength(content);
    let rows = 1;
    for (let i = 100_001; bytes < CHUNK + 50 * lineBytes; i++) {
      content += body(i) + '\n';
      bytes += lineBytes;
      rows++;
    }
    const buffer = Buffer.from(content);
    // check the construction: the byte at CHUNK - into starts `char`
    expect(buffer.subarray(CHUNK - into, CHUNK - into + Buffer.byteLength(char)).toString('utf8')).toBe(char);
    expect(buffer.length).toBeGreaterThan(CHUNK);
    return { file: write(`split-${into}.log`, buffer), rows };
  }

  it.each([
    ['😀', 1],
    ['😀', 2],
    ['😀', 3],
    ['м', 1],
    ['ü', 1],
  ])('%s split after %d byte(s)', async (char, into) => {
    const { file, rows } = fileSplitting(char, into);
    const reader = new LogReader([file]);
    await reader.refresh();
    const store = reader.store;
    expect(store.length).toBe(rows);
    expect(store.skippedTotal()).toBe(0);
    expect(reader.bytesRead).toBe(fs.statSync(file).size);
    const models = store.stringColumn('model');
    const notes = store.stringColumn('note');
    if (models?.kind !== 'string' || notes?.kind !== 'string') {
      throw new Error('expected dictionary columns');
    }
    expect(models.dictionary).toEqual([null, MODEL]);
    expect(notes.dictionary).toEqual([null, NOTE]);
    expect(Array.from(models.codeArray()).every((c) => c === 1)).toBe(true);
  });
});

describe('files: paths, directories, globs', () => {
  function tree(): Record<string, string> {
    const files: Record<string, string> = {
      'a.log': lines(0, 1),
      'sub/b.jsonl': lines(1, 2),
      'sub/deeper/c.ndjson': lines(2, 3),
      'd.log.1': lines(3, 4),
      'f.json': lines(5, 6),
      'g.txt': lines(6, 7),
      // not read: hidden, or not a log name
      '.hidden.log': lines(50, 51),
      '.git/x.log': lines(51, 52),
      'sub/.cache/y.log': lines(52, 53),
      'README.md': lines(53, 54),
      'data.csv': 'a,b\n1,2\n',
    };
    for (const [name, content] of Object.entries(files)) {
      write(name, content);
    }
    write('e.log.2.gz', gzipSync(Buffer.from(lines(4, 5))));
    return files;
  }

  it('LOG_FILE_PATTERN and isGzip', () => {
    for (const name of ['a.log', 'a.jsonl', 'a.ndjson', 'a.json', 'a.txt', 'a.log.1', 'a.log.12.gz', 'A.LOG', 'x.gz']) {
      expect(LOG_FILE_PATTERN.test(name)).toBe(true);
    }
    for (const name of ['a.md', 'a.csv', 'a.log.bak', 'log', 'a.logx']) {
      expect(LOG_FILE_PATTERN.test(name)).toBe(false);
    }
    expect(isGzip('/x/a.log.1.gz')).toBe(true);
    expect(isGzip('/x/A.LOG.GZ')).toBe(true);
    expect(isGzip('/x/a.log')).toBe(false);
  });

  it('a directory is read recursively, hidden files and other names skipped', async () => {
    tree();
    const files = await expandPaths([dir]);
    expect(files).toEqual(
      ['a.log', 'd.log.1', 'e.log.2.gz', 'f.json', 'g.txt', 'sub/b.jsonl', 'sub/deeper/c.ndjson'].map((f) =>
        path.join(dir, f)
      )
    );
    const store = await loadLogs([dir]);
    expect(store.length).toBe(7);
    expect(requestIds(store).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('several paths; a file named twice is read once', async () => {
    tree();
    const a = path.join(dir, 'a.log');
    const sub = path.join(dir, 'sub');
    const files = await expandPaths([a, sub, a, path.join(sub, 'b.jsonl')]);
    expect(files).toEqual([a, path.join(sub, 'b.jsonl'), path.join(sub, 'deeper', 'c.ndjson')]);
    const store = await loadLogs([a, sub, a]);
    expect(store.length).toBe(3);
  });

  it('an explicitly named file is read whatever its name', async () => {
    const file = write('server-output.dat', lines(0, 2));
    const store = await loadLogs([file]);
    expect(store.length).toBe(2);
  });

  it('a glob', async () => {
    tree();
    const files = await expandPaths([path.join(dir, '*.log*')]);
    expect(files).toEqual(['a.log', 'd.log.1', 'e.log.2.gz'].map((f) => path.join(dir, f)));
    const store = await loadLogs([path.join(dir, '**/*.{jsonl,ndjson}')]);
    expect(requestIds(store).sort()).toEqual(['r1', 'r2']);
  });

  it('a nonexistent path throws SourceError', async () => {
    const missing = path.join(dir, 'nope.log');
    await expect(expandPaths([missing])).rejects.toBeInstanceOf(SourceError);
    await expect(loadLogs([missing])).rejects.toBeInstanceOf(SourceError);
    await expect(loadLogs([missing])).rejects.toThrow(/nope\.log/);
  });

  it('a nonexistent path among existing ones still throws', async () => {
    const file = write('a.log', lines(0, 1));
    await expect(loadLogs([file, path.join(dir, 'typo.log')])).rejects.toBeInstanceOf(SourceError);
  });

  it('a glob with no match throws SourceError', async () => {
    write('a.log', lines(0, 1));
    await expect(expandPaths([path.join(dir, '*.nomatch')])).rejects.toBeInstanceOf(SourceError);
    await expect(loadLogs([path.join(dir, 'zzz*.log')])).rejects.toBeInstanceOf(SourceError);
  });

  it('no paths at all throws SourceError', async () => {
    await expect(expandPaths([])).rejects.toBeInstanceOf(SourceError);
  });

  it('a directory picks up files added later on refresh', async () => {
    write('a.log', lines(0, 2));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(reader.store.length).toBe(2);
    write('b.log', lines(2, 5));
    await reader.refresh();
    expect(reader.store.length).toBe(5);
  });
});
