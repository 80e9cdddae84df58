import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { gzipSync } from 'zlib';
import { describeLogs } from '../engine/describe';
import { inputNotices } from '../engine/frames';
import { Store } from '../store/store';
import { listLogFiles } from './files';
import { MAX_LINE_LENGTH } from './line-batch';
import { LogReader } from './reader';

/** Hostile files: over-long and unterminated lines, NUL-filled tails, gzip bombs, unreadable and odd files, links out. */

function line(i: number): string {
  const seconds = String(i % 60).padStart(2, '0');
  return JSON.stringify({ timestamp: `2026-11-27T15:03:${seconds}Z`, request_id: `r${i}`, model: 'm', latency_ms: i });
}

function requestIds(store: Store): Array<string | null> {
  const column = store.stringColumn('request_id')!;
  const out: Array<string | null> = [];
  for (let row = 0; row < store.length; row++) {
    out.push(column.get(row));
  }
  return out;
}

let dir: string;
let outside: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ila-hostile-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ila-outside-'));
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** The largest buffer the reader allocates for lines (on this thread, scanWorkers: 0). */
function largestAllocation(): () => number {
  let largest = 0;
  const original = Buffer.allocUnsafeSlow.bind(Buffer);
  jest.spyOn(Buffer, 'allocUnsafeSlow').mockImplementation((size: number) => {
    largest = Math.max(largest, size);
    return original(size);
  });
  return () => largest;
}

const CHUNK = 64 << 10;
const BOUND = MAX_LINE_LENGTH + CHUNK;

// Reading hundreds of MB of zeros (sparse holes, gzip bombs up to the bound) takes seconds on a busy machine.
jest.setTimeout(60_000);
describe('over-long lines are skipped while reading, never buffered whole', () => {
  it('an 8 MiB line that ends is line_too_long; memory stays within one line bound', async () => {
    const largest = largestAllocation();
    const file = write('app.log', `${line(0)}\n${'x'.repeat(8 << 20)}\n${line(2)}\n`);
    const reader = new LogReader([file], {}, undefined, { scanWorkers: 0, chunkBytes: CHUNK });
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0', 'r2']);
    expect(reader.store.skipped).toEqual({ line_too_long: 1 });
    expect(largest()).toBeLessThanOrEqual(BOUND);
  });

  it('an unterminated tail longer than the bound is not held; once it ends, reading goes on after it', async () => {
    const largest = largestAllocation();
    const file = write('app.log', `${line(0)}\n${'x'.repeat(3 << 20)}`);
    const reader = new LogReader([file], {}, undefined, { scanWorkers: 0, chunkBytes: CHUNK });
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0']);
    expect(reader.store.skipped).toEqual({ line_too_long: 1 });
    fs.appendFileSync(file, 'y'.repeat(2 << 20));
    await reader.refresh();
    fs.appendFileSync(file, `yyy\n${line(2)}\n`);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0', 'r2']);
    expect(reader.store.skipped).toEqual({ line_too_long: 1 }); // counted once
    expect(largest()).toBeLessThanOrEqual(BOUND);
  });

  it('the same with scan workers (a large first read)', async () => {
    const file = write('app.log', `${line(0)}\n${'x'.repeat(20 << 20)}\n${line(2)}\n`);
    const reader = new LogReader([file], {}, undefined, { scanWorkers: 2, parallelFromBytes: 1 << 20 });
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0', 'r2']);
    expect(reader.store.skipped).toEqual({ line_too_long: 1 });
  });
});

describe('runs of NUL bytes are skipped whole', () => {
  it("a crashed writer's NUL tail: the cut line is invalid, the run counted once, the lines after it read", async () => {
    const file = write('app.log', `${line(0)}\n{"timestamp": "2026`);
    fs.appendFileSync(file, Buffer.alloc(5000));
    fs.appendFileSync(file, `${line(1)}\n`);
    const reader = new LogReader([file], {}, undefined, { scanWorkers: 0, chunkBytes: 1024 });
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0', 'r1']);
    expect(reader.store.skipped).toEqual({ invalid_json: 1, nul_bytes: 1 });
  });

  it('a file that ends in NULs is followed on when lines are appended after them', async () => {
    const file = write('app.log', `${line(0)}\n`);
    fs.appendFileSync(file, Buffer.alloc(3000));
    const reader = new LogReader([file], {}, undefined, { scanWorkers: 0, chunkBytes: 1024 });
    await reader.refresh();
    fs.appendFileSync(file, Buffer.alloc(100));
    await reader.refresh();
    fs.appendFileSync(file, `${line(1)}\n`);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0', 'r1']);
    expect(reader.store.skipped).toEqual({ nul_bytes: 1 });
  });

  it('a 512 MB sparse hole does not stall reading: the lines after it are read', async () => {
    const file = write('app.log', `${line(0)}\n`);
    fs.truncateSync(file, fs.statSync(file).size + (512 << 20)); // sparse: no disk used
    fs.appendFileSync(file, `${line(1)}\n${line(2)}\n`);
    const reader = new LogReader([file]);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0', 'r1', 'r2']);
    expect(reader.store.skipped).toEqual({ nul_bytes: 1 });
  });
});

describe('gzip expansion is bounded', () => {
  it('a gzip of zeros stops at the bound: gzip_too_large, the lines before kept', async () => {
    const content = Buffer.concat([Buffer.from(`${line(0)}\n`), Buffer.alloc(100 << 20)]);
    const file = write('bomb.log.gz', gzipSync(content));
    expect(fs.statSync(file).size).toBeLessThan(1 << 20);
    const reader = new LogReader([file], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0']);
    expect(reader.store.skipped).toEqual({ nul_bytes: 1, gzip_too_large: 1 });
    await reader.refresh(); // counted once
    expect(reader.store.skipped).toEqual({ nul_bytes: 1, gzip_too_large: 1 });
  });
});

describe('unreadable files and folders are reported; the rest is read', () => {
  it('a file whose open fails (EACCES) is named relative to the folder, without its absolute path', async () => {
    write('a.log', `${line(0)}\n`);
    const denied = write('sub/b.log', `${line(1)}\n`);
    const open = fs.promises.open;
    jest
      .spyOn(fs.promises, 'open')
      .mockImplementation((file, ...rest) =>
        file === denied
          ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, open '${denied}'`), { code: 'EACCES' }))
          : open(file, ...rest)
      );
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0']);
    expect(reader.store.unreadFiles).toEqual([`${path.join('sub', 'b.log')}: permission denied`]);
    // Health and every answer's notices say so; nothing names the absolute path.
    expect(describeLogs(reader.store, reader.fileCount).unread).toEqual(reader.store.unreadFiles);
    const notices = inputNotices(reader.store);
    expect(notices).toContainEqual({ severity: 'warning', text: `Not read: ${reader.store.unreadFiles[0]}` });
    expect(JSON.stringify(notices)).not.toContain(dir);
    jest.restoreAllMocks();
    await reader.refresh(); // readable again: read, no longer reported
    expect(requestIds(reader.store)).toEqual(['r0', 'r1']);
    expect(reader.store.unreadFiles).toEqual([]);
  });

  it('an unreadable folder is reported, the other folders read', async () => {
    write('a.log', `${line(0)}\n`);
    write('locked/b.log', `${line(1)}\n`);
    const readdir = fs.promises.readdir;
    jest
      .spyOn(fs.promises, 'readdir')
      .mockImplementation(((folder: string, options: never) =>
        folder.endsWith('locked')
          ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' }))
          : readdir(folder, options)) as typeof readdir);
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0']);
    expect(reader.store.unreadFiles).toEqual(['locked: permission denied']);
  });

  it('a configured folder that cannot be listed is reported, not thrown', async () => {
    const readdir = fs.promises.readdir;
    jest
      .spyOn(fs.promises, 'readdir')
      .mockImplementation(((folder: string, options: never) =>
        folder === dir
          ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' }))
          : readdir(folder, options)) as typeof readdir);
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(reader.store.unreadFiles).toEqual(['.: permission denied']);
  });
});

describe('FIFOs and links leaving the folder are never read', () => {
  const fifo = (file: string): void => {
    execFileSync('mkfifo', [file]);
  };

  it('directory mode: a FIFO, a broken link and a link out are reported; a link inside is read', async () => {
    write('a.log', `${line(0)}\n`);
    fifo(path.join(dir, 'pipe.log'));
    fs.writeFileSync(path.join(outside, 'secret.log'), `${line(9)}\n`);
    fs.symlinkSync(path.join(outside, 'secret.log'), path.join(dir, 'escape.log'));
    fs.symlinkSync(path.join(dir, 'nothing'), path.join(dir, 'gone.log'));
    write('old/b.log', `${line(1)}\n`);
    fs.symlinkSync(path.join(dir, 'old', 'b.log'), path.join(dir, 'inside.log'));
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0', 'r1']);
    expect(reader.store.unreadFiles.sort()).toEqual([
      'escape.log: link leads outside the folder',
      'gone.log: broken link',
      'pipe.log: not a regular file',
    ]);
  });

  it('glob mode: a link out of the folder is reported and not read', async () => {
    write('a.log', `${line(0)}\n`);
    fs.writeFileSync(path.join(outside, 'secret.log'), `${line(9)}\n`);
    fs.symlinkSync(path.join(outside, 'secret.log'), path.join(dir, 'escape.log'));
    const reader = new LogReader([path.join(dir, '*.log')]);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0']);
    expect(reader.store.unreadFiles).toEqual(['escape.log: link leads outside the folder']);
  });

  it('a FIFO named explicitly is reported, not opened, and does not stop the read', async () => {
    const file = write('a.log', `${line(0)}\n`);
    const pipe = path.join(dir, 'pipe.log');
    fifo(pipe);
    const listed = await listLogFiles([file, pipe]);
    expect(listed.problems).toEqual([{ name: 'pipe.log', reason: 'not a regular file' }]);
    const reader = new LogReader([file, pipe]);
    await reader.refresh();
    expect(requestIds(reader.store)).toEqual(['r0']);
  });
});

describe('a gzip archive read while it is written', () => {
  const content = Array.from({ length: 300 }, (_, i) => `${line(i)}\n`).join('');

  it('cut short, then completed: all its lines, no corrupt_gzip_file', async () => {
    const archive = gzipSync(content);
    const file = write('app.log.1.gz', archive.subarray(0, archive.length >> 1));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    expect(reader.store.skipped).toEqual({});
    fs.appendFileSync(file, archive.subarray(archive.length >> 1));
    await reader.refresh();
    expect(reader.store.length).toBe(300);
    expect(reader.store.skipped).toEqual({});
  });

  it('cut short and not growing any more: counted once, at the next read', async () => {
    const archive = gzipSync(content);
    write('app.log.1.gz', archive.subarray(0, archive.length >> 1));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    const rows = reader.store.length;
    expect(reader.store.skipped).toEqual({});
    await reader.refresh();
    await reader.refresh();
    expect(reader.store.skipped).toEqual({ corrupt_gzip_file: 1 });
    expect(reader.store.length).toBe(rows); // the lines before the cut, once
  });
});
