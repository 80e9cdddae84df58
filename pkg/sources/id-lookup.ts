import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'fs';
import path from 'path';
import { constants as zlibConstants, gunzipSync } from 'zlib';
import type { LineSource } from '../store/request-ids';
import { Store } from '../store/store';
import { isGzip, LOG_FILE_PATTERN } from './files';
import { LineParser, MAX_LINE_LENGTH } from './parse-line';

/**
 * Bytes read at a time: enough for a run of neighbouring lines (an export reads rows in file order, so one read
 * serves ~70 of them), small enough that ids scattered over a file (anomalies) cost little each.
 */
const BLOCK = 16 * 1024;
/** A cached block, archive or folder listing is trusted this long: files change (appends, rotation) between queries. */
const CACHE_MS = 2000;
/** Archives kept decompressed (rows of a query come from few files). */
const ARCHIVES = 3;
/** Content bytes compared to tell that a file holds another's content (as the reader does). */
const HEAD_BYTES = 256;
const MIN_IDENTITY_BYTES = 48;

/**
 * What the log reader knows of the file a source stands for, to find it again when it is no longer at its path:
 * its identities (`dev:ino`, as the reader identifies files) and the first bytes of its content.
 */
export interface SourceLocator {
  describe(source: LineSource): { keys: string[]; head: Buffer | null };
  /** Folders where the reader's files are (a rotated file is renamed within its folder). */
  folders(): string[];
}

/** A file to read a line from. */
interface Place {
  path: string;
  gzip: boolean;
  /** Its identity when known: a file opened at `path` with another identity is not this one. */
  key?: string;
}

/** A log file of a folder listing. */
interface Listed extends Place {
  key: string;
  size: number;
  head?: Buffer | null;
}

const keyOf = (stat: { dev: number; ino: number }): string => `${stat.dev}:${stat.ino}`;

/** Do two heads start the same way, over enough bytes to say it is the same content? */
function sameContent(a: Buffer, b: Buffer): boolean {
  const n = Math.min(a.length, b.length);
  return n >= MIN_IDENTITY_BYTES && a.subarray(0, n).equals(b.subarray(0, n));
}

/**
 * Reads request ids back from the log files, for the rows whose id the store does not keep in memory. A row's file
 * is found by what it is, not by a path: first where the reader last saw it (its source, or the copy its content
 * moved to), then — renamed, copied, gzipped since the last read — by its identity (device and inode) or by its
 * content's first bytes among the files of its folder. The bytes at the row's offset must start a line that parses
 * again, with the same rules, to the row's time: otherwise it is not the row's line, and the id is unavailable
 * (counted, shown as a notice), never another line's. Rotated `.gz` archives are decompressed whole.
 */
export class RequestIdReader {
  private block: { key: string; start: number; bytes: Buffer; at: number } | null = null;
  private archives: Array<{ key: string; size: number; content: Buffer; at: number }> = [];
  /** The open file of the last plain read: ids shown together come from few files. Closed when idle. */
  private file: { path: string; key: string; fd: number; at: number } | null = null;
  /** Where a source's lines were last found, when not at its recorded path. */
  private readonly found = new WeakMap<LineSource, { place: Place; at: number }>();
  /** The log files of the folders, listed again when a folder changed (a file created, renamed or deleted). */
  private listing: { files: Listed[]; folders: string } | null = null;
  /** When a row of a source was last not found in the folders as listed, and they were listed again. */
  private readonly relisted = new WeakMap<LineSource, number>();
  /** The last plain read used the open file or a block read before (see idAt). */
  private cached = false;
  private readonly described = new WeakMap<LineSource, { keys: string[]; head: Buffer | null; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly parser: LineParser,
    private readonly locator: SourceLocator | null = null
  ) {}

  readonly lookup = (source: LineSource, offset: number, row: number): string | null | undefined => {
    const timeUs = this.store.time.get(row);
    const now = Date.now();
    const tried = new Set<string>();
    const attempt = (place: Place): string | null | undefined => {
      const id = `${place.path}\n${place.key ?? ''}`;
      if (tried.has(id)) {
        return undefined;
      }
      tried.add(id);
      return this.idAt(place, offset, timeUs, now);
    };
    const found = this.found.get(source);
    if (found && now - found.at < CACHE_MS) {
      const id = attempt(found.place);
      if (id !== undefined) {
        return id;
      }
    }
    const chain = [source];
    for (let current = source.moved; current && !chain.includes(current); current = current.moved) {
      chain.push(current);
    }
    const current = chain[chain.length - 1];
    if (current.path) {
      // Where the last read saw it, if it is still that file (a file of another identity took the path since).
      const keys = this.describe(current, now).keys;
      const id = attempt({ path: current.path, gzip: current.gzip, ...(keys.length === 1 ? { key: keys[0] } : {}) });
      if (id !== undefined) {
        return id;
      }
    }
    if (!this.locator) {
      return undefined;
    }
    // The folders as listed before, then — once per source and CACHE_MS — as they are now: a folder's modification
    // time (which tells a change) counts in clock ticks, and rotation renames files several times a tick.
    const relisted = this.relisted.get(source);
    for (const relist of [false, true]) {
      if (relist) {
        if (relisted !== undefined && now - relisted < CACHE_MS) {
          break;
        }
        this.relisted.set(source, now);
        this.listing = null;
      }
      for (const place of this.candidates(chain, now)) {
        const id = attempt(place);
        if (id !== undefined) {
          this.found.set(source, { place, at: now });
          return id;
        }
      }
    }
    return undefined;
  };

  /** What the reader knows of a source (asked once per CACHE_MS: it looks through all the reader's files). */
  private describe(source: LineSource, now: number): { keys: string[]; head: Buffer | null } {
    if (!this.locator) {
      return { keys: [], head: null };
    }
    const known = this.described.get(source);
    if (known && now - known.at < CACHE_MS) {
      return known;
    }
    const fresh = { ...this.locator.describe(source), at: now };
    this.described.set(source, fresh);
    return fresh;
  }

  /** The id of the row whose line starts at `offset` of the file at `place`, if it is there (undefined if not). */
  private idAt(place: Place, offset: number, timeUs: number, now: number): string | null | undefined {
    this.cached = false;
    const id = this.readId(place, offset, timeUs, now);
    if (id !== undefined || !this.cached) {
      return id;
    }
    // What was cached (an open file, a block) may be stale: the file was truncated and written again since.
    this.block = null;
    this.close();
    return this.readId(place, offset, timeUs, now);
  }

  private readId(place: Place, offset: number, timeUs: number, now: number): string | null | undefined {
    let line: Line | null;
    try {
      line = place.gzip ? this.archiveLine(place, offset, now) : this.plainLine(place, offset, now);
    } catch {
      line = null; // gone since, or unreadable
    }
    // The time picks the request among several a line holds (OTLP spans), and proves the line is the row's.
    const read = line === null ? null : this.parser.readBackBytes(line.bytes, line.start, line.end, timeUs);
    if (!read || read.timeUs !== timeUs) {
      return undefined;
    }
    return read.id;
  }

  /**
   * Files of the sources' folders that may hold the source's lines now: the same file (identity) under another
   * name first, then files whose content starts like the source's (its copy, its archive).
   */
  private candidates(chain: LineSource[], now: number): Place[] {
    const locator = this.locator!;
    const keys = new Set<string>();
    const heads: Buffer[] = [];
    const folders = new Set(locator.folders());
    for (const source of chain) {
      const known = this.describe(source, now);
      known.keys.forEach((key) => keys.add(key));
      if (known.head && known.head.length >= MIN_IDENTITY_BYTES) {
        heads.push(known.head);
      }
      if (source.path) {
        folders.add(path.dirname(source.path));
      }
    }
    if (keys.size === 0 && heads.length === 0) {
      return [];
    }
    const files = this.list([...folders]);
    const byIdentity = files.filter((f) => keys.has(f.key));
    const byContent = files.filter((f) => !keys.has(f.key) && heads.some((head) => sameContent(head, this.headOf(f))));
    // Plain files before archives: an archive is decompressed whole.
    byContent.sort((a, b) => Number(a.gzip) - Number(b.gzip));
    return [...byIdentity, ...byContent];
  }

  /** The log files of `folders` (not recursing: rotation renames a file within its folder). */
  private list(folders: string[]): Listed[] {
    // A folder's modification time changes with every file created, renamed or deleted in it.
    const changed = folders
      .map((folder) => {
        try {
          return `${folder}\n${statSync(folder, { bigint: true }).mtimeNs}`;
        } catch {
          return folder;
        }
      })
      .sort()
      .join('\n');
    if (this.listing && this.listing.folders === changed) {
      return this.listing.files;
    }
    const files: Listed[] = [];
    for (const folder of folders) {
      let names: string[];
      try {
        names = readdirSync(folder);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.') || !LOG_FILE_PATTERN.test(name)) {
          continue;
        }
        const file = path.join(folder, name);
        try {
          const stat = statSync(file);
          if (stat.isFile()) {
            const key = keyOf(stat);
            files.push({ path: file, gzip: isGzip(name), key, size: stat.size });
          }
        } catch {
          // gone since the listing
        }
      }
    }
    this.listing = { files, folders: changed };
    return files;
  }

  /** A listed file's first content bytes (decompressed for an archive), read once per listing. */
  private headOf(file: Listed): Buffer {
    if (file.head === undefined) {
      file.head = null;
      try {
        const fd = openSync(file.path, 'r');
        try {
          const raw = Buffer.alloc(file.gzip ? 16 * 1024 : HEAD_BYTES);
          const length = readSync(fd, raw, 0, raw.length, 0);
          file.head = file.gzip
            ? gunzipSync(raw.subarray(0, length), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES)
            : raw.subarray(0, length);
        } finally {
          closeSync(fd);
        }
      } catch {
        file.head = null; // gone, unreadable, or not gzip
      }
    }
    return file.head ?? Buffer.alloc(0);
  }

  private plainLine(place: Place, offset: number, now: number): Line | null {
    const { fd, key } = this.open(place, now);
    let block = this.block;
    // A line's start is checked too: the byte before it must end the line before (or a NUL run).
    const start = Math.max(0, offset - 1);
    if (block && block.key === key && now - block.at < CACHE_MS && start >= block.start) {
      const line = lineAt(block.bytes, offset - block.start, offset);
      if (line !== null) {
        this.cached = true;
        return line === 'not_a_line' ? null : line;
      }
    }
    try {
      for (let size = BLOCK; ; size *= 2) {
        const bytes = Buffer.allocUnsafe(size);
        const length = readSync(fd, bytes, 0, size, start);
        block = { key, start, bytes: bytes.subarray(0, length), at: now };
        const line = lineAt(block.bytes, offset - start, offset);
        if (line !== null || length < size || size > MAX_LINE_LENGTH) {
          this.block = block;
          if (line === 'not_a_line') {
            return null;
          }
          // The last line without its newline yet (a read never takes it as a row, but a copy may end so).
          return (
            line ??
            (offset - start < length && length < size
              ? { bytes: block.bytes, start: offset - start, end: length }
              : null)
          );
        }
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The file at place.path, opened (or the one already open there); throws if it is not place.key. */
  private open(place: Place, now: number): { fd: number; key: string } {
    const file = this.file;
    if (file && file.path === place.path && now - file.at < CACHE_MS && (!place.key || place.key === file.key)) {
      this.cached = true;
      return file;
    }
    this.close();
    const fd = openSync(place.path, 'r');
    const key = keyOf(fstatSync(fd));
    this.file = { path: place.path, key, fd, at: now };
    setTimeout(() => this.file?.fd === fd && this.close(), CACHE_MS).unref();
    if (place.key && place.key !== key) {
      throw new Error('another file');
    }
    return this.file;
  }

  private close(): void {
    if (this.file) {
      closeSync(this.file.fd);
      this.file = null;
    }
  }

  private archiveLine(place: Place, offset: number, now: number): Line | null {
    const stat = statSync(place.path);
    const key = keyOf(stat);
    if (place.key && place.key !== key) {
      return null;
    }
    let archive = this.archives.find((a) => a.key === key && a.size === stat.size && now - a.at < CACHE_MS);
    if (!archive) {
      const fd = openSync(place.path, 'r');
      let raw: Buffer;
      try {
        const opened = fstatSync(fd);
        raw = Buffer.allocUnsafe(opened.size);
        raw = raw.subarray(0, readSync(fd, raw, 0, opened.size, 0));
      } finally {
        closeSync(fd);
      }
      archive = { key, size: stat.size, content: gunzipSync(raw), at: now };
      this.archives = [archive, ...this.archives.filter((a) => now - a.at < CACHE_MS)].slice(0, ARCHIVES);
    }
    const content = archive.content;
    if (offset >= content.length) {
      return null;
    }
    const line = lineAt(content, offset, offset);
    if (line === 'not_a_line') {
      return null;
    }
    // An archive is final: its last line counts without a newline.
    return line ?? { bytes: content, start: offset, end: content.length };
  }
}

/** A line in a buffer: bytes[start, end), without its newline. */
interface Line {
  bytes: Buffer;
  start: number;
  end: number;
}

/**
 * The line starting at bytes[at] (file offset `offset`), if its newline is in `bytes`; `not_a_line` when it cannot
 * start a line: the byte before (bytes[at - 1], when there) is not a line end, nor a NUL run's, nor a byte order
 * mark's at the file's start.
 */
function lineAt(bytes: Buffer, at: number, offset: number): Line | 'not_a_line' | null {
  if (at > 0 && at <= bytes.length) {
    const before = bytes[at - 1];
    if (before !== 10 && before !== 0 && !(offset === 3 && before === 0xbf)) {
      return 'not_a_line';
    }
  }
  const end = bytes.indexOf(10, at);
  return end < 0 ? null : { bytes, start: at, end };
}
