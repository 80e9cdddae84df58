import { closeSync, openSync, readFileSync, readSync } from 'fs';
import { gunzipSync } from 'zlib';
import type { LineSource } from '../store/request-ids';
import { Store } from '../store/store';
import { LineParser, MAX_LINE_LENGTH } from './parse-line';

/**
 * Bytes read at a time: enough for a run of neighbouring lines (an export reads rows in file order, so one read
 * serves ~70 of them), small enough that ids scattered over a file (anomalies) cost little each.
 */
const BLOCK = 16 * 1024;
/** A cached block or archive is trusted this long: files change (appends, rotation) between queries. */
const CACHE_MS = 2000;

/**
 * Reads request ids back from the log files, for the rows whose id the store does not keep in memory. The line
 * at the row's offset is parsed again with the same rules and must give the row's time — otherwise the file
 * no longer holds that line and the id is unavailable (counted, shown as a notice). Rotated `.gz` archives are
 * decompressed whole, once per query.
 */
export class RequestIdReader {
  // Cached by source, not path: another file may have taken the path since (rotation).
  private block: { source: LineSource; start: number; bytes: Buffer; at: number } | null = null;
  private archive: { source: LineSource; content: Buffer; at: number } | null = null;
  /** The open file of the last plain read: ids shown together come from few files. Closed when idle. */
  private file: { source: LineSource; fd: number; at: number } | null = null;

  constructor(
    private readonly store: Store,
    private readonly parser: LineParser
  ) {}

  readonly lookup = (source: LineSource, offset: number, row: number): string | null | undefined => {
    let current = source;
    while (current.moved) {
      current = current.moved;
    }
    if (!current.path) {
      return undefined;
    }
    let line: Line | null;
    try {
      line = current.gzip ? this.archiveLine(current, offset) : this.plainLine(current, offset);
    } catch {
      line = null; // gone since, or unreadable
    }
    const read = line === null ? null : this.parser.readBackBytes(line.bytes, line.start, line.end);
    if (!read || read.timeUs !== this.store.time.get(row)) {
      return undefined;
    }
    return read.id;
  };

  private plainLine(source: LineSource, offset: number): Line | null {
    const now = Date.now();
    let block = this.block;
    if (block && block.source === source && now - block.at < CACHE_MS && offset >= block.start) {
      const line = lineIn(block.bytes, offset - block.start);
      if (line !== null) {
        return line;
      }
    }
    const fd = this.open(source, now);
    try {
      for (let size = BLOCK; ; size *= 2) {
        const bytes = Buffer.allocUnsafe(size);
        const length = readSync(fd, bytes, 0, size, offset);
        block = { source, start: offset, bytes: bytes.subarray(0, length), at: now };
        const line = lineIn(block.bytes, 0);
        if (line !== null || length < size || size > MAX_LINE_LENGTH) {
          this.block = block;
          return line ?? (length > 0 && length < size ? { bytes: block.bytes, start: 0, end: length } : null);
        }
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private open(source: LineSource, now: number): number {
    if (this.file && this.file.source === source && now - this.file.at < CACHE_MS) {
      return this.file.fd;
    }
    this.close();
    const fd = openSync(source.path, 'r');
    this.file = { source, fd, at: now };
    setTimeout(() => this.file?.fd === fd && this.close(), CACHE_MS).unref();
    return fd;
  }

  private close(): void {
    if (this.file) {
      closeSync(this.file.fd);
      this.file = null;
    }
  }

  private archiveLine(source: LineSource, offset: number): Line | null {
    const now = Date.now();
    if (!this.archive || this.archive.source !== source || now - this.archive.at >= CACHE_MS) {
      this.archive = { source, content: gunzipSync(readFileSync(source.path)), at: now };
    }
    const content = this.archive.content;
    if (offset >= content.length) {
      return null;
    }
    // An archive is final: its last line counts without a newline.
    return lineIn(content, offset) ?? { bytes: content, start: offset, end: content.length };
  }
}

/** A line in a buffer: bytes[start, end), without its newline. */
interface Line {
  bytes: Buffer;
  start: number;
  end: number;
}

/** The line starting at bytes[at], if its newline is in `bytes`. */
function lineIn(bytes: Buffer, at: number): Line | null {
  const end = bytes.indexOf(10, at);
  return end < 0 ? null : { bytes, start: at, end };
}
