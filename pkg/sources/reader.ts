import { createReadStream, promises as fs, Stats } from 'fs';
import { createGunzip } from 'zlib';
import { Store } from '../store/store';
import { expandPaths, isGzip } from './files';
import type { LineSource } from '../store/request-ids';
import { RequestIdReader } from './id-lookup';
import type { LineBatch } from './line-batch';
import { LineParser, SourceConfig } from './parse-line';
import { defaultScanWorkers, OrderedScans, ScanPool } from './scan-pool';

/**
 * What the reader knows of one file, by device and inode (a renamed file is the same file):
 * how far it has read it and what its content starts with.
 */
export interface FileState {
  path: string;
  /** Bytes consumed (of the decompressed content, for gzip): up to the end of the last complete line. */
  offset: number;
  /** The content's first bytes: tells a truncated-and-rewritten file, and finds a file's rotated copy. */
  head: Buffer;
  /** gzip files are read once, whole; they are rotated archives, never appended to. */
  done: boolean;
  /** The file as the store's rows refer to it (request ids are read back from it). */
  source: LineSource;
  /** A copy of this file's content seen since (copy-truncate, gzip): where the rows' lines are once it is gone. */
  copy?: LineSource;
}

export interface ReadProgress {
  bytes: number;
  rows: number;
}

/** How the reader uses worker threads. */
export interface ReadOptions {
  /** Worker threads that scan lines while this thread reads and appends (0: all on this thread). Default: one per core, at most 8. */
  scanWorkers?: number;
  /** Only files with at least this many new bytes are read with the workers (starting them costs ~50 ms). */
  parallelFromBytes?: number;
  /** Bytes read at a time (a worker's task); default 1 MiB. */
  chunkBytes?: number;
}

/** Below this, a read is done on this thread: live appends and small files do not wait for workers to start. */
const PARALLEL_FROM_BYTES = 16 << 20;

const HEAD_BYTES = 256;
/** A shorter common beginning does not prove two files hold the same content. */
const MIN_IDENTITY_BYTES = 48;
const CHUNK = 1 << 20;
/** States of files that are gone are kept this long (by count) to recognise their gzipped copies. */
const MAX_FORGOTTEN = 1000;

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

/** The first bytes of a gzip file's content. */
async function gzipHead(file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  const stream = createReadStream(file, { start: 0, highWaterMark: 64 * 1024 }).pipe(createGunzip());
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      parts.push(piece);
      size += piece.length;
      if (size >= HEAD_BYTES) {
        break;
      }
    }
  } catch {
    // A damaged archive: whatever came out before the damage is its head.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

/** Do two heads start the same way, over enough bytes to say it is the same content? */
function sameContent(a: Buffer, b: Buffer): boolean {
  const n = Math.min(a.length, b.length);
  return n >= MIN_IDENTITY_BYTES && a.subarray(0, n).equals(b.subarray(0, n));
}

const identity = (stat: Stats): string => `${stat.dev}:${stat.ino}`;

/** `copy` holds the content of `original` (same bytes at the same offsets): its rows' lines live on there. */
function copied(original: FileState, copy: LineSource): void {
  original.copy = copy;
  if (!original.path) {
    original.source.moved = copy; // the original is already gone or truncated
  }
}

/** A file was truncated or removed: its rows' lines are in its copy, if one was seen, or nowhere. */
function contentGone(state: FileState): void {
  if (state.copy) {
    state.source.moved = state.copy;
  } else {
    state.source.path = '';
  }
}

/**
 * Reads log files into a store and, called again, reads only what is new — following the ways
 * log files rotate:
 * - appended lines are read from where the last read stopped; a plain file's unterminated last
 *   line is not a record yet (the server is still writing it);
 * - rename (`app.log` → `app.log.1`): the renamed file is the same inode, read on to its end;
 *   the new `app.log` is read from its start;
 * - copy-truncate: the copy's content starts like the file did, so it is read from where the
 *   file was left; the truncated file is read from its start;
 * - a file replaced by a new one with the same name is a new inode, read from its start;
 * - a `.gz` archive of a file already read is recognised by its content's first bytes, and only
 *   what was not read yet (if anything) is taken from it.
 */
export class LogReader {
  readonly store: Store;
  private readonly parser: LineParser;
  private readonly files = new Map<string, FileState>();
  private pending: Promise<void> | null = null;
  private retired = 0;
  bytesRead = 0;
  private readonly config: SourceConfig;
  private readonly scanWorkers: number;
  private readonly parallelFromBytes: number;
  private readonly chunkBytes: number;
  /** The scan workers of the read under way, started for its first large file. */
  private pool: ScanPool | null = null;
  /** Bytes the scan workers read (the rest was read on this thread). */
  bytesReadByWorkers = 0;
  /** Why scan workers could not be started, if they could not (the logs are then read on one thread). */
  scanWorkersUnavailable: string | null = null;

  constructor(
    private readonly paths: string[],
    config: SourceConfig = {},
    store?: Store,
    options: ReadOptions = {}
  ) {
    this.store = store ?? new Store();
    this.config = config;
    this.parser = new LineParser(this.store, config);
    this.scanWorkers = options.scanWorkers ?? defaultScanWorkers();
    this.parallelFromBytes = options.parallelFromBytes ?? PARALLEL_FROM_BYTES;
    this.chunkBytes = options.chunkBytes ?? CHUNK;
    const ids = this.store.requestIds;
    if (ids) {
      ids.lookup = new RequestIdReader(this.store, this.parser).lookup;
    }
  }

  /** Files being read now (plain and gzip). */
  get fileCount(): number {
    let count = 0;
    for (const state of this.files.values()) {
      count += state.path ? 1 : 0;
    }
    return count;
  }

  /** Total size of the files to read, for progress bars. */
  async totalBytes(): Promise<number> {
    let total = 0;
    for (const file of await expandPaths(this.paths)) {
      total += (await fs.stat(file).catch(() => null))?.size ?? 0;
    }
    return total;
  }

  /** Is a read under way (the store may hold rows its file states do not count yet)? */
  get reading(): boolean {
    return this.pending !== null;
  }

  /** What the reader knows of each file, by identity, for the restart cache (read while not reading). */
  fileStates(): { files: Array<[string, FileState]>; retired: number } {
    return { files: [...this.files], retired: this.retired };
  }

  /** Takes the file states of fileStates() (restored from the cache, sources shared with the store's rows). */
  restoreFileStates(files: Array<[string, FileState]>, retired: number): void {
    this.files.clear();
    for (const [key, state] of files) {
      this.files.set(key, state);
    }
    this.retired = retired;
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
    try {
      await this.readFiles(onProgress);
    } finally {
      const pool = this.pool;
      this.pool = null;
      await pool?.close();
    }
  }

  private async readFiles(onProgress?: (p: ReadProgress) => void): Promise<void> {
    const report = (): void => onProgress?.({ bytes: this.bytesRead, rows: this.store.length });
    const present = new Set<string>();
    // Oldest first (expandPaths orders rotated copies before the live file), so a copy is matched
    // to the state of the file it was copied from before that file is seen truncated.
    for (const file of await expandPaths(this.paths)) {
      const stat = await fs.stat(file).catch(() => null);
      if (!stat) {
        continue; // rotated away between listing and reading
      }
      const key = identity(stat);
      present.add(key);
      if (isGzip(file)) {
        await this.readGzipOnce(file, key, stat.size, report);
      } else {
        await this.readPlainFile(file, key, stat.size, report);
      }
    }
    this.forgetGone(present);
    this.store.lineSource = null; // rows appended by others keep their ids in memory
    report();
  }

  private async readPlainFile(file: string, key: string, size: number, report: () => void): Promise<void> {
    let state = this.files.get(key);
    if (state && !(await this.continues(file, state, size))) {
      // Truncated (copy-truncate rotation), even if it has grown again since: read it anew. The old
      // state stays, under another key, so that the copy is still recognised if it is seen later.
      this.files.set(`${key}#${++this.retired}`, { ...state, path: '' });
      contentGone(state);
      state = undefined;
    }
    if (!state) {
      const head = await readBytes(file, 0, HEAD_BYTES);
      const original = this.findByContent(head, key);
      // A copy of a file already read (copy-truncate) goes on from where that file was left.
      const offset = original && original.offset <= size ? original.offset : 0;
      state = { path: file, offset, head, done: false, source: { path: file, gzip: false } };
      this.files.set(key, state);
      if (original) {
        copied(original, state.source);
      }
    }
    state.path = file;
    state.source.path = file;
    if (size > state.offset) {
      state.offset = await this.readPlain(file, state.source, state.offset, size, report);
      if (state.head.length < HEAD_BYTES) {
        state.head = await readBytes(file, 0, HEAD_BYTES);
      }
    }
  }

  private async readGzipOnce(file: string, key: string, size: number, report: () => void): Promise<void> {
    const known = this.files.get(key);
    if (known?.done) {
      known.path = file;
      known.source.path = file;
      return;
    }
    const head = await gzipHead(file);
    const original = this.findByContent(head, key);
    const state: FileState = { path: file, offset: 0, head, done: true, source: { path: file, gzip: true } };
    this.files.set(key, state);
    if (original) {
      copied(original, state.source);
    }
    try {
      // An archive of a file already read: only what was written after the last read is new.
      state.offset = await this.readGzip(file, size, state.source, original?.offset ?? 0, report);
    } catch {
      // A damaged archive: the lines before the damage are kept, the file is counted.
      this.store.skip('corrupt_gzip_file');
    }
    if (original) {
      original.offset = Math.max(original.offset, state.offset);
    }
  }

  /** The state of another file whose content begins like `head` (the one that agrees longest). */
  private findByContent(head: Buffer, exceptKey: string): FileState | undefined {
    let best: FileState | undefined;
    for (const [key, state] of this.files) {
      if (key !== exceptKey && sameContent(state.head, head) && (!best || state.head.length > best.head.length)) {
        best = state;
      }
    }
    return best;
  }

  /** Files that are gone keep their state a while (their gzipped copy may appear), but not their path. */
  private forgetGone(present: Set<string>): void {
    const gone: string[] = [];
    for (const [key, state] of this.files) {
      if (!present.has(key)) {
        if (state.path) {
          contentGone(state);
        }
        state.path = '';
        gone.push(key);
      }
    }
    for (const key of gone.slice(0, Math.max(0, gone.length - MAX_FORGOTTEN))) {
      this.files.delete(key);
    }
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

  /**
   * Where a file's lines go: to the scan workers when there are at least parallelFromBytes of them (the workers
   * started on first need), else parsed on this thread as they are read.
   */
  private linesOf(source: LineSource, newBytes: number, report: () => void): LineSink {
    if (newBytes >= this.parallelFromBytes && this.scanWorkers > 0 && this.parser.batchable()) {
      if (!this.pool && this.scanWorkersUnavailable === null) {
        const pool = ScanPool.open(this.config, this.scanWorkers);
        if (pool instanceof Error) {
          this.scanWorkersUnavailable = pool.message;
        } else {
          this.pool = pool;
        }
      }
      if (this.pool) {
        let roomMade = false;
        return new OrderedScans(this.pool, source, (batch: LineBatch, from: LineSource, bytes: number) => {
          if (!roomMade && batch.rows > 0) {
            // Lines are alike in length: the first batch tells about how many rows the file holds.
            this.store.makeRoom(Math.ceil((newBytes / bytes) * batch.rows * 1.02));
            roomMade = true;
          }
          this.parser.addBatch(batch, from);
          this.bytesRead += bytes;
          this.bytesReadByWorkers += bytes;
          report();
        });
      }
    }
    return {
      buffer: (length) => Buffer.allocUnsafeSlow(length),
      add: async (buf, start, end, base, consumed) => {
        this.parser.parseBuffer(buf, start, end, source, base);
        this.bytesRead += consumed;
        report();
      },
      drain: async () => undefined,
    };
  }

  /** Reads complete lines from `offset` up to `size`; returns the new offset. */
  private async readPlain(
    file: string,
    source: LineSource,
    offset: number,
    size: number,
    report: () => void
  ): Promise<number> {
    const handle = await fs.open(file, 'r');
    const lines = this.linesOf(source, size - offset, report);
    try {
      let carry: Buffer = Buffer.alloc(0);
      let position = offset;
      let consumed = offset;
      while (position < size) {
        const length = Math.min(this.chunkBytes, size - position);
        // A buffer of its own (it may be handed to a worker), the last read's unfinished line first.
        const buffer = lines.buffer(carry.length + length);
        carry.copy(buffer, 0);
        const { bytesRead } = await handle.read(buffer, carry.length, length, position);
        if (bytesRead === 0) {
          break;
        }
        position += bytesRead;
        const filled = carry.length + bytesRead;
        const lastNewline = buffer.lastIndexOf(10, filled - 1);
        if (lastNewline < 0) {
          carry = buffer.subarray(0, filled);
          continue;
        }
        carry = Buffer.from(buffer.subarray(lastNewline + 1, filled));
        // Cutting at a newline byte never splits a UTF-8 character.
        await lines.add(buffer, bomLength(buffer, consumed), lastNewline, consumed, lastNewline + 1);
        consumed += lastNewline + 1;
      }
      await lines.drain();
      return consumed;
    } finally {
      await handle.close();
    }
  }

  /**
   * Reads a whole gzip file, skipping the first `skip` bytes of its content (already read from
   * the file it archives); its last line counts even without a newline (the archive is final).
   * Returns the content's length.
   */
  private async readGzip(
    file: string,
    size: number,
    source: LineSource,
    skip: number,
    report: () => void
  ): Promise<number> {
    // Compressed logs expand several times (`size` is the archive's): a large archive is worth the workers.
    const lines = this.linesOf(source, size * 4, report);
    let pieces: Buffer[] = [];
    let pending = 0;
    let consumed = skip; // content offset of the first pending byte
    let position = 0;
    /** Sends the complete lines pending (final: all of them, the last one even without a \n). */
    const flush = async (final: boolean): Promise<void> => {
      const buffer = Buffer.concat(pieces, pending);
      const end = final ? buffer.length : buffer.lastIndexOf(10);
      if (end < 0) {
        pieces = [buffer];
        return;
      }
      const used = final ? end : end + 1;
      pieces = used < buffer.length ? [Buffer.from(buffer.subarray(used))] : [];
      pending = buffer.length - used;
      await lines.add(buffer, bomLength(buffer, consumed), end, consumed, used);
      consumed += used;
    };
    try {
      const stream = createReadStream(file, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: 256 << 10 }));
      for await (const piece of stream as AsyncIterable<Buffer>) {
        const start = position;
        position += piece.length;
        if (position <= skip) {
          continue;
        }
        const fresh = start < skip ? piece.subarray(skip - start) : piece;
        pieces.push(fresh);
        pending += fresh.length;
        if (pending >= this.chunkBytes) {
          await flush(false);
        }
      }
      if (pending > 0) {
        await flush(true);
      }
    } catch (error) {
      await flush(false); // the complete lines before the damage are kept
      throw error;
    } finally {
      // Lines before a damaged part are kept: what was sent is appended either way.
      await lines.drain();
    }
    return position;
  }
}

/** Where the reader puts buffers of complete lines: buf[start, end), buf[0] at file offset `base`. */
interface LineSink {
  /** A buffer of at least `length` bytes that the sink may keep (add hands it over). */
  buffer(length: number): Buffer;
  add(buf: Buffer, start: number, end: number, base: number, consumed: number): Promise<void>;
  drain(): Promise<void>;
}

/** Length of the UTF-8 byte order mark buf starts with when it is the file's start (offset 0), else 0. */
function bomLength(buf: Buffer, offset: number): number {
  return offset === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}
