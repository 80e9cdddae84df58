import { constants as fsConstants, createReadStream, promises as fs, Stats, statSync } from 'fs';
import type { FileHandle } from 'fs/promises';
import path from 'path';
import { createGunzip } from 'zlib';
import { REQUEST_ID, Store } from '../store/store';
import { expandPaths, isGzip, listLogFiles, problemReason } from './files';
import type { LineSource } from '../store/request-ids';
import { RequestIdReader } from './id-lookup';
import { LineBatch, MAX_LINE_LENGTH } from './line-batch';
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
  /** The offset is inside an over-long line or a run of NUL bytes, skipped up to its end. */
  skipping?: Skipping;
  /** gzip: the archive's size when it was found cut short (being written): read on when it grows. */
  size?: number;
  /**
   * A copy (copy-truncate) found shorter than `offset`, where its original was read to: being written, read on
   * from `offset` once it gets there.
   */
  copying?: boolean;
}

/** What the bytes at a file's offset belong to when it is not a line's start. */
export type Skipping = 'long_line' | 'nul';

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
  /**
   * Retention, applied after every read: requests older than this many ms before the newest one leave memory,
   * then all but the newest `retentionRows` (the oldest first).
   */
  retentionMs?: number;
  retentionRows?: number;
}

/** Below this, a read is done on this thread: live appends and small files do not wait for workers to start. */
const PARALLEL_FROM_BYTES = 16 << 20;

const HEAD_BYTES = 256;
/** A shorter common beginning does not prove two files hold the same content. */
const MIN_IDENTITY_BYTES = 48;
const CHUNK = 1 << 20;
/** States of files that are gone are kept this long (by count) to recognise their gzipped copies. */
const MAX_FORGOTTEN = 1000;
/**
 * A gzip archive expands at most this many times its size (JSON logs compress 5-20×), and always to
 * GZIP_MIN_BOUND: past that it is a decompression bomb, read no further (`gzip_too_large`).
 */
export const GZIP_MAX_RATIO = 100;
export const GZIP_MIN_BOUND = 64 << 20;
/** Opening never blocks (a FIFO would wait for a writer forever); regular files read as usual. */
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);
const ZEROS = Buffer.alloc(64 << 10);
/** A gzip archive cut short and not modified for this long is damaged, not being written. */
const GZIP_SETTLED_MS = 10_000;
/** A file shorter than the file whose copy it is, not modified for this long, is not a copy being written. */
const COPY_SETTLED_MS = 10_000;

async function readBytes(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** A stream of the open file from its start (the handle stays open: it is the file the reader identified). */
function streamOf(handle: FileHandle, highWaterMark: number): NodeJS.ReadableStream {
  return createReadStream('', { fd: handle, start: 0, autoClose: false, highWaterMark });
}

/** The first bytes of a gzip file's content; cut: the archive ends (unfinished?) before HEAD_BYTES of it. */
async function gzipHead(handle: FileHandle): Promise<{ head: Buffer; cut: boolean }> {
  let cut = false;
  const parts: Buffer[] = [];
  let size = 0;
  const stream = streamOf(handle, 64 * 1024).pipe(createGunzip());
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      parts.push(piece);
      size += piece.length;
      if (size >= HEAD_BYTES) {
        break;
      }
    }
  } catch (error) {
    // A damaged or unfinished archive: whatever came out before the damage is its head.
    cut = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
  } finally {
    stream.destroy();
  }
  return { head: Buffer.concat(parts).subarray(0, HEAD_BYTES), cut };
}

/** Do two heads start the same way, over enough bytes to say it is the same content? */
function sameContent(a: Buffer, b: Buffer): boolean {
  const n = Math.min(a.length, b.length);
  return n >= MIN_IDENTITY_BYTES && a.subarray(0, n).equals(b.subarray(0, n));
}

const identity = (stat: Stats): string => `${stat.dev}:${stat.ino}`;

/** Does `from`'s moved chain pass through `to` (then `to` moved to `from` would make a loop)? */
function reaches(from: LineSource, to: LineSource): boolean {
  for (let current: LineSource | undefined = from; current; current = current.moved) {
    if (current === to) {
      return true;
    }
  }
  return false;
}

/** The source a source's lines are read back from: the last of its `moved` chain. */
function lastOf(source: LineSource): LineSource {
  let current = source;
  while (current.moved) {
    current = current.moved;
  }
  return current;
}

/** `copy` holds the content of `original` (same bytes at the same offsets): its rows' lines live on there. */
function copied(original: FileState, copy: LineSource): void {
  original.copy = copy;
  if (!original.path) {
    original.source.moved = copy; // the original is already gone or truncated
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
  /**
   * The files of the read under way; about how many new bytes they hold (gzip ones as if 4x larger: looked up by
   * the first large file, the only reads that size the store) and whether the store was given room for their rows —
   * once per read, so that a read of many files grows no column twice.
   */
  private readEstimate: { files: string[]; bytes?: number; roomMade: boolean } = { files: [], roomMade: false };
  /** Why scan workers could not be started, if they could not (the logs are then read on one thread). */
  scanWorkersUnavailable: string | null = null;
  /** Files and folders the last read could not read, `name: why`, named relative to their configured path. */
  unreadFiles: string[] = [];

  private readonly retentionMs: number | undefined;
  private readonly retentionRows: number | undefined;

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
    this.retentionMs = options.retentionMs;
    this.retentionRows = options.retentionRows;
    const ids = this.store.loads(REQUEST_ID) ? this.store.requestIds : undefined;
    if (ids) {
      ids.lookup = new RequestIdReader(this.store, this.parser, {
        describe: (source) => this.describeSource(source),
        folders: () => this.folders(),
      }).lookup;
    }
  }

  /**
   * The identities and content head of the file a source stands for, for the id lookup to find it when it is no
   * longer where the last read saw it (renamed, copied or gzipped since). A retired state's identity is another
   * file's now (truncated, reused inode): only its head is told.
   */
  private describeSource(source: LineSource): { keys: string[]; head: Buffer | null } {
    const keys: string[] = [];
    let head: Buffer | null = null;
    for (const [key, state] of this.files) {
      if (state.source === source) {
        if (!key.includes('#')) {
          keys.push(key);
        }
        if (!head || state.head.length > head.length) {
          head = state.head;
        }
      }
    }
    return { keys, head };
  }

  /** The folders the reader's files are in (configured folders, and those of the files read). */
  private folders(): string[] {
    const folders = new Set<string>();
    for (const given of this.paths) {
      try {
        folders.add(statSync(given).isDirectory() ? given : path.dirname(given));
      } catch {
        // a glob, or gone
      }
    }
    for (const state of this.files.values()) {
      if (state.path) {
        folders.add(path.dirname(state.path));
      }
    }
    return [...folders];
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

  /** About how many bytes of `files` are not read yet (a file's size past its read offset; gzip files x4). */
  private async newBytesEstimate(files: string[]): Promise<number> {
    let total = 0;
    for (const file of files) {
      const stat = await fs.stat(file).catch(() => null);
      if (stat?.isFile()) {
        const state = this.files.get(identity(stat));
        total += isGzip(file) ? (state?.done ? 0 : stat.size * 4) : Math.max(0, stat.size - (state?.offset ?? 0));
      }
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
      if (this.retentionMs !== undefined || this.retentionRows !== undefined) {
        this.store.applyRetention(this.retentionMs, this.retentionRows);
      }
    } finally {
      const pool = this.pool;
      this.pool = null;
      await pool?.close();
    }
  }

  private async readFiles(onProgress?: (p: ReadProgress) => void): Promise<void> {
    const report = (): void => onProgress?.({ bytes: this.bytesRead, rows: this.store.length });
    const present = new Set<string>();
    const listed = await listLogFiles(this.paths);
    const unread = listed.problems.map((p) => `${p.name}: ${p.reason}`);
    this.readEstimate = { files: listed.files.map((f) => f.path), roomMade: false };
    // Oldest first (the listing orders rotated copies before the live file), so a copy is matched
    // to the state of the file it was copied from before that file is seen truncated.
    for (const { path: file, name } of listed.files) {
      // Opened once and identified by the open handle: a rename after listing cannot make it read another file.
      let handle: FileHandle;
      try {
        handle = await fs.open(file, OPEN_FLAGS);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          unread.push(`${name}: ${problemReason(error)}`);
        } // else rotated away between listing and reading
        continue;
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) {
          unread.push(`${name}: not a regular file`);
          continue;
        }
        const key = identity(stat);
        present.add(key);
        this.staleIdentity(key, isGzip(file), stat.size);
        if (isGzip(file)) {
          await this.readGzipOnce(handle, file, key, stat, report);
        } else {
          await this.readPlainFile(handle, file, key, stat, report);
        }
      } finally {
        await handle.close();
      }
    }
    this.forgetGone(present);
    this.unreadFiles = unread;
    this.store.unreadFiles = unread;
    this.store.lineSource = null; // rows appended by others keep their ids in memory
    report();
  }

  private async readPlainFile(
    handle: FileHandle,
    file: string,
    key: string,
    stat: Stats,
    report: () => void
  ): Promise<void> {
    const size = stat.size;
    // Written to lately: a copy shorter than its original may still be being written (a copy-truncate's `cp`).
    const growing = Date.now() - stat.mtimeMs < COPY_SETTLED_MS;
    let state = this.files.get(key);
    if (state?.offset === 0 && !state.skipping) {
      // Nothing read from it yet: looked at anew (a reused inode may now hold another file's copy).
      this.files.delete(key);
      state = undefined;
    }
    if (state && !(await this.continues(handle, state, size, growing))) {
      // Truncated (copy-truncate rotation), even if it has grown again since: read it anew. The old
      // state stays, under another key, so that the copy is still recognised if it is seen later.
      this.files.set(`${key}#${++this.retired}`, { ...state, path: '' });
      this.contentGone(state);
      state = undefined;
    }
    if (!state) {
      const head = await readBytes(handle, 0, HEAD_BYTES);
      const original = this.findByContent(head, key);
      // A copy of a file already read (copy-truncate) goes on from where that file was left — also when it is
      // shorter than that yet but being written (the copy under way): it is read on once it gets there. Read from
      // its start, the lines copied so far would be read twice.
      const resume = original && (original.offset <= size || growing);
      const offset = resume ? original.offset : 0;
      state = { path: file, offset, head, done: false, source: { path: file, gzip: false } };
      if (resume && original.skipping) {
        state.skipping = original.skipping;
      }
      if (resume && original.offset > size) {
        state.copying = true;
      }
      this.files.set(key, state);
      if (original) {
        copied(original, state.source);
        this.adoptOrphans(state.head, state.source, key);
      }
    }
    state.path = file;
    state.source.path = file;
    if (state.copying && size >= state.offset) {
      delete state.copying; // the copy has caught up (continues() checked it is the same content)
    }
    if (!state.copying && !state.skipping) {
      // A file and its copy (a copy-truncate's, until the truncate) hold the same lines at the same offsets: what
      // was read of one is not read again from the other.
      const ahead = this.readElsewhere(state);
      if (ahead > size && growing) {
        return; // a copy under way, behind what was read: nothing new in it yet
      }
      if (ahead > state.offset && (await readBytes(handle, ahead - 1, 1))[0] === 10) {
        state.offset = ahead;
      }
    }
    if (size > state.offset && !state.copying) {
      const from = state.offset;
      const end = await this.readPlain(handle, state.source, from, size, state.skipping ?? null, report);
      state.offset = end.offset;
      if (end.skipping) {
        state.skipping = end.skipping;
      } else {
        delete state.skipping;
      }
      if (state.head.length < HEAD_BYTES && state.head.length >= from) {
        // The head grows by the bytes this read read, not by reading the file again: it may have been truncated
        // and rewritten since (copy-truncate), and the head must be that of the content the rows came from.
        state.head = Buffer.concat([state.head.subarray(0, from), end.first]).subarray(0, HEAD_BYTES);
      }
    }
  }

  private async readGzipOnce(
    handle: FileHandle,
    file: string,
    key: string,
    stat: Stats,
    report: () => void
  ): Promise<void> {
    const size = stat.size;
    let state = this.files.get(key);
    if (state) {
      state.path = file;
      state.source.path = file;
      if (state.done) {
        return;
      }
      if (state.size === size) {
        // Found cut short and has not grown since: it is damaged, not being written.
        state.done = true;
        this.store.skip('corrupt_gzip_file');
        return;
      }
    }
    // An archive cut short may be being written (gzip runs while it is read): counted as damaged only once it
    // has stopped changing (unchanged at the next read, or not modified for GZIP_SETTLED_MS).
    const settled = Date.now() - stat.mtimeMs >= GZIP_SETTLED_MS;
    if (!state || state.head.length < HEAD_BYTES) {
      const { head, cut } = await gzipHead(handle);
      if (!state && cut && head.length < MIN_IDENTITY_BYTES && !settled) {
        return; // too little written yet to tell which file it archives: the next read looks again
      }
      if (!state) {
        state = { path: file, offset: 0, head, done: true, source: { path: file, gzip: true } };
        this.files.set(key, state);
      }
      state.head = head;
    }
    const original = this.findByContent(state.head, key);
    if (original && original.copy !== state.source) {
      copied(original, state.source);
      this.adoptOrphans(state.head, state.source, key);
    }
    // An archive of a file already read: only what was written after the last read is new (and of an
    // archive found cut short before, only what follows its last complete line).
    // (The most read of that content: findByContent prefers the longest head, and another file of it may be further.)
    const skip = Math.max(state.offset, original?.offset ?? 0, original ? this.readElsewhere(state) : 0);
    const end = await this.readGzip(handle, size, state.source, skip, original?.skipping ?? null, report);
    state.offset = end.offset;
    state.size = size;
    const outcome = end.outcome === 'truncated' && settled ? 'corrupt' : end.outcome;
    state.done = outcome !== 'truncated';
    if (outcome === 'corrupt' || outcome === 'too_large') {
      // The lines before the damage (or the bound) are kept; the file is counted.
      this.store.skip(outcome === 'corrupt' ? 'corrupt_gzip_file' : 'gzip_too_large');
    }
    if (original) {
      original.offset = Math.max(original.offset, state.offset);
    }
  }

  /** How far the lines of `state`'s content were read from other files of that content (its original, its copies). */
  private readElsewhere(state: FileState): number {
    let offset = 0;
    for (const other of this.files.values()) {
      if (other !== state && other.source !== state.source && !other.skipping && sameContent(other.head, state.head)) {
        offset = Math.max(offset, other.offset);
      }
    }
    return offset;
  }

  /**
   * A file was truncated or removed: its rows' lines are in its copy, if one was seen, else in another file of the
   * same content still there (the file it was itself copied from, or another copy), else nowhere (for now: see
   * adoptOrphans).
   */
  private contentGone(state: FileState): void {
    let copy = state.copy;
    if (!copy) {
      for (const other of this.files.values()) {
        if (other !== state && other.path && other.source !== state.source && sameContent(other.head, state.head)) {
          copy = other.source;
          break;
        }
      }
    }
    if (copy && !reaches(copy, state.source)) {
      state.source.moved = copy;
    } else {
      state.source.path = '';
    }
  }

  /**
   * A copy of content `head` was found (a copy-truncate's copy, a gzip archive). findByContent gave it to one state
   * of that content, but several may hold it — a truncated file's retired state and its copy's, a file whose inode
   * was reused and so was let go before its archive was seen — and the rows of each are in the copy: every such
   * state whose rows' lines are nowhere now reads them back from the copy.
   */
  private adoptOrphans(head: Buffer, copy: LineSource, exceptKey: string): void {
    for (const [key, state] of this.files) {
      if (key === exceptKey || state.path || !sameContent(state.head, head)) {
        continue;
      }
      const last = lastOf(state.source);
      if (!last.path && last !== copy && !reaches(copy, last)) {
        last.moved = copy;
      }
      state.copy ??= copy;
    }
  }

  /**
   * A file system reuses a deleted file's inode for a new file (rotation deletes and creates files all
   * the time): a state of a file that was gone, of the other kind (plain / gzip), or of an archive whose size
   * changed is not this file's. It is kept under another key, so that its content is still recognised.
   */
  private staleIdentity(key: string, gzip: boolean, size: number): void {
    const known = this.files.get(key);
    const resized = gzip && known?.done && known.size !== undefined && known.size !== size;
    if (!known || (known.path && known.source.gzip === gzip && !resized)) {
      return;
    }
    if (known.path) {
      this.contentGone(known);
    }
    known.path = '';
    this.files.delete(key);
    this.files.set(`${key}#${++this.retired}`, known);
  }

  /**
   * The state of another file whose content begins like `head` (the one that agrees longest, then the one read
   * furthest: a truncated file's retired state and its copy's hold the same lines, and a read may see the truncate
   * before the copy, so the retired state can come first and lag behind).
   */
  private findByContent(head: Buffer, exceptKey: string): FileState | undefined {
    let best: FileState | undefined;
    for (const [key, state] of this.files) {
      if (
        key !== exceptKey &&
        sameContent(state.head, head) &&
        (!best ||
          state.head.length > best.head.length ||
          (state.head.length === best.head.length && state.offset > best.offset))
      ) {
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
          this.contentGone(state);
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
   * shrunk, its first bytes are the same, and the byte before the offset is still a line end (or, inside
   * a skipped run of NULs, a NUL; inside an over-long line, anything).
   */
  private async continues(handle: FileHandle, state: FileState, size: number, growing: boolean): Promise<boolean> {
    if (size < state.offset) {
      // A copy being written is not there yet; one that stopped short of where its original was read is not a copy.
      return state.copying === true && growing && (await readBytes(handle, 0, state.head.length)).equals(state.head);
    }
    if (state.offset === 0) {
      return true;
    }
    const head = await readBytes(handle, 0, state.head.length);
    const lastByte = (await readBytes(handle, state.offset - 1, 1))[0];
    const expected = state.skipping === 'long_line' ? lastByte : state.skipping === 'nul' ? 0 : 10;
    return head.equals(state.head) && lastByte === expected;
  }

  /**
   * Where a file's lines go: to the scan workers when there are at least parallelFromBytes of them (the workers
   * started on first need), else parsed on this thread as they are read.
   */
  private async linesOf(source: LineSource, newBytes: number, report: () => void): Promise<LineSink> {
    if (newBytes >= this.parallelFromBytes && this.scanWorkers > 0 && this.parser.batchable()) {
      const estimate = this.readEstimate;
      estimate.bytes ??= await this.newBytesEstimate(estimate.files);
      if (!this.pool && this.scanWorkersUnavailable === null) {
        // The workers fill only the columns the store keeps.
        const pool = ScanPool.open(this.config, this.scanWorkers, this.store.projection);
        if (pool instanceof Error) {
          this.scanWorkersUnavailable = pool.message;
        } else {
          this.pool = pool;
        }
      }
      if (this.pool) {
        return new OrderedScans(this.pool, source, (batch: LineBatch, from: LineSource, bytes: number) => {
          if (!estimate.roomMade && batch.rows > 0) {
            // Lines are alike in length: the first batch tells about how many rows the read's files hold.
            const total = Math.max(estimate.bytes ?? 0, newBytes);
            this.store.makeRoom(Math.ceil((total / bytes) * batch.rows * 1.02));
            estimate.roomMade = true;
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

  /** Reads complete lines from `offset` up to `size`; returns where it stopped. */
  private async readPlain(
    handle: FileHandle,
    source: LineSource,
    offset: number,
    size: number,
    skipping: Skipping | null,
    report: () => void
  ): Promise<{ offset: number; skipping: Skipping | null; first: Buffer }> {
    const lines = await this.linesOf(source, size - offset, report);
    const splitter = new LineSplitter(lines, this.store, offset, skipping, (n) => (this.bytesRead += n));
    /** The first bytes read (up to HEAD_BYTES), copied before the buffer is handed on. */
    let first = Buffer.alloc(0);
    try {
      let position = offset;
      while (position < size) {
        const length = Math.min(this.chunkBytes, size - position);
        // A buffer of its own (it may be handed to a worker), the unfinished line (at most 1 MiB) first.
        const buffer = splitter.buffer(length);
        const { bytesRead } = await handle.read(buffer, splitter.carried, length, position);
        if (bytesRead === 0) {
          break;
        }
        if (position === offset) {
          first = Buffer.from(buffer.subarray(splitter.carried, splitter.carried + Math.min(bytesRead, HEAD_BYTES)));
        }
        position += bytesRead;
        await splitter.push(buffer, splitter.carried + bytesRead, false);
      }
    } finally {
      await lines.drain();
    }
    return { offset: splitter.consumed, skipping: splitter.skipping, first };
  }

  /**
   * Reads a whole gzip file, skipping the first `skip` bytes of its content (already read from
   * the file it archives); its last line counts even without a newline (the archive is final).
   * Returns the content offset read up to and how the read ended: `truncated` (the archive ends
   * early: it may be being written), `corrupt`, `too_large` (past the expansion bound), else `ok`.
   */
  private async readGzip(
    handle: FileHandle,
    size: number,
    source: LineSource,
    skip: number,
    skipping: Skipping | null,
    report: () => void
  ): Promise<{ offset: number; outcome: 'ok' | 'truncated' | 'corrupt' | 'too_large' }> {
    // Compressed logs expand several times (`size` is the archive's): a large archive is worth the workers.
    const lines = await this.linesOf(source, size * 4, report);
    const splitter = new LineSplitter(lines, this.store, skip, skipping, (n) => (this.bytesRead += n));
    const bound = Math.max(GZIP_MIN_BOUND, size * GZIP_MAX_RATIO);
    let pieces: Buffer[] = [];
    let pending = 0;
    let position = 0;
    /** Hands the pieces pending to the splitter (final: the last line counts without a \n). */
    const flush = async (final: boolean): Promise<void> => {
      const buffer = splitter.buffer(pending);
      let at = splitter.carried;
      for (const piece of pieces) {
        piece.copy(buffer, at);
        at += piece.length;
      }
      pieces = [];
      pending = 0;
      await splitter.push(buffer, at, final);
    };
    let outcome: 'ok' | 'truncated' | 'corrupt' | 'too_large' = 'ok';
    const stream = streamOf(handle, CHUNK).pipe(createGunzip({ chunkSize: 256 << 10 }));
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) {
        const start = position;
        position += piece.length;
        if (position > bound) {
          outcome = 'too_large';
          break;
        }
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
      await flush(outcome === 'ok');
    } catch (error) {
      // The complete lines before the damage are kept.
      outcome = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
      await flush(false);
    } finally {
      (stream as unknown as { destroy(): void }).destroy();
      await lines.drain();
    }
    return { offset: outcome === 'ok' ? Math.max(position, skip) : splitter.consumed, outcome };
  }
}

/** Where the reader puts buffers of complete lines: buf[start, end), buf[0] at file offset `base`. */
interface LineSink {
  /** A buffer of at least `length` bytes that the sink may keep (add hands it over). */
  buffer(length: number): Buffer;
  add(buf: Buffer, start: number, end: number, base: number, consumed: number): Promise<void>;
  drain(): Promise<void>;
}

/** Length of the UTF-8 byte order mark at buf[at] when that is the file's start (offset 0), else 0. */
function bomLength(buf: Buffer, at: number, offset: number): number {
  return offset === 0 && buf.length >= at + 3 && buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf
    ? 3
    : 0;
}

/** Index of the first byte in buf[from, to) that is not NUL, else `to`; compares 64 KiB at a time. */
function firstNonNul(buf: Buffer, from: number, to: number): number {
  let at = from;
  while (at + ZEROS.length <= to && buf.compare(ZEROS, 0, ZEROS.length, at, at + ZEROS.length) === 0) {
    at += ZEROS.length;
  }
  while (at < to && buf[at] === 0) {
    at++;
  }
  return at;
}

/**
 * Cuts a file's bytes into lines for a sink, holding at most MAX_LINE_LENGTH bytes of an unfinished
 * line, so memory stays bounded whatever the file holds:
 * - a longer line is skipped (`line_too_long`, once) by discarding its bytes up to its newline;
 * - a run of NUL bytes (a crashed writer's tail, a sparse hole) ends the line before it and is
 *   skipped whole, without being parsed (`nul_bytes`, once per run).
 */
class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);

  constructor(
    private readonly lines: LineSink,
    private readonly store: Store,
    /** File offset up to which bytes are dealt with (the carry starts there). */
    public consumed: number,
    public skipping: Skipping | null,
    private readonly skippedBytes: (count: number) => void
  ) {}

  /** Bytes of the unfinished line that buffer() puts first. */
  get carried(): number {
    return this.carry.length;
  }

  /** A buffer for `length` more bytes, the unfinished line first: fill it from `carried`. */
  buffer(length: number): Buffer {
    const buffer = this.lines.buffer(this.carry.length + length);
    this.carry.copy(buffer, 0);
    return buffer;
  }

  /** Takes buffer[0, filled) (buffer[0] at `consumed`); final: the last line counts without a newline. */
  async push(buffer: Buffer, filled: number, final: boolean): Promise<void> {
    const base = this.consumed;
    const view = buffer.subarray(0, filled);
    // With a NUL run inside, the parts are sent as copies: a sink may keep (hand over) the buffer it is given.
    const copies = this.skipping === 'nul' || view.indexOf(0) >= 0;
    let at = 0;
    const drop = (next: number): void => {
      this.skippedBytes(next - at);
      at = next;
    };
    /** Sends the lines in buffer[at, end); dealt with up to `next`. */
    const send = async (end: number, next: number): Promise<void> => {
      if (end > at) {
        const bom = bomLength(buffer, at, base + at);
        if (copies) {
          const part = this.lines.buffer(end - at);
          buffer.copy(part, 0, at, end);
          await this.lines.add(part, bom, end - at, base + at, next - at);
        } else {
          await this.lines.add(buffer, at + bom, end, base, next - at);
        }
        at = next;
      } else {
        drop(next);
      }
    };
    this.carry = Buffer.alloc(0);
    while (at < filled) {
      if (this.skipping === 'long_line') {
        const newline = view.indexOf(10, at);
        drop(newline < 0 ? filled : newline + 1);
        this.skipping = newline < 0 ? 'long_line' : null;
      } else if (this.skipping === 'nul') {
        const data = firstNonNul(view, at, filled);
        drop(data);
        this.skipping = data < filled ? null : 'nul';
      } else {
        const nul = copies ? view.indexOf(0, at) : -1;
        if (nul >= 0) {
          await send(nul, nul); // the run ends the line before it
          this.store.skip('nul_bytes');
          this.skipping = 'nul';
          continue;
        }
        if (final) {
          await send(filled, filled);
          break;
        }
        const newline = view.lastIndexOf(10);
        if (filled - Math.max(at, newline + 1) > MAX_LINE_LENGTH) {
          // The unfinished line is already too long: not held, its bytes dropped up to its newline.
          if (newline >= at) {
            await send(newline, newline + 1);
          }
          this.store.skip('line_too_long');
          this.skipping = 'long_line';
          drop(filled);
          break;
        }
        // Cutting at a newline byte never splits a UTF-8 character. The carry is copied before the buffer is sent.
        this.carry = Buffer.from(view.subarray(Math.max(at, newline + 1)));
        if (newline >= at) {
          await send(newline, newline + 1);
        }
        break;
      }
    }
    this.consumed = base + at;
  }
}
