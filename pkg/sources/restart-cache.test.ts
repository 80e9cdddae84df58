import fs from 'fs';
import os from 'os';
import path from 'path';
import { gzipSync } from 'zlib';
import { FORMAT_VERSION } from '../store/snapshot-file';
import { Store } from '../store/store';
import { SourceConfig } from './parse-line';
import { LogReader } from './reader';
import { backendCacheDirs, cacheFileName, RestartCache, userCacheDir } from './restart-cache';

/** One log line; `i` makes the request id, time and latency distinct. */
function line(i: number, extra: Record<string, unknown> = {}): string {
  const time = new Date(Date.UTC(2026, 10, 27, 15) + i * 1000).toISOString();
  const fields = {
    timestamp: time,
    request_id: `r${i}`,
    model: `m${i % 3}`,
    latency_ms: 10 + i / 4,
    batch_size: i % 16,
    status: i % 10 === 0 ? 'error' : 'success',
    gpu_util: 71.2,
    region: i % 2 ? 'eu' : 'us',
    ...extra,
  };
  return JSON.stringify(fields) + '\n';
}

function lines(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    out += line(i);
  }
  return out;
}

/** The rows of a store as text, sorted (a restart keeps rows in the order they were read, a full read in file order). */
function rows(store: Store): string[] {
  const out: string[] = [];
  for (let row = 0; row < store.length; row++) {
    const values = [...store.columns].map(([name, column]) => `${name}=${column.get(row)}`);
    out.push(`${store.time.get(row)} ${store.errors.values()[row]} ${values.join(' ')}`);
  }
  return out.sort();
}

/** What a full read of the logs now gives, with no cache: what a restart must answer with too. */
async function fullRead(paths: string[], config: SourceConfig = {}) {
  const reader = new LogReader(paths, config, undefined, { scanWorkers: 0 });
  await reader.refresh();
  return { rows: rows(reader.store), skipped: reader.store.skipped, fields: reader.store.fields() };
}

let dir: string;
let logs: string;
let cacheDir: string;
let log: string[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restart-cache-'));
  logs = path.join(dir, 'logs');
  cacheDir = path.join(dir, 'cache');
  fs.mkdirSync(logs);
  log = [];
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A process's start: the reader, its cache restored, the first read; `stop` writes the cache as at shutdown. */
async function start(config: SourceConfig = {}, paths = [logs]) {
  const reader = new LogReader(paths, config, undefined, { scanWorkers: 0 });
  const cache = new RestartCache(reader, { dirs: [cacheDir], paths, config, log: (l) => log.push(l) });
  await cache.restore();
  await reader.refresh();
  cache.afterRead();
  return { reader, cache, store: reader.store, stop: () => cache.close() };
}

async function expectFullRead(store: Store, paths = [logs], config: SourceConfig = {}) {
  const full = await fullRead(paths, config);
  expect(rows(store)).toEqual(full.rows);
  expect(store.skipped).toEqual(full.skipped);
  expect(store.fields()).toEqual(full.fields);
}

const app = () => path.join(logs, 'app.log');

function withFormat(bytes: Buffer, version: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32LE(version, 8);
  return copy;
}

describe('restart cache', () => {
  it('a restart restores the rows and reads only the bytes appended since; request ids read back from the files', async () => {
    fs.writeFileSync(path.join(logs, 'app.log.2.gz'), gzipSync(lines(0, 50)));
    fs.writeFileSync(app(), lines(50, 150) + 'not json\n' + line(150, { batch_size: 'big', tokens: 7 }));
    const first = await start();
    expect(first.cache.info().state).toBe('new');
    await first.stop();
    const written = first.cache.info();
    expect(written).toMatchObject({
      rows: 151,
      file: path.join(cacheDir, cacheFileName({ paths: [logs], config: {} })),
    });
    expect(written.bytes).toBe(fs.statSync(written.file).size);

    const appended = lines(151, 160) + '{"cut": ';
    fs.appendFileSync(app(), appended);
    const second = await start();
    expect(second.cache.info()).toMatchObject({ state: 'restored', restoredRows: 151 });
    // Only the new complete lines were read: not the archive, not the 151 rows before.
    expect(second.reader.bytesRead).toBe(Buffer.byteLength(lines(151, 160)));
    expect(second.store.length).toBe(160);
    await expectFullRead(second.store);
    expect(second.store.invalidValues).toEqual({ batch_size: 1 });
    const ids = second.store.stringColumn('request_id')!;
    expect([ids.get(0), ids.get(75), ids.get(159)]).toEqual(['r0', 'r75', 'r159']);
    expect(log.some((l) => l.includes('151 rows restored'))).toBe(true);

    // The unfinished line is finished later: read from where the cache left off.
    fs.appendFileSync(app(), '"x"}\n');
    await second.reader.refresh();
    expect(second.store.skipped.invalid_json).toBe(1);
  });

  it('files rotated while nothing ran (renamed, copy-truncated, gzipped) are not read again', async () => {
    const other = path.join(logs, 'other.log');
    fs.writeFileSync(app(), lines(0, 100));
    fs.writeFileSync(other, lines(1000, 1100));
    await (await start()).stop();
    // app.log renamed to app.log.1 with 5 more lines; a new app.log. other.log copy-truncated and the copy gzipped.
    fs.appendFileSync(app(), lines(100, 105));
    fs.renameSync(app(), path.join(logs, 'app.log.1'));
    fs.writeFileSync(app(), lines(105, 110));
    fs.writeFileSync(path.join(logs, 'other.log.1.gz'), gzipSync(fs.readFileSync(other)));
    fs.writeFileSync(other, lines(1100, 1102));
    const second = await start();
    expect(second.reader.bytesRead).toBe(Buffer.byteLength(lines(100, 110) + lines(1100, 1102)));
    await expectFullRead(second.store);
    const ids = second.store.stringColumn('request_id')!;
    expect([ids.get(0), ids.get(100), ids.get(199)]).toEqual(['r0', 'r1000', 'r1099']); // read back from the copies
  });

  it('a file rewritten or deleted while nothing ran: its rows are dropped, the new content read; as a full read', async () => {
    const keep = path.join(logs, 'keep.log');
    const gone = path.join(logs, 'gone.log');
    fs.writeFileSync(app(), lines(0, 100));
    fs.writeFileSync(keep, lines(200, 250));
    fs.writeFileSync(gone, lines(300, 320));
    await (await start()).stop();
    fs.writeFileSync(app(), lines(500, 510)); // truncated and rewritten in place (same inode)
    fs.rmSync(gone);
    fs.appendFileSync(keep, lines(250, 251));
    const second = await start();
    expect(second.store.length).toBe(61);
    await expectFullRead(second.store);
    expect(log.some((l) => l.includes('120 rows dropped'))).toBe(true);
    // A cache written after the drop restores the same rows.
    await second.stop();
    const third = await start();
    expect(third.cache.info()).toMatchObject({ state: 'restored', restoredRows: 61 });
    expect(third.reader.bytesRead).toBe(0);
    await expectFullRead(third.store);
  });

  it('a cache for other settings is not used: the logs are read with the new ones', async () => {
    fs.writeFileSync(app(), lines(0, 20));
    await (await start()).stop();
    const config = { fieldMap: { region: 'model' }, successStatuses: ['error'] };
    const second = await start(config);
    expect(second.cache.info().state).toBe('new');
    expect(second.reader.bytesRead).toBe(fs.statSync(app()).size);
    await expectFullRead(second.store, [logs], config);
    expect(cacheFileName({ paths: [logs], config })).not.toBe(cacheFileName({ paths: [logs], config: {} }));
    expect(cacheFileName({ paths: [logs], config: {}, retentionRows: 5 })).not.toBe(
      cacheFileName({ paths: [logs], config: {} })
    );
  });

  it.each([
    ['cut short', (bytes: Buffer) => bytes.subarray(0, bytes.length - 100), /cut short/],
    ['damaged', (bytes: Buffer) => Buffer.from(bytes).fill(0, bytes.length - 300, bytes.length - 200), /checksum/],
    ['of another format', (bytes: Buffer) => withFormat(bytes, FORMAT_VERSION + 7), /format/],
    [
      'of another version',
      (bytes: Buffer) =>
        Buffer.from(bytes.toString('latin1').replace(/"product":"[^"]*"/, '"product":"0.0.9"'), 'latin1'),
      /version 0.0.9/,
    ],
    ['not a cache at all', () => Buffer.from('garbage'), /not a cache file/],
  ])('a cache file %s is not trusted: the logs are read again, the file replaced', async (_, spoil, why) => {
    fs.writeFileSync(app(), lines(0, 40));
    const first = await start();
    await first.stop();
    const file = first.cache.info().file;
    fs.writeFileSync(file, spoil(fs.readFileSync(file)));
    const second = await start();
    expect(second.cache.info()).toMatchObject({ state: 'rebuilt', reason: expect.stringMatching(why) });
    expect(second.reader.bytesRead).toBe(fs.statSync(app()).size);
    await expectFullRead(second.store);
    expect(log.some((l) => l.includes('not used') && l.includes('reading the logs again'))).toBe(true);
    await second.stop();
    expect((await start()).cache.info().state).toBe('restored');
  });

  it('is written when a tenth more was read, not on every small append; at once when there was none; at stop', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      fs.writeFileSync(app(), lines(0, 100));
      const first = await start();
      expect(jest.getTimerCount()).toBe(1); // no cache yet: written a moment after the read
      await jest.advanceTimersByTimeAsync(2_000);
      await first.cache.flush();
      expect(first.cache.info().rows).toBe(100);
      fs.appendFileSync(app(), lines(100, 105)); // 5% more
      await first.reader.refresh();
      first.cache.afterRead();
      expect(jest.getTimerCount()).toBe(0);
      fs.appendFileSync(app(), lines(105, 112)); // 12% more in all
      await first.reader.refresh();
      first.cache.afterRead();
      expect(jest.getTimerCount()).toBe(1); // due, after the minute since the last write
      await jest.advanceTimersByTimeAsync(60_000);
      await first.cache.flush();
      expect(first.cache.info().rows).toBe(112);
      // Stopping writes whatever was read since, however little: a restart then reads nothing again.
      fs.appendFileSync(app(), lines(112, 113));
      await first.reader.refresh();
      first.cache.afterRead();
      expect(jest.getTimerCount()).toBe(0);
      await first.stop();
      expect(first.cache.info().rows).toBe(113);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a temporary file left by a stop in the middle of a write is removed; the last whole cache is used', async () => {
    fs.writeFileSync(app(), lines(0, 30));
    await (await start()).stop();
    const name = cacheFileName({ paths: [logs], config: {} });
    fs.writeFileSync(path.join(cacheDir, `${name}.4242.1.tmp`), 'half a cache');
    const run = await start();
    expect(run.cache.info()).toMatchObject({ state: 'restored', restoredRows: 30 });
    expect(fs.readdirSync(cacheDir)).toEqual([name]);
  });

  it('no usable folder: off, said once, the logs read as without it', async () => {
    fs.writeFileSync(app(), lines(0, 10));
    fs.writeFileSync(cacheDir, 'a file where the folder should be');
    const run = await start();
    expect(run.cache.info()).toMatchObject({ state: 'off', reason: expect.stringContaining(cacheDir) });
    expect(run.store.length).toBe(10);
    await run.stop();
  });
});

describe('cache folders', () => {
  it('the user cache folder: XDG_CACHE_HOME, else ~/.cache', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/inference-logs');
    expect(userCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/inference-logs');
  });

  it("the backend's: Grafana's data path, beside its plugins folder, then the user's", () => {
    const executable = '/var/lib/grafana/plugins/x/runtime/linux_amd64/ld-linux-x86-64.so.2';
    expect(backendCacheDirs({ GF_PATHS_DATA: '/data', HOME: '/h' }, executable)).toEqual([
      '/data/plugins-cache/inferencelog-analytics-datasource',
      '/var/lib/grafana/plugins-cache/inferencelog-analytics-datasource',
      '/h/.cache/inference-logs',
    ]);
    expect(backendCacheDirs({ HOME: '/h' }, '/usr/bin/node')).toEqual(['/h/.cache/inference-logs']);
  });
});
