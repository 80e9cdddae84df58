import { createReadStream, promises as fs } from 'fs';
import { createGunzip } from 'zlib';
import { Store } from '../store/store';
import { expandPaths, isGzip } from './files';
import { LineParser, SourceConfig } from './parse-line';

/** What the reader knows of one file: how far it has read it, and which file it was. */
interface FileState {
  /** Bytes consumed: everything up to the end of the last complete line. */
  offset: number;
  inode: number;
  /** The file's first bytes when last read: if they change, the file was truncated and rewritten. */
  head: Buffer;
  /** gzip files are read once, whole; they are rotated archives, never appended to. */
  done: boolean;
}

export interface ReadProgress {
  bytes: number;
  rows: number;
}

const BOM = '\uFEFF';
const HEAD_BYTES = 256;

async function readBytes(file: string, position: number, length: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
const CHUNK = 1 << 20;

/**
 * Reads log files into a store and, called again, reads only what was appended since.
 * A plain file's unterminated last line is not a record yet: the server is still writing it.
 */
export class LogReader {
  readonly store: Store;
  private readonly parser: LineParser;
  private readonly files = new Map<string, FileState>();
  private pending: Promise<void> | null = null;
  bytesRead = 0;

  /** Files seen so far (plain and gzip). */
  get fileCount(): number {
    return this.files.size;
  }

  constructor(
    private readonly paths: string[],
    config: SourceConfig = {},
    store?: Store
  ) {
    this.store = store ?? new Store();
    this.parser = new LineParser(this.store, config);
  }

  /** Reads whatever is new. Concurrent calls share one read. */
  refresh(onProgress?: (p: ReadProgress) => void): Promise<void> {
    if (!this.pending) {
      this.pending = this.readNew(onProgress).finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  private async readNew(onProgress?: (p: ReadProgress) => void): Promise<void> {
    const report = (): void => onProgress?.({ bytes: this.bytesRead, rows: this.store.length });
    for (const file of await expandPaths(this.paths)) {
      const stat = await fs.stat(file).catch(() => null);
      if (!stat) {
        continue; // rotated away between listing and reading
      }
      let state = this.files.get(file);
      if (state && !state.done && (state.inode !== stat.ino || !(await this.continues(file, state, stat.size)))) {
        // Replaced, or truncated (copy-truncate rotation) even if it has grown again since: read it anew.
        state = undefined;
      }
      if (!state) {
        state = { offset: 0, inode: stat.ino, done: false, head: Buffer.alloc(0) };
        this.files.set(file, state);
      }
      if (state.done || stat.size === state.offset) {
        continue;
      }
      if (isGzip(file)) {
        state.done = true;
        await this.readGzip(file, report).catch(() => {
          // A damaged archive: the lines before the damage are kept, the file is counted.
          this.store.skip('corrupt_gzip_file');
        });
      } else {
        state.offset = await this.readPlain(file, state.offset, stat.size, report);
        if (state.head.length < HEAD_BYTES) {
          state.head = await readBytes(file, 0, Math.min(HEAD_BYTES, state.offset));
        }
      }
    }
    report();
  }

  /**
   * Is the file still the one read up to `state.offset`, with only appends since? Its size has not
   * shrunk, its first bytes are the same, and the byte before the offset is still a line end.
   */
  private async continues(file: string, state: FileState, size: number): Promise<boolean> {
    if (size < state.offset) {
      return false;
    }
    if (state.offset === 0) {
      return true;
    }
    const head = await readBytes(file, 0, state.head.length);
    const lastByte = await readBytes(file, state.offset - 1, 1);
    return head.equals(state.head) && lastByte[0] === 10;
  }

  private parseText(text: string, atFileStart: boolean): void {
    const lines = (atFileStart && text.startsWith(BOM) ? text.slice(1) : text).split('\n');
    for (const line of lines) {
      this.parser.parse(line);
    }
  }

  /** Reads complete lines from `offset` up to `size`; returns the new offset. */
  private async readPlain(file: string, offset: number, size: number, report: () => void): Promise<number> {
    const handle = await fs.open(file, 'r');
    try {
      let carry = Buffer.alloc(0);
      let position = offset;
      let consumed = offset;
      while (position < size) {
        const length = Math.min(CHUNK, size - position);
        const chunk = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(chunk, 0, length, position);
        if (bytesRead === 0) {
          break;
        }
        position += bytesRead;
        const buffer = carry.length
          ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
        const lastNewline = buffer.lastIndexOf(10);
        if (lastNewline < 0) {
          carry = buffer;
          continue;
        }
        // Cutting at a newline byte never splits a UTF-8 character.
        this.parseText(buffer.toString('utf8', 0, lastNewline), consumed === 0);
        consumed += lastNewline + 1;
        this.bytesRead += lastNewline + 1;
        carry = buffer.subarray(lastNewline + 1);
        report();
      }
      return consumed;
    } finally {
      await handle.close();
    }
  }

  /** Reads a whole gzip file; its last line counts even without a newline (the archive is final). */
  private async readGzip(file: string, report: () => void): Promise<void> {
    let carry = '';
    let first = true;
    const stream = createReadStream(file, { highWaterMark: CHUNK }).pipe(createGunzip());
    stream.setEncoding('utf8');
    for await (const piece of stream as AsyncIterable<string>) {
      const text = carry + piece;
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline < 0) {
        carry = text;
        continue;
      }
      this.parseText(text.slice(0, lastNewline), first);
      first = false;
      carry = text.slice(lastNewline + 1);
      this.bytesRead += Buffer.byteLength(piece);
      report();
    }
    if (carry) {
      this.parseText(carry, first);
    }
  }
}
