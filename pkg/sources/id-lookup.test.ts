import fs from 'fs';
import os from 'os';
import path from 'path';
import { gunzipSync, gzipSync } from 'zlib';
import { Random } from '../generator/random';
import { Store } from '../store/store';
import { LogReader } from './reader';

/**
 * Request ids are read back from the files by the rows' file identity and checked against the row's line, not
 * taken from whatever file has the path the last read saw: an export taken while files rotate (renamed, copied
 * and truncated, gzipped) after the last read still gives every row its own id, and never another line's.
 */

const BASE_MS = Date.UTC(2026, 10, 27, 15);

/** Line n: its own second (the lookup's time check tells lines apart), id `lt-n`, latency_ms n. */
function line(n: number, id = `lt-${n}`, shiftSeconds = 0): string {
  const timestamp = new Date(BASE_MS + (n + shiftSeconds) * 1000).toISOString();
  return JSON.stringify({ timestamp, request_id: id, model: 'm', latency_ms: n }) + '\n';
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ila-id-lookup-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const file = (name: string): string => path.join(dir, name);

/** Each row's id, by its line number (latency_ms); every row once. */
function idsOf(store: Store): Map<number, string | null> {
  const latency = store.numberColumn('latency_ms')!;
  const ids = store.requestIds!;
  const out = new Map<number, string | null>();
  for (let row = 0; row < store.length; row++) {
    const n = latency.get(row);
    expect(out.has(n)).toBe(false);
    out.set(n, ids.get(row));
  }
  return out;
}

/** Every row has its own line's id, none unavailable. */
function expectOwnIds(store: Store): void {
  const before = store.requestIds!.unavailable;
  for (const [n, id] of idsOf(store)) {
    expect([n, id]).toEqual([n, `lt-${n}`]);
  }
  expect(store.requestIds!.unavailable - before).toBe(0);
}

/**
 * After a read, the reader's own record of where each row's line is (its source, followed through `moved`) is
 * right: that file holds the row's line at the row's offset — without the lookup's search by identity or content.
 */
function expectSourcesHold(store: Store): void {
  const parts = store.requestIds!.parts();
  const latency = store.numberColumn('latency_ms')!;
  const contents = new Map<string, Buffer>();
  const wrong: string[] = [];
  let segment = 0;
  for (let row = 0; row < store.length; row++) {
    while (segment + 1 < parts.segmentRow.length && parts.segmentRow[segment + 1] <= row) {
      segment++;
    }
    let source = parts.segmentSource[segment]!;
    while (source.moved) {
      source = source.moved;
    }
    const offset = parts.segmentBase[segment] + parts.offsets[row];
    let held: number | undefined;
    if (source.path && fs.existsSync(source.path)) {
      let content = contents.get(source.path);
      if (!content) {
        content = source.gzip ? gunzipSync(fs.readFileSync(source.path)) : fs.readFileSync(source.path);
        contents.set(source.path, content);
      }
      const end = content.indexOf(10, offset);
      try {
        held = JSON.parse(content.toString('utf8', offset, end < 0 ? content.length : end)).latency_ms;
      } catch {
        held = undefined;
      }
    }
    if (held !== latency.get(row)) {
      wrong.push(`line ${latency.get(row)} at ${path.basename(source.path) || '(gone)'}:${offset}`);
    }
  }
  expect(wrong).toEqual([]);
}

function lines(from: number, to: number): string {
  let out = '';
  for (let n = from; n < to; n++) {
    out += line(n);
  }
  return out;
}

describe('request ids of files rotated after the last read (no read since)', () => {
  it('renamed, and another file of lines at the same offsets took the name', async () => {
    fs.writeFileSync(file('app.log'), lines(0, 20));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    fs.renameSync(file('app.log'), file('app.log.1'));
    fs.writeFileSync(file('app.log'), lines(20, 40)); // same lengths: the same offsets are line starts
    expectOwnIds(reader.store);
  });

  it('renamed, and the new file has lines of the same times at the same offsets: never its ids', async () => {
    fs.writeFileSync(file('app.log'), lines(0, 20));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    fs.renameSync(file('app.log'), file('app.log.1'));
    let other = '';
    for (let n = 0; n < 20; n++) {
      other += line(n, `xx-${n}`);
    }
    fs.writeFileSync(file('app.log'), other);
    expectOwnIds(reader.store);
    // The original deleted: unavailable, not the other file's ids (once what was open and read is stale).
    fs.unlinkSync(file('app.log.1'));
    const now = Date.now() + 10_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const got = idsOf(reader.store);
    expect([...got.values()].filter((id) => id !== null)).toEqual([]);
    expect(reader.store.requestIds!.unavailable).toBe(20);
  });

  it('copied and truncated, then written again', async () => {
    fs.writeFileSync(file('app.log'), lines(0, 20));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    fs.copyFileSync(file('app.log'), file('app.log.1'));
    fs.truncateSync(file('app.log'), 0);
    fs.appendFileSync(file('app.log'), lines(20, 30));
    expectOwnIds(reader.store);
  });

  it('renamed twice and gzipped (the plain file deleted)', async () => {
    fs.writeFileSync(file('app.log'), lines(0, 20));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    fs.renameSync(file('app.log'), file('app.log.1'));
    fs.writeFileSync(file('app.log'), lines(20, 25));
    fs.renameSync(file('app.log.1'), file('app.log.2'));
    fs.writeFileSync(file('app.log.2.gz'), gzipSync(fs.readFileSync(file('app.log.2'))));
    fs.unlinkSync(file('app.log.2'));
    expectOwnIds(reader.store);
    // And once the reader has seen it all.
    await reader.refresh();
    expect(reader.store.length).toBe(25);
    expectOwnIds(reader.store);
  });

  it('a deleted file with no copy: its rows are unavailable, the others read back', async () => {
    fs.writeFileSync(file('a.log'), lines(0, 10));
    fs.writeFileSync(file('b.log'), lines(10, 20));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    fs.unlinkSync(file('b.log'));
    const got = idsOf(reader.store);
    for (let n = 0; n < 20; n++) {
      expect(got.get(n)).toBe(n < 10 ? `lt-${n}` : null);
    }
    expect(reader.store.requestIds!.unavailable).toBe(10);
  });

  it("a line of the row's time at the row's offset that does not start a line there is not the row's", async () => {
    fs.writeFileSync(file('app.log'), lines(0, 10));
    const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    // Rewritten in place, same offsets: line 9 (other id, same time) now follows line 8 on its line.
    fs.writeFileSync(file('app.log'), lines(0, 9).slice(0, -1) + ' ' + line(9, 'xx-9'));
    const got = idsOf(reader.store);
    expect(got.get(9)).toBeNull();
    for (const [n, id] of got) {
      expect([n, id === null || id === `lt-${n}`]).toEqual([n, true]);
    }
  });
});

/**
 * logrotate as the load test does it: appends, rotation by rename cascade or copy-truncate, gzip of generation 2,
 * reads at random moments (none between a rotation and an export, sometimes) and an export after each step: every
 * row's id is its own line's (all files are kept: every line is somewhere).
 */
async function rotationRun(seed: number): Promise<void> {
  const rng = new Random(seed);
  let n = 0;
  const gens: boolean[] = []; // generation i + 1: gzipped?
  const name = (i: number, gz = gens[i]): string => file(`app.log.${i + 1}${gz ? '.gz' : ''}`);
  const append = (count: number): void => {
    fs.appendFileSync(file('app.log'), lines(n, n + count));
    n += count;
  };
  const rotate = (): void => {
    for (let i = gens.length - 1; i >= 0; i--) {
      fs.renameSync(name(i), file(`app.log.${i + 2}${gens[i] ? '.gz' : ''}`));
    }
    gens.unshift(false);
    if (rng.chance(0.5)) {
      fs.renameSync(file('app.log'), name(0));
      fs.writeFileSync(file('app.log'), ''); // logrotate's `create`
    } else {
      fs.copyFileSync(file('app.log'), name(0));
      fs.truncateSync(file('app.log'), 0);
    }
    if (gens.length > 1 && !gens[1]) {
      const plain = name(1, false);
      fs.writeFileSync(name(1, true), gzipSync(fs.readFileSync(plain)));
      fs.unlinkSync(plain);
      gens[1] = true;
    }
  };
  fs.writeFileSync(file('app.log'), '');
  append(rng.int(1, 10));
  const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
  await reader.refresh();
  for (let step = 0; step < 14; step++) {
    append(rng.int(0, 6));
    if (rng.chance(0.6)) {
      rotate();
    }
    append(rng.int(0, 3));
    if (rng.chance(0.5)) {
      const pending = reader.refresh();
      if (rng.chance(0.5)) {
        // A rotation while the read is under way.
        const ticks = rng.int(0, 6);
        for (let t = 0; t < ticks; t++) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        append(rng.int(1, 3));
        rotate();
      }
      await pending;
    }
    if (rng.chance(0.5)) {
      rotate();
    }
    if (rng.chance(0.3)) {
      await reader.refresh();
      expectSourcesHold(reader.store);
    }
    expectOwnIds(reader.store);
  }
  await reader.refresh();
  expect(reader.store.length).toBe(n);
  expectSourcesHold(reader.store);
  expectOwnIds(reader.store);
}

describe('request ids while files rotate (seeded)', () => {
  for (let seed = 1; seed <= 30; seed++) {
    it(`seed ${seed}`, () => rotationRun(seed));
  }
});
