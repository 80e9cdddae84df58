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
import { LiveLogs } from './live';
import { LogReader } from './reader';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'live-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A request line whose request_id says which line it is. */
const line = (n: number) =>
  `{"timestamp": "2026-11-27T10:00:${String(n % 60).padStart(2, '0')}.${String(n).padStart(6, '0')}", "request_id": "r${n}", "model": "m", "latency_ms": ${n}.5, "status": "success"}\n`;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i)).join('');

/** The request ids in the store, sorted: each line must be there exactly once. */
function ids(reader: LogReader): number[] {
  const column = reader.store.stringColumn('request_id')!;
  return Array.from({ length: reader.store.length }, (_, i) => Number(column.get(i)!.slice(1))).sort((a, b) => a - b);
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('rotation: no line lost, none counted twice', () => {
  it('rename: the renamed file is read to its end, the new one from its start', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(1, 3));
    const reader = new LogReader([dir]);
    await reader.refresh();
    appendFileSync(log, line(4)); // written, not yet read, when the file is rotated
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(5, 6));
    await reader.refresh();
    expect(ids(reader)).toEqual(range(1, 6));
    await reader.refresh();
    expect(ids(reader)).toEqual(range(1, 6));
  });

  it('rename, then the rotated file is gzipped: the archive is not read again', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(1, 3));
    const reader = new LogReader([dir]);
    await reader.refresh();
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(4, 5));
    await reader.refresh();
    writeFileSync(`${log}.1.gz`, gzipSync(readFileSync(`${log}.1`)));
    unlinkSync(`${log}.1`);
    await reader.refresh();
    expect(ids(reader)).toEqual(range(1, 5));
  });

  it('rename and gzip between two reads: only the lines not read yet are taken from the archive', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(1, 3));
    const reader = new LogReader([dir]);
    await reader.refresh();
    appendFileSync(log, lines(4, 5));
    writeFileSync(`${log}.1.gz`, gzipSync(readFileSync(log)));
    unlinkSync(log);
    writeFileSync(log, lines(6, 6));
    await reader.refresh();
    expect(ids(reader)).toEqual(range(1, 6));
  });

  it('copy-truncate: the copy continues where the file was left, the truncated file starts over', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(1, 3));
    const reader = new LogReader([dir]);
    await reader.refresh();
    appendFileSync(log, line(4));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(5, 7)); // grows past the old offset before the next read
    await reader.refresh();
    expect(ids(reader)).toEqual(range(1, 7));
    expect(reader.store.skipped).toEqual({});
  });

  it('copy-truncate with a copy that is listed after the live file', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(1, 3));
    const reader = new LogReader([dir]);
    await reader.refresh();
    appendFileSync(log, line(4));
    copyFileSync(log, path.join(dir, 'zz-archive-2026-11-27.log'));
    truncateSync(log, 0);
    appendFileSync(log, line(5));
    await reader.refresh();
    expect(ids(reader)).toEqual(range(1, 5));
  });

  it('a file replaced by a new one with the same name is read from its start', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, lines(1, 3));
    const reader = new LogReader([dir]);
    await reader.refresh();
    unlinkSync(log);
    writeFileSync(log, lines(10, 14));
    await reader.refresh();
    expect(reader.store.length).toBe(8);
    // The old file is gone, and with it the ids of its rows (read back from the files, not kept in memory):
    // they come back empty and are counted; the rows themselves stay.
    const column = reader.store.requestIds!;
    const got = Array.from({ length: 8 }, (_, row) => column.get(row));
    expect(got).toEqual([null, null, null, ...range(10, 14).map((i) => `r${i}`)]);
    expect(column.unavailable).toBe(3);
  });

  it('a partial last line is read once it is finished', async () => {
    const log = path.join(dir, 'app.log');
    const full = line(2);
    writeFileSync(log, line(1) + full.slice(0, 30));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(ids(reader)).toEqual([1]);
    appendFileSync(log, full.slice(30));
    await reader.refresh();
    expect(ids(reader)).toEqual([1, 2]);
    expect(reader.store.skipped).toEqual({});
  });
});

describe('retention', () => {
  it('keeps at most N rows, the oldest leaving first', async () => {
    writeFileSync(path.join(dir, 'app.log'), lines(1, 10));
    const live = new LiveLogs([dir], {}, { watch: false, retentionRows: 4 });
    await live.refresh();
    expect(ids(live.reader)).toEqual(range(7, 10));
    expect(live.store.expired).toBe(6);
  });

  it('keeps only requests within the age of the newest', async () => {
    writeFileSync(path.join(dir, 'app.log'), lines(1, 10)); // one second apart: 10:00:01 ... 10:00:10
    const live = new LiveLogs([dir], {}, { watch: false, retentionMs: 3000 });
    await live.refresh();
    // Newest 10:00:10.000010; cutoff 10:00:07.000010: line 7 (10:00:07.000007) is older.
    expect(ids(live.reader)).toEqual(range(8, 10));
  });
});

describe('live following', () => {
  it('makes an appended line visible within a second, line after line', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, line(1));
    const live = new LiveLogs([dir]);
    await live.start();
    try {
      const delays: number[] = [];
      for (let n = 2; n <= 6; n++) {
        const written = Date.now();
        appendFileSync(log, line(n));
        while (live.store.length < n && Date.now() - written < 3000) {
          await new Promise((r) => setTimeout(r, 10));
        }
        delays.push(Date.now() - written);
      }
      expect(live.store.length).toBe(6);
      expect(Math.max(...delays)).toBeLessThan(1000);
    } finally {
      await live.stop();
    }
  });

  it('picks up a new file appearing in a watched directory', async () => {
    writeFileSync(path.join(dir, 'a.log'), line(1));
    const live = new LiveLogs([dir], {}, { pollIntervalMs: 100 });
    await live.start();
    try {
      writeFileSync(path.join(dir, 'b.log'), line(2));
      const started = Date.now();
      while (live.store.length < 2 && Date.now() - started < 3000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(ids(live.reader)).toEqual([1, 2]);
    } finally {
      await live.stop();
    }
  });
});
