import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { LogReader } from '../sources/reader';
import { LiveLogWriter, clearLiveLogs, traceArrivalGaps } from './live';

const T = Date.UTC(2026, 10, 27, 12, 0, 0);
const MIN = 60_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'live-logs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LiveLogWriter', () => {
  it('writes the history up to now as rotated files, the older ones gzipped', async () => {
    const live = await LiveLogWriter.create({
      dir,
      historyMs: 60 * MIN,
      historyFiles: 3,
      ratePerSecond: 2,
      now: () => T,
    });
    expect(readdirSync(dir).sort()).toEqual(['inference.log', 'inference.log.1.gz', 'inference.log.2.gz']);
    expect(live.stats.rows).toBeGreaterThan(3000);
    expect(live.stats.startMs).toBe(T - 60 * MIN);
    expect(live.stats.lastMs).toBeLessThanOrEqual(T);
    expect(live.stats.lastMs).toBeGreaterThan(T - MIN);
    // Oldest first: each archive ends before the next file starts.
    const firstTime = (text: string) => Date.parse(JSON.parse(text.split('\n')[0]).timestamp + 'Z');
    const oldest = gunzipSync(readFileSync(join(dir, 'inference.log.2.gz'))).toString();
    const middle = gunzipSync(readFileSync(join(dir, 'inference.log.1.gz'))).toString();
    const current = readFileSync(join(dir, 'inference.log'), 'utf8');
    expect(firstTime(oldest)).toBeLessThan(firstTime(middle));
    expect(firstTime(middle)).toBeGreaterThanOrEqual(T - 40 * MIN);
    expect(firstTime(current)).toBeGreaterThanOrEqual(T - 20 * MIN);
    expect(current.endsWith('\n')).toBe(true);
  });

  it('appends in time, rotates logrotate-style, and a reader following it reads every request once', async () => {
    let now = T;
    const live = await LiveLogWriter.create({
      dir,
      historyMs: 30 * MIN,
      historyFiles: 2,
      ratePerSecond: 3,
      rotateEveryMs: 5 * MIN,
      keep: 3,
      noise: 0.01,
      now: () => now,
    });
    const reader = new LogReader([dir]);
    await reader.refresh();
    expect(reader.store.length).toBe(live.stats.rows);
    for (let step = 0; step < 12; step++) {
      now += 2 * MIN;
      const written = await live.appendUntil(now);
      expect(written).toBeGreaterThan(0);
      expect(live.stats.lastMs).toBeLessThanOrEqual(now);
      await reader.refresh();
    }
    expect(live.stats.rotations).toBeGreaterThanOrEqual(1 + 4);
    // keep: 3 archives at most, no temporary or uncompressed leftovers.
    expect(readdirSync(dir).sort()).toEqual([
      'inference.log',
      'inference.log.1.gz',
      'inference.log.2.gz',
      'inference.log.3.gz',
    ]);
    // The reader followed every rotation: each request exactly once (archives removed by `keep` were read before).
    expect(reader.store.length).toBe(live.stats.rows);
  });

  it('start/stop appends on a timer and ends with everything written', async () => {
    let now = T;
    const live = await LiveLogWriter.create({ dir, historyMs: 5 * MIN, ratePerSecond: 50, now: () => now });
    const before = live.stats.rows;
    live.start(10);
    now += 10_000;
    await new Promise((r) => setTimeout(r, 100));
    await live.stop();
    expect(live.stats.rows).toBeGreaterThan(before + 200);
    expect(live.stats.lastMs).toBeLessThanOrEqual(now);
  });

  it('clearLiveLogs removes only what the generator writes', async () => {
    for (const name of [
      'inference.log',
      'inference.log.1',
      'inference.log.2.gz',
      'inference.log.3.gz.tmp',
      'other.log',
    ]) {
      writeFileSync(join(dir, name), 'x');
    }
    await clearLiveLogs(dir);
    expect(readdirSync(dir)).toEqual(['other.log']);
  });
});

describe('traceArrivalGaps', () => {
  it('replays the gaps of an Azure-style CSV normalised to a mean of 1, then again from the start', () => {
    const file = join(dir, 'trace.csv');
    writeFileSync(
      file,
      'TIMESTAMP,ContextTokens,GeneratedTokens\n' +
        '2023-11-16 18:15:46.0000000,1,1\n2023-11-16 18:15:47.0000000,1,1\n2023-11-16 18:15:50.0000000,1,1\n'
    );
    const next = traceArrivalGaps(file);
    expect([next(), next(), next()]).toEqual([0.5, 1.5, 0.5]);
  });

  it('reads Mooncake-style JSONL (relative ms)', () => {
    const file = join(dir, 'trace.jsonl');
    writeFileSync(file, '{"timestamp": 0, "input_length": 1}\n{"timestamp": 0}\n{"timestamp": 3000}\n');
    const next = traceArrivalGaps(file);
    expect([next(), next()]).toEqual([0, 2]);
  });
});
