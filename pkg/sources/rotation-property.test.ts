import fs from 'fs';
import os from 'os';
import path from 'path';
import { gzipSync } from 'zlib';
import { Store } from '../store/store';
import { LogReader } from './reader';
import { Random } from '../generator/random';

/**
 * Rotation is exact: random interleavings of appends (finished lines and lines written in two parts),
 * logrotate cascades (app.log → .1 → .2) by rename or copy-truncate, and gzip of the rotated file
 * (written in two parts, read in between), with a read between steps: every line written is read once
 * (the store's row count and lines equal those written).
 */

function line(i: number): string {
  const seconds = String(i % 60).padStart(2, '0');
  return JSON.stringify({ timestamp: `2026-11-27T15:03:${seconds}Z`, request_id: `r${i}`, model: 'm', latency_ms: i });
}

/** The lines read, by number (latency_ms = i: request ids are read back from files, and rotated ones are deleted). */
function requestIds(store: Store): string[] {
  return Array.from(store.numberColumn('latency_ms')!.values(), (i) => `r${i}`);
}

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ila-rotation-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(seed: number, steps: number): Promise<{ written: string[]; read: string[]; skipped: object }> {
  const rng = new Random(seed);
  const next = () => rng.next();
  const file = (name: string): string => path.join(dir, name);
  const exists = (name: string): boolean => fs.existsSync(file(name));
  const reader = new LogReader([dir], {}, undefined, { scanWorkers: 0 });
  const written: string[] = [];
  let partial: string | null = null; // the second part of a line being written
  let id = 0;

  /** Moves app.log.1 (or its .gz) to .2, dropping the old .2: a logrotate cascade with rotate 2. */
  const cascade = (): void => {
    for (const gz of ['', '.gz']) {
      fs.rmSync(file(`app.log.2${gz}`), { force: true });
      if (exists(`app.log.1${gz}`)) {
        fs.renameSync(file(`app.log.1${gz}`), file(`app.log.2${gz}`));
      }
    }
  };

  for (let step = 0; step < steps; step++) {
    const action = next();
    if (action < 0.45 || partial !== null) {
      let text = partial ?? '';
      partial = null;
      const count = 1 + Math.floor(next() * 4);
      for (let k = 0; k < count; k++) {
        written.push(`r${id}`);
        text += `${line(id++)}\n`;
      }
      if (next() < 0.3) {
        // A line written in two parts, with reads in between.
        const whole = `${line(id)}\n`;
        written.push(`r${id++}`);
        const cut = 1 + Math.floor(next() * (whole.length - 2));
        text += whole.slice(0, cut);
        partial = whole.slice(cut);
      }
      fs.appendFileSync(file('app.log'), text);
    } else if (action < 0.65 && exists('app.log')) {
      cascade();
      fs.renameSync(file('app.log'), file('app.log.1'));
    } else if (action < 0.85 && exists('app.log')) {
      cascade();
      fs.copyFileSync(file('app.log'), file('app.log.1'));
      if (next() < 0.5) {
        await reader.refresh(); // a read between copy and truncate
      }
      fs.truncateSync(file('app.log'), 0);
    } else if (exists('app.log.1') && !exists('app.log.1.gz')) {
      const archive = gzipSync(fs.readFileSync(file('app.log.1')));
      const half = Math.floor(archive.length / 2);
      fs.writeFileSync(file('app.log.1.gz'), archive.subarray(0, half));
      await reader.refresh(); // the archive read while gzip writes it
      fs.appendFileSync(file('app.log.1.gz'), archive.subarray(half));
      if (next() < 0.5) {
        await reader.refresh();
      }
      fs.rmSync(file('app.log.1'));
    }
    await reader.refresh();
    if (new Set(requestIds(reader.store)).size !== reader.store.length) {
      throw new Error(`seed ${seed}, step ${step}: a line read twice (files: ${fs.readdirSync(dir).join(', ')})`);
    }
  }
  if (partial !== null) {
    fs.appendFileSync(file('app.log'), partial);
    await reader.refresh();
  }
  return { written, read: requestIds(reader.store), skipped: reader.store.skipped };
}

describe('rotation property: every line once, whatever the interleaving', () => {
  const seeds = Number(process.env.ROTATION_SEEDS ?? 20); // more for a longer search
  for (let seed = 1; seed <= seeds; seed++) {
    it(`seed ${seed}`, async () => {
      const { written, read, skipped } = await run(seed, 50);
      expect(skipped).toEqual({});
      expect(read.length).toBe(written.length);
      expect([...read].sort()).toEqual([...written].sort());
    });
  }
});
