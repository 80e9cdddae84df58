/**
 * Rotation while a read is under way: the folder is listed, then files are renamed, copy-truncated and gzipped before
 * the read opens them (what `npm run loadtest` does to `serve`). Every line must still be read exactly once.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { gzipSync } from 'zlib';
import { Random } from '../generator/random';
import { LogReader } from './reader';

const T0_MS = Date.UTC(2026, 10, 27, 15);

/** A folder with app.log rotated logrotate-style, alternating rename (+ reopen) and copy-truncate, then gzip of .2. */
class RotatingLog {
  written = 0;
  private fd: number;
  private gz: boolean[] = [];
  private rotations = 0;

  constructor(private readonly dir: string) {
    this.fd = fs.openSync(this.live, 'a');
  }

  get live(): string {
    return path.join(this.dir, 'app.log');
  }

  private name(i: number): string {
    return path.join(this.dir, `app.log.${i + 1}${this.gz[i] ? '.gz' : ''}`);
  }

  /** `count` lines, the n-th written at T0 + n seconds. */
  write(count: number): void {
    let text = '';
    for (let i = 0; i < count; i++, this.written++) {
      const timestamp = new Date(T0_MS + this.written * 1000).toISOString();
      text += `{"timestamp": "${timestamp}", "request_id": "r${this.written}", "model": "m", "latency_ms": 1.5}\n`;
    }
    fs.writeSync(this.fd, text);
  }

  rotate(): void {
    for (let i = this.gz.length - 1; i >= 0; i--) {
      fs.renameSync(this.name(i), path.join(this.dir, `app.log.${i + 2}${this.gz[i] ? '.gz' : ''}`));
    }
    this.gz.unshift(false);
    if (this.rotations++ % 2 === 0) {
      fs.renameSync(this.live, this.name(0));
      this.write(3); // the server writes on to the renamed file until it reopens its log
      fs.closeSync(this.fd);
      this.fd = fs.openSync(this.live, 'a');
    } else {
      fs.copyFileSync(this.live, this.name(0));
      fs.ftruncateSync(this.fd, 0);
    }
    if (this.gz.length > 1 && !this.gz[1]) {
      const plain = this.name(1);
      this.gz[1] = true;
      fs.writeFileSync(this.name(1), gzipSync(fs.readFileSync(plain)));
      fs.unlinkSync(plain);
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-interleaved-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('rotations in the middle of reads: every line read exactly once (by its time)', async () => {
  for (let seed = 1; seed <= 40; seed++) {
    const folder = fs.mkdtempSync(path.join(dir, `seed${seed}-`));
    const rng = new Random(seed);
    const log = new RotatingLog(folder);
    log.write(20);
    log.rotate();
    log.write(20);
    const reader = new LogReader([folder], {}, undefined, { scanWorkers: 0 });
    await reader.refresh();
    for (let step = 0; step < 12; step++) {
      log.write(rng.int(5, 15));
      if (rng.chance(0.6)) {
        log.rotate();
      }
      const read = reader.refresh();
      if (rng.chance(0.5)) {
        // The read has listed the folder and opened some files; rotate under it.
        for (let t = rng.int(0, 8); t > 0; t--) {
          await nextTick();
        }
        log.write(3);
        log.rotate();
        log.write(2);
      }
      await read;
    }
    await reader.refresh();
    log.close();
    const seconds = Array.from(reader.store.time.values(), (us) => (us / 1000 - T0_MS) / 1000).sort((a, b) => a - b);
    expect({ seed, seconds }).toEqual({ seed, seconds: Array.from({ length: log.written }, (_, i) => i) });
  }
}, 60_000);
