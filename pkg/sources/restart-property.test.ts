import fs from 'fs';
import os from 'os';
import path from 'path';
import { gunzipSync, gzipSync } from 'zlib';
import { Random } from '../generator/random';
import { Store } from '../store/store';
import { LogReader } from './reader';
import { RestartCache } from './restart-cache';

/**
 * A restart from the restart cache reads every line once: random appends and logrotate-style rotations (rename
 * cascade or copy-truncate, gzip of generation 2), reads (some with a rotation while they run), cache writes at
 * random moments (some asked for while a read is under way), then a kill (the reader dropped, nothing flushed),
 * rotations while nothing runs, and a new process restoring the cache: its rows are those of a fresh read of the
 * files, each line once, and every row's id reads back.
 */

const BASE_MS = Date.UTC(2026, 10, 27, 15);

/** Line n: its own second, id `lt-n`, latency_ms n (a row tells its line). */
function line(n: number): string {
  const timestamp = new Date(BASE_MS + n * 1000).toISOString();
  return JSON.stringify({ timestamp, request_id: `lt-${n}`, model: 'm', latency_ms: n }) + '\n';
}

let dir: string;
let logs: string;
let cacheDir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ila-restart-property-'));
  logs = path.join(dir, 'logs');
  cacheDir = path.join(dir, 'cache');
  fs.mkdirSync(logs);
  fs.mkdirSync(cacheDir);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The lines a store's rows came from, sorted (latency_ms is the line number). */
function linesRead(store: Store): number[] {
  return Array.from(store.numberColumn('latency_ms')!.values()).sort((a, b) => a - b);
}

/** Every line number of the files as they are now (gzip ones decompressed). */
function linesInFiles(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync(logs)) {
    const bytes = fs.readFileSync(path.join(logs, name));
    const text = (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString();
    for (const l of text.split('\n')) {
      if (l) {
        out.push(JSON.parse(l).latency_ms);
      }
    }
  }
  return out.sort((a, b) => a - b);
}

/** No line is read twice (`when` names the moment in the failure). */
function expectOnce(store: Store, when: string): void {
  const read = linesRead(store);
  expect([when, read.filter((n, i) => i > 0 && read[i - 1] === n)]).toEqual([when, []]);
}

async function ticks(count: number): Promise<void> {
  for (let t = 0; t < count; t++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function restartRun(seed: number): Promise<void> {
  const rng = new Random(seed);
  const file = (name: string): string => path.join(logs, name);
  let n = 0;
  const gens: boolean[] = [];
  const name = (i: number, gz = gens[i]): string => file(`app.log.${i + 1}${gz ? '.gz' : ''}`);
  /** A copy-truncate whose copy is under way (written in part): finished before anything else is written. */
  let copying: (() => void) | null = null;
  const finishCopy = (): void => {
    copying?.();
    copying = null;
  };
  const append = (count: number): void => {
    finishCopy();
    let text = '';
    for (let k = 0; k < count; k++) {
      text += line(n++);
    }
    fs.appendFileSync(file('app.log'), text);
  };
  const rotate = (): void => {
    finishCopy();
    for (let i = gens.length - 1; i >= 0; i--) {
      fs.renameSync(name(i), file(`app.log.${i + 2}${gens[i] ? '.gz' : ''}`));
    }
    gens.unshift(false);
    if (rng.chance(0.5)) {
      fs.renameSync(file('app.log'), name(0));
      fs.writeFileSync(file('app.log'), '');
    } else if (rng.chance(0.5)) {
      fs.copyFileSync(file('app.log'), name(0));
      fs.truncateSync(file('app.log'), 0);
    } else {
      // The copy under way: reads, cache writes and a restart may see it in part.
      const content = fs.readFileSync(file('app.log'));
      const copy = name(0);
      const part = rng.int(0, content.length);
      fs.writeFileSync(copy, content.subarray(0, part));
      copying = () => {
        fs.appendFileSync(copy, content.subarray(part));
        fs.truncateSync(file('app.log'), 0);
      };
    }
    if (gens.length > 1 && !gens[1]) {
      const plain = name(1, false);
      fs.writeFileSync(name(1, true), gzipSync(fs.readFileSync(plain)));
      fs.unlinkSync(plain);
      gens[1] = true;
    }
  };
  let a: { reader: LogReader; cache: RestartCache } | undefined;
  const start = async () => {
    const reader = new LogReader([logs], {}, undefined, { scanWorkers: 0 });
    const cache = new RestartCache(reader, { dirs: [cacheDir], paths: [logs], config: {} });
    return { reader, cache };
  };
  /** Steps of a running process: appends, rotations, reads (a rotation or a cache write during some), cache writes. */
  const run = async (process: { reader: LogReader; cache: RestartCache }, steps: number): Promise<void> => {
    for (let step = 0; step < steps; step++) {
      append(rng.int(0, 8));
      if (rng.chance(0.5)) {
        rotate();
      }
      append(rng.int(0, 3));
      if (rng.chance(0.7)) {
        const pending = process.reader.refresh();
        let flushing: Promise<void> | null = null;
        if (rng.chance(0.5)) {
          await ticks(rng.int(0, 6));
          if (rng.chance(0.5)) {
            flushing = process.cache.flush(); // asked for while the read is under way
          }
          if (rng.chance(0.5)) {
            append(rng.int(1, 3));
            rotate();
          }
        }
        await pending;
        process.cache.afterRead();
        await flushing;
        expectOnce(process.reader.store, `${process === a ? 'before' : 'after'} the restart, step ${step}`);
      }
      if (rng.chance(0.3)) {
        await process.cache.flush();
      }
    }
  };

  fs.writeFileSync(file('app.log'), '');
  append(rng.int(1, 10));
  a = await start();
  await a.cache.restore();
  // The first read before any copy: a copy under way at the first read is read as it is, as is its original.
  await a.reader.refresh();
  await run(a, rng.int(3, 12));
  await a.cache.flush();
  await run(a, rng.int(0, 4)); // read after the last cache write: read again after the restart
  // Killed: a's reader is dropped as it is. Rotations while nothing runs.
  const down = rng.int(0, 4);
  for (let s = 0; s < down; s++) {
    append(rng.int(0, 6));
    rotate();
  }
  append(rng.int(0, 4));

  const b = await start();
  const restoring = b.cache.restore();
  if (rng.chance(0.5)) {
    await ticks(rng.int(0, 8));
    append(rng.int(1, 3));
    rotate(); // while the first read after the restore runs
  }
  await restoring;
  expectOnce(b.reader.store, 'after the restore');
  await run(b, rng.int(0, 4));
  finishCopy();
  await b.reader.refresh();

  const all = Array.from({ length: n }, (_, i) => i);
  expect(linesInFiles()).toEqual(all); // the files hold every line once
  expect(linesRead(b.reader.store)).toEqual(all);
  const fresh = new LogReader([logs], {}, undefined, { scanWorkers: 0 });
  await fresh.refresh();
  expect(linesRead(fresh.store)).toEqual(all);
  // Every row's id reads back: the restored rows' sources lead to their lines.
  const ids = b.reader.store.stringColumn('request_id')!;
  const latency = b.reader.store.numberColumn('latency_ms')!;
  const wrong: string[] = [];
  for (let row = 0; row < b.reader.store.length; row++) {
    if (ids.get(row) !== `lt-${latency.get(row)}`) {
      wrong.push(`${latency.get(row)}: ${ids.get(row)}`);
    }
  }
  expect(wrong).toEqual([]);
}

describe('a copy-truncate copy seen while it is being written', () => {
  const file = (name: string): string => path.join(logs, name);
  let text = '';
  for (let n = 0; n < 20; n++) {
    text += line(n);
  }
  const content = Buffer.from(text);

  it('is read on from where its original was read once it gets there, not from its start', async () => {
    fs.writeFileSync(file('app.log'), content);
    const reader = new LogReader([logs], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    fs.writeFileSync(file('app.log.1'), content.subarray(0, 1000)); // `cp` under way
    await reader.refresh();
    expect(reader.store.length).toBe(20);
    fs.appendFileSync(file('app.log.1'), content.subarray(1000));
    fs.writeFileSync(file('app.log'), line(20));
    await reader.refresh();
    expect(linesRead(reader.store)).toEqual(Array.from({ length: 21 }, (_, i) => i));
  });

  it('across a restart: the cache written while the copy was under way', async () => {
    fs.writeFileSync(file('app.log'), content);
    const first = new LogReader([logs], {}, undefined, { scanWorkers: 0 });
    const cache = new RestartCache(first, { dirs: [cacheDir], paths: [logs], config: {} });
    await cache.restore();
    await first.refresh();
    fs.writeFileSync(file('app.log.1'), content.subarray(0, 1000));
    await first.refresh();
    await cache.flush();
    // Killed; the copy finishes, the original is truncated and written again.
    fs.appendFileSync(file('app.log.1'), content.subarray(1000));
    fs.writeFileSync(file('app.log'), line(20));
    const second = new LogReader([logs], {}, undefined, { scanWorkers: 0 });
    await new RestartCache(second, { dirs: [cacheDir], paths: [logs], config: {} }).restore();
    await second.refresh();
    expect(linesRead(second.store)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    const ids = second.store.stringColumn('request_id')!;
    expect(Array.from({ length: 21 }, (_, row) => ids.get(row)).sort()).toEqual(
      Array.from({ length: 21 }, (_, i) => `lt-${i}`).sort()
    );
  });

  it('a shorter file of the same beginning not written to lately is not a copy: read from its start', async () => {
    fs.writeFileSync(file('app.log'), content);
    const reader = new LogReader([logs], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    fs.writeFileSync(file('other.log'), content.subarray(0, 900)); // 10 lines
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file('other.log'), old, old);
    await reader.refresh();
    expect(reader.store.length).toBe(30);
  });
});

describe('restart from the restart cache while files rotate (seeded)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}`, () => restartRun(seed));
  }
});
