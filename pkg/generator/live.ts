/**
 * Live sample logs: the last few hours up to now written at once (as rotated files), then appended in real time with
 * logrotate-style rotation now and then — what an inference server's log directory looks like while it runs. Used by
 * `inference-logs demo` and the docker compose log generator.
 *
 * Rotation is logrotate's `compress` (without `delaycompress`): `x.log.N.gz` → `x.log.N+1.gz` (the oldest beyond
 * `keep` removed), `x.log` → `x.log.1`, a new empty `x.log`, then `x.log.1` gzipped (to a temporary name the log
 * reader does not match, renamed when complete) and removed. The reader follows all of this without losing or
 * double counting a request.
 */
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { GeneratorOptions, LogGenerator, LogLine, SpikeEpisode, TokenCounts } from './generate';

export interface LiveLogOptions extends Omit<
  GeneratorOptions,
  'rows' | 'start' | 'files' | 'gzipOlder' | 'crlf' | 'bom' | 'baseName'
> {
  /** Folder of the logs (made if missing). */
  dir: string;
  /** Name of the live file (default `inference.log`); archives are `<name>.N.gz`. */
  baseName?: string;
  /** How far back the history starts, ms before now (default 6 h). */
  historyMs?: number;
  /** Files the history is split into (the newest stays the live file; default 3). */
  historyFiles?: number;
  /** Once live, rotate this often (default 15 min). */
  rotateEveryMs?: number;
  /** Once live, also rotate when the live file reaches this many bytes (default 64 MiB). */
  rotateBytes?: number;
  /** Rotated archives kept (default 10); older ones are removed, as logrotate's `rotate N` does. */
  keep?: number;
  /** The clock (default Date.now); tests pass their own. */
  now?: () => number;
}

export interface LiveStats {
  rows: number;
  noiseLines: number;
  rotations: number;
  /** Time of the first request, epoch ms. */
  startMs: number;
  /** Time of the newest request written, epoch ms. */
  lastMs: number;
}

/** Lines are written in batches of about this many bytes. */
const FLUSH_BYTES = 1 << 20;
const DEFAULT_HISTORY_MS = 6 * 3_600_000;
const DEFAULT_ROTATE_MS = 15 * 60_000;

/**
 * Gaps between the arrivals of a real trace, normalised to a mean of 1 s and replayed in order (from the start again
 * when they run out). Reads the Azure LLM inference trace 2023 CSV (`TIMESTAMP,ContextTokens,GeneratedTokens`, wall
 * clock with 7 fraction digits) or the Mooncake FAST'25 JSONL (`timestamp` in ms from the start).
 */
export function traceArrivalGaps(file: string): () => number {
  const text = readFileSync(file, 'utf8');
  const times: number[] = [];
  if (/\.jsonl?$/i.test(file)) {
    for (const line of text.split('\n')) {
      const match = /"timestamp"\s*:\s*(-?\d+(?:\.\d+)?)/.exec(line);
      if (match) {
        times.push(Number(match[1]));
      }
    }
  } else {
    for (const line of text.split('\n').slice(1)) {
      const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(line);
      if (match) {
        times.push(Date.parse(`${match[1]}T${match[2]}Z`) + Number(match[3] ?? 0) * 1000);
      }
    }
  }
  times.sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    gaps.push(times[i] - times[i - 1]);
  }
  const mean = gaps.reduce((sum, g) => sum + g, 0) / Math.max(gaps.length, 1);
  if (!(mean > 0)) {
    throw new Error(`${file}: no arrival times found`);
  }
  const normalised = gaps.map((g) => g / mean);
  let next = 0;
  return () => {
    const gap = normalised[next];
    next = (next + 1) % normalised.length;
    return gap;
  };
}

/**
 * The token counts of a real trace's requests, in its order, over and over: `ContextTokens` / `GeneratedTokens` of
 * the Azure 2023 CSVs, `input_length` / `output_length` of Mooncake's JSONL.
 */
export function traceTokens(file: string): () => TokenCounts {
  const counts: TokenCounts[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  if (/\.jsonl?$/i.test(file)) {
    for (const line of lines) {
      const input = /"input_length"\s*:\s*(\d+)/.exec(line);
      const output = /"output_length"\s*:\s*(\d+)/.exec(line);
      if (input && output) {
        counts.push({ input: Number(input[1]), output: Number(output[1]) });
      }
    }
  } else {
    const header = (lines[0] ?? '').trim().split(',');
    const inputAt = header.indexOf('ContextTokens');
    const outputAt = header.indexOf('GeneratedTokens');
    for (const line of inputAt >= 0 && outputAt >= 0 ? lines.slice(1) : []) {
      const cells = line.trim().split(',');
      const input = Number(cells[inputAt]);
      const output = Number(cells[outputAt]);
      if (cells.length === header.length && Number.isInteger(input) && Number.isInteger(output)) {
        counts.push({ input, output });
      }
    }
  }
  if (counts.length === 0) {
    throw new Error(`${file}: no token counts found`);
  }
  let next = 0;
  return () => {
    const tokens = counts[next];
    next = (next + 1) % counts.length;
    return tokens;
  };
}

/** Names of the archives of `baseName` in `dir`, as [number, name], highest first. */
async function archives(dir: string, baseName: string): Promise<Array<[number, string]>> {
  const prefix = `${baseName}.`;
  const found: Array<[number, string]> = [];
  for (const name of await readdir(dir)) {
    const match = name.startsWith(prefix) ? /^(\d+)\.gz$/.exec(name.slice(prefix.length)) : null;
    if (match) {
      found.push([Number(match[1]), name]);
    }
  }
  return found.sort((a, b) => b[0] - a[0]);
}

/** Removes the files a previous run of this generator left in `dir`: `<base>`, `<base>.N`, `<base>.N.gz`(`.tmp`). */
export async function clearLiveLogs(dir: string, baseName = 'inference.log'): Promise<void> {
  if (!existsSync(dir)) {
    return;
  }
  for (const name of await readdir(dir)) {
    if (
      name === baseName ||
      (name.startsWith(`${baseName}.`) && /^\d+(\.gz(\.tmp)?)?$/.test(name.slice(baseName.length + 1)))
    ) {
      await rm(join(dir, name), { force: true });
    }
  }
}

/**
 * The live log of one simulated inference server. `LiveLogWriter.create` writes the history up to now; `start` then
 * appends every second what happened since, and `stop` ends it with everything written.
 */
export class LiveLogWriter {
  readonly stats: LiveStats;
  readonly file: string;
  private readonly generator: LogGenerator;
  private readonly lines: Iterator<LogLine>;
  private readonly now: () => number;
  private readonly rotateEveryMs: number;
  private readonly rotateBytes: number;
  private readonly keep: number;
  private pending: LogLine | null = null;
  private buffer: string[] = [];
  private bufferBytes = 0;
  private fileBytes = 0;
  private nextRotationMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;

  private constructor(
    private readonly options: LiveLogOptions,
    startMs: number,
    historySliceMs: number
  ) {
    this.now = options.now ?? Date.now;
    this.file = join(options.dir, options.baseName ?? 'inference.log');
    this.generator = new LogGenerator({ ...options, rows: Number.MAX_SAFE_INTEGER, start: startMs });
    this.lines = this.generator.lines();
    this.rotateEveryMs = Math.max(1000, options.rotateEveryMs ?? DEFAULT_ROTATE_MS);
    this.rotateBytes = options.rotateBytes ?? 64 << 20;
    this.keep = Math.max(1, Math.floor(options.keep ?? 10));
    this.nextRotationMs = startMs + historySliceMs;
    this.stats = { rows: 0, noiseLines: 0, rotations: 0, startMs, lastMs: startMs };
  }

  /** Writes the history (`historyMs` up to now, in `historyFiles` rotated files) into a folder cleared of old runs. */
  static async create(options: LiveLogOptions): Promise<LiveLogWriter> {
    const now = (options.now ?? Date.now)();
    const historyMs = options.historyMs ?? DEFAULT_HISTORY_MS;
    const files = Math.max(1, Math.floor(options.historyFiles ?? 3));
    await mkdir(options.dir, { recursive: true });
    await clearLiveLogs(options.dir, options.baseName);
    const live = new LiveLogWriter(options, now - historyMs, historyMs / files);
    await writeFile(live.file, '');
    await live.appendUntil(now, historyMs / files);
    // From now on the live file rotates every rotateEveryMs.
    live.nextRotationMs = now + live.rotateEveryMs;
    return live;
  }

  /** Spike episodes generated so far (a model answering 5-20 times slower for 2-12 minutes). */
  get spikes(): SpikeEpisode[] {
    return this.generator.spikes;
  }

  /**
   * Appends every line up to `untilMs` (a request later than that waits for the next call), rotating when due.
   * Returns the requests written.
   */
  async appendUntil(untilMs: number, stepMs = this.rotateEveryMs): Promise<number> {
    let written = 0;
    for (;;) {
      const line = this.pending ?? this.lines.next().value;
      this.pending = null;
      if (!line) {
        break;
      }
      if (line.noise === null) {
        const t = this.generator.timeMs;
        if (t > untilMs) {
          this.pending = line;
          break;
        }
        if (t >= this.nextRotationMs || this.fileBytes + this.bufferBytes >= this.rotateBytes) {
          await this.rotate();
          this.nextRotationMs = Math.max(this.nextRotationMs + stepMs, t + 1);
        }
        this.stats.rows++;
        this.stats.lastMs = t;
        written++;
      } else {
        this.stats.noiseLines++;
      }
      this.buffer.push(line.text, '\n');
      this.bufferBytes += line.text.length + 1;
      if (this.bufferBytes >= FLUSH_BYTES) {
        await this.flush();
      }
    }
    await this.flush();
    return written;
  }

  /** Appends every `tickMs` (default 1 s) until `stop`. A failure stops the appending and is thrown by `stop`. */
  start(tickMs = 1000): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => {
      this.running = this.running
        .then(() => (this.failure ? undefined : this.appendUntil(this.now())))
        .catch((error: Error) => {
          this.failure = error;
        });
    }, tickMs);
  }

  /** Stops appending; resolves once the last lines are written. */
  async stop(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.running;
    if (this.failure) {
      throw this.failure;
    }
  }

  /** Rotated archives and the live file, oldest first. */
  async files(): Promise<string[]> {
    const names = (await archives(this.options.dir, this.options.baseName ?? 'inference.log')).map(([, n]) => n);
    return [...names.map((n) => join(this.options.dir, n)), this.file];
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) {
      return;
    }
    const text = this.buffer.join('');
    this.buffer = [];
    this.bufferBytes = 0;
    await appendFile(this.file, text, 'latin1');
    this.fileBytes += text.length;
  }

  /** logrotate with `compress`: shift the archives, move the live file to .1, start a new one, gzip .1. */
  async rotate(): Promise<void> {
    await this.flush();
    if ((await stat(this.file)).size === 0) {
      return;
    }
    const dir = this.options.dir;
    const base = this.options.baseName ?? 'inference.log';
    for (const [n, name] of await archives(dir, base)) {
      if (n >= this.keep) {
        await rm(join(dir, name), { force: true });
      } else {
        await rename(join(dir, name), join(dir, `${base}.${n + 1}.gz`));
      }
    }
    const first = `${this.file}.1`;
    await rename(this.file, first);
    await writeFile(this.file, '');
    this.fileBytes = 0;
    const temporary = `${first}.gz.tmp`;
    await pipeline(createReadStream(first), createGzip(), createWriteStream(temporary));
    await rename(temporary, `${first}.gz`);
    await rm(first);
    this.stats.rotations++;
  }
}
