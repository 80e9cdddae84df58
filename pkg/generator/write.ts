/**
 * Writes a generated log to disk as rotated files (`inference.log.2.gz`, `inference.log.1.gz`, `inference.log`),
 * gzipping the older ones on request, as logrotate does.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';

import { type GeneratorOptions, LogGenerator, NOISE_KINDS, type NoiseKind, type SpikeEpisode } from './generate';

export interface WriteResult {
  /** Full paths, oldest file first. */
  files: string[];
  rows: number;
  noiseLines: number;
  noise: Record<NoiseKind, number>;
  spikes: SpikeEpisode[];
}

const CHUNK_BYTES = 1 << 22;

/** A file written through a large reusable-size buffer: one stream write per 4 MiB, not one per line. */
class ChunkedFile {
  private readonly out: WriteStream;
  private readonly sink: WriteStream | Gzip;
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private failure: Error | null = null;

  constructor(path: string, gzip: boolean) {
    this.out = createWriteStream(path);
    this.out.on('error', (e) => (this.failure = e));
    if (gzip) {
      const gz = createGzip();
      gz.on('error', (e) => (this.failure = e));
      gz.pipe(this.out);
      this.sink = gz;
    } else {
      this.sink = this.out;
    }
  }

  /**
   * Buffers ASCII text (every generated line is ASCII: json.dumps escapes the rest); returns a promise only when a
   * chunk went out, so the caller awaits rarely.
   */
  writeAscii(text: string): Promise<void> | undefined {
    if (this.used + text.length > this.buffer.length) {
      if (this.used === 0) {
        this.buffer = Buffer.allocUnsafe(text.length);
      } else {
        return this.flush().then(() => this.writeAscii(text));
      }
    }
    // latin1 copies one byte per code unit: the fastest encoder for ASCII.
    this.used += this.buffer.write(text, this.used, 'latin1');
    return undefined;
  }

  writeBytes(bytes: Uint8Array): Promise<void> | undefined {
    if (this.used + bytes.length > this.buffer.length) {
      return this.flush().then(() => this.writeBytes(bytes));
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
    return undefined;
  }

  private async flush(): Promise<void> {
    if (this.failure) {
      throw this.failure;
    }
    if (this.used === 0) {
      return;
    }
    const chunk = this.buffer.subarray(0, this.used);
    // The stream keeps the chunk until written: start a fresh buffer instead of reusing it.
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    if (!this.sink.write(chunk)) {
      await once(this.sink, 'drain');
    }
  }

  async close(): Promise<void> {
    await this.flush();
    const closed = once(this.out, 'close');
    this.sink.end();
    await closed;
    if (this.failure) {
      throw this.failure;
    }
  }
}

/** File names, oldest first: `inference.log.2.gz`, `inference.log.1.gz`, `inference.log` (rotation style). */
export function rotatedFileNames(count: number, baseName = 'inference.log', gzipOlder = false): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = count - 1 - i;
    names.push(n === 0 ? baseName : `${baseName}.${n}${gzipOlder ? '.gz' : ''}`);
  }
  return names;
}

/** Writes the log into `dir` as rotated files, the oldest rows in the highest-numbered file. */
export async function writeLogs(dir: string, options: GeneratorOptions): Promise<WriteResult> {
  await mkdir(dir, { recursive: true });
  const generator = new LogGenerator(options);
  const fileCount = Math.max(1, Math.floor(options.files ?? 1));
  const names = rotatedFileNames(fileCount, options.baseName, options.gzipOlder ?? false);
  const paths = names.map((n) => join(dir, n));
  const crlfFile = options.crlf ? Math.min(1, fileCount - 1) : -1;
  const noise = Object.fromEntries(NOISE_KINDS.map((k) => [k, 0])) as Record<NoiseKind, number>;
  let noiseLines = 0;
  let rowsDone = 0;

  let index = 0;
  // Rows of file i: [boundary(i), boundary(i + 1)).
  const boundary = (i: number) => Math.floor((i * generator.rows) / fileCount);
  let file = new ChunkedFile(paths[0], fileCount > 1 && (options.gzipOlder ?? false));
  let eol = crlfFile === 0 ? '\r\n' : '\n';
  if (options.bom) {
    file.writeBytes(Buffer.from([0xef, 0xbb, 0xbf]));
  }
  // Lines are joined in small batches: one buffer copy per batch is much cheaper than one per line.
  let batch: string[] = [];
  const flushBatch = async () => {
    if (batch.length > 0) {
      const pending = file.writeAscii(batch.join(''));
      batch = [];
      if (pending) {
        await pending;
      }
    }
  };
  for (const line of generator.lines()) {
    if (line.noise === null) {
      // Move to the next file once this one has its share of records (noise lines just before stay in the old one).
      while (index < fileCount - 1 && rowsDone >= boundary(index + 1)) {
        await flushBatch();
        await file.close();
        index++;
        file = new ChunkedFile(paths[index], index < fileCount - 1 && (options.gzipOlder ?? false));
        eol = crlfFile === index ? '\r\n' : '\n';
      }
      rowsDone++;
    } else {
      noise[line.noise]++;
      noiseLines++;
    }
    batch.push(line.text, eol);
    if (batch.length >= 512) {
      await flushBatch();
    }
  }
  await flushBatch();
  await file.close();
  // Files never reached (fewer rows than files) still exist, empty.
  for (let i = index + 1; i < fileCount; i++) {
    await new ChunkedFile(paths[i], i < fileCount - 1 && (options.gzipOlder ?? false)).close();
  }
  return { files: paths, rows: rowsDone, noiseLines, noise, spikes: generator.spikes };
}
