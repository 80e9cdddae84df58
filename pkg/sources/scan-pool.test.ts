/**
 * Reading with scan workers must build exactly the store reading on one thread builds, and that the full
 * JSON.parse path builds: same rows in the same order, same dictionaries in the same order, same skips, same
 * request ids read back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { writeLogs } from '../generator/write';
import { storeSnapshot as snapshot } from '../../test/support/test-store';
import { Store } from '../store/store';
import { BatchScanner } from './line-batch';
import { LineParser, SourceConfig } from './parse-line';
import { LogReader, ReadOptions, ReadProgress } from './reader';
import { OrderedScans, ScanPool } from './scan-pool';
import { linesWithExtras } from './test-lines';

const WORKERS: ReadOptions = { scanWorkers: 2, parallelFromBytes: 0, chunkBytes: 16 << 10 };
const ONE_THREAD: ReadOptions = { scanWorkers: 0 };

async function read(
  paths: string[],
  options: ReadOptions,
  progress?: ReadProgress[],
  config: SourceConfig = {}
): Promise<Store> {
  const reader = new LogReader(paths, config, undefined, options);
  await reader.refresh((p) => progress?.push(p));
  return reader.store;
}

/** The store the full path builds from the same lines. */
function fullPath(text: string, config: SourceConfig = {}): Store {
  const store = new Store();
  const parser = new LineParser(store, config);
  parser.useFastPath = false;
  for (const line of text.replace(/^\uFEFF/, '').split('\n')) {
    parser.parse(line);
  }
  return store;
}

describe('reading with scan workers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scan-pool-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the one-thread store on generated logs: noise, mixed timestamps, extras, CRLF, BOM, gzip, rotation', async () => {
    for (const [i, options] of [
      { rows: 12_000, seed: 11, noise: 0.05, timestampStyle: 'mixed' as const, extras: true },
      { rows: 12_000, seed: 12, noise: 0.02, crlf: true, bom: true, files: 3, gzipOlder: true },
      { rows: 12_000, seed: 13, models: Array.from({ length: 300 }, (_, m) => `model-${m}`) },
    ].entries()) {
      const sub = join(dir, String(i));
      const result = await writeLogs(sub, options);
      const progress: ReadProgress[] = [];
      const parallel = await read([sub], WORKERS, progress);
      const single = await read([sub], ONE_THREAD);
      expect(parallel.length).toBe(result.rows);
      expect(snapshot(parallel)).toEqual(snapshot(single));
      // Progress is reported as batches are appended, and ends at every byte read.
      expect(progress.length).toBeGreaterThan(10);
      expect(progress[progress.length - 1].rows).toBe(parallel.length);
    }
  }, 120_000);

  it('keeps dictionary order and rows in place around lines only the full path reads', async () => {
    const fast = (model: string, extra = ''): string =>
      `{"timestamp": "2026-11-27T15:03:15.5", "model": "${model}", "latency_ms": 1.5, "status": "s-${model}"${extra}}`;
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(fast(`a${i % 7}`));
      if (i % 97 === 0) {
        // An extra field (scanned), then full-path lines: an escaped string, a number as text; new values each time.
        lines.push(fast(`x${i}`, `, "host": "h${i}"`));
        lines.push(`{"timestamp": "2026-11-27T15:03:16", "model": "e\\u00e9${i}", "latency_ms": 2}`);
        lines.push(fast(`n${i}`).replace('"latency_ms": 1.5', '"latency_ms": "3.25"'));
      }
      if (i % 101 === 0) {
        // Skipped by the scanner itself after it learned the model: missing latency.
        lines.push(`{"timestamp": "2026-11-27T15:03:17", "model": "skipped-${i}", "status": "q${i}"}`);
        lines.push('not json at all');
      }
    }
    const text = lines.join('\n') + '\n';
    const file = join(dir, 'mixed.log');
    writeFileSync(file, text);
    const parallel = await read([file], WORKERS);
    expect(snapshot(parallel)).toEqual(snapshot(await read([file], ONE_THREAD)));
    const full = snapshot(fullPath(text)) as { columns: unknown };
    const got = snapshot(parallel) as { columns: Record<string, { dictionary?: unknown; values: unknown[] }> };
    // Ids are read back from the file in one store and held in the other: compare everything but how.
    expect(got.columns.model).toEqual((full.columns as typeof got.columns).model);
    expect(got.columns.status).toEqual((full.columns as typeof got.columns).status);
    expect(got.columns.host).toEqual((full.columns as typeof got.columns).host);
    expect(parallel.skipped).toEqual({ missing_latency: 30, invalid_json: 30 });
  }, 60_000);

  it('reads extra fields (0, 3, 10 of mixed types, shuffled keys, field map) as one thread and the full path do', async () => {
    const config = { fieldMap: { latency_ms: 'duration', model: 'host' } };
    for (const [i, [extraFields, shuffle, fieldMap]] of [
      [0, false, false],
      [3, false, false],
      [10, false, false],
      [10, true, false],
      [10, true, true],
    ].entries() as Iterable<[number, [number, boolean, boolean]]>) {
      let lines = linesWithExtras({ rows: 6000, seed: 30 + i, noise: 0.02, extraFields, shuffle });
      if (fieldMap) {
        // "model" and "host" (an extra) trade places: the log's "host" is our model, its "model" an extra field.
        lines = lines.map((l) =>
          l
            .replace('"latency_ms"', '"duration"')
            .replace(/"(model|host)"/g, (_, k) => (k === 'model' ? '"host"' : '"model"'))
        );
      }
      const text = lines.join('\n') + '\n';
      const file = join(dir, `extras-${i}.log`);
      writeFileSync(file, text);
      const cfg = fieldMap ? config : {};
      const parallel = snapshot(await read([file], WORKERS, undefined, cfg));
      expect(parallel).toEqual(snapshot(await read([file], ONE_THREAD, undefined, cfg)));
      expect(parallel).toEqual(snapshot(fullPath(text, cfg)));
    }
  }, 120_000);

  it('sends values past a batch dictionary of 65,535 to the full path, with the same result', () => {
    const lines: string[] = [];
    for (let i = 0; i < 70_000; i++) {
      lines.push(`{"timestamp": ${1_795_791_795 + i}, "model": "m${i}", "latency_ms": ${i % 100}, "status": ${i}}`);
    }
    const text = lines.join('\n');
    const batch = new BatchScanner().scan(Buffer.from(text), 0, Buffer.byteLength(text), 0);
    expect(batch.models.texts.length).toBe(0xffff);
    expect(batch.fallbacks.length).toBe(70_000 - 0xffff);
    const store = new Store();
    new LineParser(store).parseBuffer(Buffer.from(text), 0, Buffer.byteLength(text), null);
    expect(snapshot(store)).toEqual(snapshot(fullPath(text)));
  }, 60_000);

  it('reads a large gzip archive with the workers', async () => {
    const sub = join(dir, 'plain');
    await writeLogs(sub, { rows: 20_000, seed: 21 });
    const plain = await read([sub], ONE_THREAD);
    const { readFileSync } = await import('fs');
    const file = join(dir, 'inference.log.1.gz');
    writeFileSync(file, gzipSync(readFileSync(join(sub, 'inference.log'))));
    const parallel = await read([file], WORKERS);
    expect(parallel.length).toBe(20_000);
    expect(snapshot(parallel)).toEqual(snapshot(plain));
  }, 60_000);

  it('a worker that stops fails the read with a clear error, and later scans fail at once', async () => {
    const pool = ScanPool.open({}, 1) as ScanPool;
    const scans = new OrderedScans(pool, { path: 'x', gzip: false }, () => undefined);
    const stopped = new Promise((resolve) =>
      (pool as unknown as { workers: Array<{ on: Function }> }).workers[0].on('exit', resolve)
    );
    await (pool as unknown as { workers: Array<{ terminate(): Promise<number> }> }).workers[0].terminate();
    await stopped;
    await expect(scans.add(Buffer.from('{}\n'), 0, 2, 0, 3).then(() => scans.drain())).rejects.toThrow(
      /a scan worker stopped/
    );
    await pool.close();
  });

  it('hands scanned buffers and appended columns back for reuse', async () => {
    const pool = ScanPool.open({}, 1) as ScanPool;
    try {
      const line = '{"timestamp": "2026-01-01T00:00:00", "model": "m", "latency_ms": 1.5}\n';
      const bytes = Buffer.from(line.repeat(50));
      const sent = pool.buffer(bytes.length);
      bytes.copy(sent);
      const batches: number[] = [];
      const scans = new OrderedScans(pool, { path: 'x', gzip: false }, (batch) => batches.push(batch.rows));
      await scans.add(sent, 0, bytes.length, 0, bytes.length);
      await scans.drain();
      expect(batches).toEqual([50]);
      // The worker returned the buffer it scanned: the next piece is read into it (same bytes still in it).
      const again = pool.buffer(bytes.length);
      expect(again.subarray(0, bytes.length).equals(bytes)).toBe(true);
      // The appended batch's columns went back to the worker: the next scan writes into them and is right.
      const next = pool.buffer(bytes.length);
      bytes.copy(next);
      const rows = await pool.scan(next, 0, bytes.length, 0);
      expect(rows.rows).toBe(50);
      expect(Array.from(rows.latency.subarray(0, 50))).toEqual(new Array(50).fill(1.5));
    } finally {
      await pool.close();
    }
  });
});
