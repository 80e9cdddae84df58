import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import os from 'os';
import path from 'path';
import { version as PRODUCT_VERSION } from '../../package.json';
import type { LineSource } from '../store/request-ids';
import { captureStore, dropRowsOf, restoreStore, StoreMeta, StoreSnapshot, TypedArray } from '../store/snapshot';
import { readSnapshotFile, SnapshotError, writeSnapshotFile } from '../store/snapshot-file';
import type { SourceConfig } from './parse-line';
import type { FileState, LogReader, Skipping } from './reader';

/**
 * The restart cache: what a LogReader has read (the store's columns and each file's state) kept on disk, so that a
 * restarted backend or `serve` answers from it at once and then reads only what is new. A cache that does not
 * match (another version, other settings, damaged) is not used and is written anew; rows whose lines are gone
 * from the files (a file deleted or rewritten while nothing ran) are dropped after the first read, as a full
 * read would not have them.
 */

/** Rewrite the cache once what was read since the last write is this share of what it covers ... */
const WRITE_SHARE = 0.1;
/** ... but not more often than this, */
const MIN_GAP_MS = 60_000;
/** and a little after the read, so that the answer that read was for goes out first. */
const SETTLE_MS = 2_000;
/** Cache files not written or used for this long belong to settings or data sources that are gone. */
const STALE_MS = 30 * 24 * 3_600_000;
/** A temporary file this old is what a crash left. */
const STALE_TEMPORARY_MS = 24 * 3_600_000;
const SUFFIX = '.ilcache';

export const PLUGIN_ID = 'inferencelog-analytics-datasource';

/** What decides which rows a read gives: a cache made under other settings is not used. */
export interface CacheKey {
  paths: string[];
  config: SourceConfig;
  retentionMs?: number;
  retentionRows?: number;
}

export interface CacheOptions extends CacheKey {
  /** Folders to keep the cache in, the first that can be created and written to. */
  dirs: string[];
  /** One line per event (restored, not used and why, written, failed). */
  log?: (message: string) => void;
}

/** The cache, for health checks. */
export interface CacheInfo {
  /** The cache file ('' when no folder could be used). */
  file: string;
  /** Its size in bytes (0: not written yet). */
  bytes: number;
  /** Rows it holds. */
  rows: number;
  /** `restored` (N rows at start), `new` (there was none), `rebuilt` (one was there, not used: `reason`), `off`. */
  state: 'restored' | 'new' | 'rebuilt' | 'off' | 'pending';
  reason?: string;
  restoredRows: number;
  /** When it was last written (ISO-8601), this run. */
  written: string | null;
  lastError: string | null;
}

interface SourceMeta {
  path: string;
  gzip: boolean;
  /** Index of the source it moved to, -1 for none. */
  moved: number;
}

interface FileMeta {
  key: string;
  path: string;
  offset: number;
  /** base64 */
  head: string;
  done: boolean;
  source: number;
  copy: number;
  /** FileState.skipping, .size and .copying, when set (optional: caches written before them lack them). */
  skipping?: Skipping;
  size?: number;
  copying?: boolean;
}

interface CacheMeta {
  product: string;
  key: string;
  /** Log bytes read into it (the rows of all runs so far). */
  bytes: number;
  written: string;
  sources: SourceMeta[];
  files: FileMeta[];
  retired: number;
  store: StoreMeta;
}

/** The key as text: the same settings always give the same text. */
function keyText(key: CacheKey): string {
  // No field map and an empty one read the same.
  const sorted = (record?: Record<string, string>) =>
    record && Object.keys(record).length > 0
      ? Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : null;
  return JSON.stringify({
    paths: key.paths.map((p) => path.resolve(p)),
    fieldMap: sorted(key.config.fieldMap),
    // Only when set: the keys (cache file names) of configs without a preset stay as they were.
    ...(key.config.preset ? { preset: key.config.preset } : {}),
    successStatuses: key.config.successStatuses ?? null,
    timezone: key.config.timezone ?? null,
    retentionMs: key.retentionMs ?? null,
    retentionRows: key.retentionRows ?? null,
  });
}

/** The cache file's name for these settings: one file per set of logs and reading settings. */
export function cacheFileName(key: CacheKey): string {
  return `logs-${createHash('sha256').update(keyText(key)).digest('hex').slice(0, 16)}${SUFFIX}`;
}

/** The user's cache folder: $XDG_CACHE_HOME/inference-logs, else ~/.cache/inference-logs. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) {
    return path.join(env.XDG_CACHE_HOME, 'inference-logs');
  }
  let home = '';
  try {
    home = env.HOME || os.homedir();
  } catch {
    home = ''; // a user without a passwd entry (some containers)
  }
  return home ? path.join(home, '.cache', 'inference-logs') : null;
}

/**
 * The backend's cache folders, in order: $GF_PATHS_DATA/plugins-cache/<plugin id> when Grafana passes its data
 * path; beside Grafana's plugins folder when the executable is in one (<data>/plugins/<id>/runtime/linux_<arch>,
 * Grafana's default layout: <data>/plugins-cache/<id>), as Grafana 12.4+ passes plugins no host environment; then
 * the user's cache folder.
 */
export function backendCacheDirs(env: NodeJS.ProcessEnv = process.env, executable = process.execPath): string[] {
  const dirs: string[] = [];
  if (env.GF_PATHS_DATA && path.isAbsolute(env.GF_PATHS_DATA)) {
    dirs.push(path.join(env.GF_PATHS_DATA, 'plugins-cache', PLUGIN_ID));
  }
  const runtime = path.dirname(executable);
  const plugins = path.dirname(path.dirname(path.dirname(runtime)));
  if (/^linux_/.test(path.basename(runtime)) && path.basename(plugins) === 'plugins') {
    dirs.push(path.join(path.dirname(plugins), 'plugins-cache', PLUGIN_ID));
  }
  const user = userCacheDir(env);
  if (user) {
    dirs.push(user);
  }
  return dirs;
}

/** The first folder that exists or can be made, and can be written to. */
async function usableDir(dirs: string[]): Promise<{ dir: string } | { why: string }> {
  let why = 'no cache folder (set one)';
  for (const dir of dirs) {
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await fs.access(dir, fs.constants.W_OK);
      return { dir };
    } catch (error) {
      why = `cannot use ${dir}: ${(error as Error).message}`;
    }
  }
  return { why };
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class RestartCache {
  /** The cache file, once restore() has picked its folder. */
  file = '';
  private readonly key: string;
  private readonly name: string;
  private state: CacheInfo['state'] = 'pending';
  private reason: string | undefined;
  private restoredRows = 0;
  /** Log bytes the cache covered when it was restored. */
  private baseBytes = 0;
  /** reader.bytesRead when the file was last written (or restored). */
  private bytesAtWrite = 0;
  private fileBytes = 0;
  private fileRows = 0;
  private hasFile = false;
  private lastWriteAt = -Infinity;
  private written: string | null = null;
  private lastError: string | null = null;
  /** Rows were dropped or the cache was not used: write even without new bytes. */
  private forced = false;
  /** The first read after a restore (in restore()) decides which files are gone. */
  private checkGone = false;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private restoring: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly reader: LogReader,
    private readonly options: CacheOptions
  ) {
    this.key = keyText(options);
    this.name = cacheFileName(options);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Log bytes the store's rows come from, this run and the runs before it. */
  get coveredBytes(): number {
    return this.baseBytes + this.reader.bytesRead;
  }

  info(): CacheInfo {
    return {
      file: this.file,
      bytes: this.fileBytes,
      rows: this.fileRows,
      state: this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      restoredRows: this.restoredRows,
      written: this.written,
      lastError: this.lastError,
    };
  }

  /**
   * Before anything else reads: puts the cached rows and file states in place when the cache matches, then reads
   * what is new and drops the rows of files gone since. Never throws for the cache: one that cannot be used is
   * said in the log and the logs are read as without it (a failing read throws, and the next call reads again).
   */
  async restore(): Promise<void> {
    this.restoring ??= this.load();
    await this.restoring;
    if (this.checkGone) {
      await this.reader.refresh();
      if (this.checkGone) {
        this.checkGone = false;
        try {
          this.dropGone();
        } catch (error) {
          this.lastError = message(error);
          this.log(`restart cache: could not drop the rows of gone files: ${this.lastError}`);
        }
      }
    }
  }

  private async load(): Promise<void> {
    const found = await usableDir(this.options.dirs);
    if ('why' in found) {
      this.state = 'off';
      this.reason = found.why;
      this.log(`restart cache off: ${found.why}`);
      return;
    }
    this.file = path.join(found.dir, this.name);
    // A temporary file of this cache is what a stop in the middle of a write left (the plugin is killed 2 s after
    // Grafana asks it to stop).
    for (const name of await fs.readdir(found.dir).catch(() => [] as string[])) {
      if (name.startsWith(`${this.name}.`) && name.endsWith('.tmp')) {
        await fs.rm(path.join(found.dir, name), { force: true }).catch(() => undefined);
      }
    }
    const started = Date.now();
    try {
      const read = await readSnapshotFile<CacheMeta>(
        this.file,
        (meta) =>
          meta.product !== PRODUCT_VERSION
            ? `written by version ${meta.product}, this is ${PRODUCT_VERSION}`
            : meta.key !== this.key
              ? 'written for other settings'
              : null,
        // Columns get room for an eighth more rows: lines appended while nothing ran are added without a copy.
        (meta, length) => (length === meta.store.length ? (length >> 3) + 1024 : 0)
      );
      if (!read) {
        this.state = 'new';
        return;
      }
      this.apply(read.meta, read.arrays);
      this.state = 'restored';
      this.restoredRows = read.meta.store.length;
      this.baseBytes = read.meta.bytes;
      this.fileBytes = read.bytes;
      this.fileRows = read.meta.store.length;
      this.hasFile = true;
      this.checkGone = true;
      const now = new Date();
      await fs.utimes(this.file, now, now).catch(() => undefined); // in use: not stale
      this.log(
        `restart cache: ${this.restoredRows} rows restored from ${this.file} ` +
          `(${(read.bytes / 1e6).toFixed(1)} MB) in ${Date.now() - started} ms; reading only what is new`
      );
    } catch (error) {
      // Not trusted, never fatal: the logs are read as without a cache, and the file is replaced.
      this.state = 'rebuilt';
      this.reason = message(error);
      this.forced = true;
      this.log(`restart cache ${this.file} not used (${this.reason}): reading the logs again`);
      await fs.rm(this.file, { force: true }).catch(() => undefined);
    }
  }

  /** Puts a snapshot in place: the store's rows, the reader's file states, sharing the sources. */
  private apply(meta: CacheMeta, arrays: TypedArray[]): void {
    const sources: LineSource[] = meta.sources.map((s) => ({ path: s.path, gzip: s.gzip }));
    meta.sources.forEach((s, i) => {
      if (s.moved >= 0) {
        sources[i].moved = sources[s.moved];
      }
    });
    const files: Array<[string, FileState]> = meta.files.map((f) => [
      f.key,
      {
        path: f.path,
        offset: f.offset,
        head: Buffer.from(f.head, 'base64'),
        done: f.done,
        source: sources[f.source],
        ...(f.copy >= 0 ? { copy: sources[f.copy] } : {}),
        ...(f.skipping ? { skipping: f.skipping } : {}),
        ...(f.size !== undefined ? { size: f.size } : {}),
        ...(f.copying ? { copying: true } : {}),
      },
    ]);
    if (files.some(([, state]) => !state.source) || meta.sources.some((s) => s.moved >= sources.length)) {
      throw new SnapshotError('its file states do not fit');
    }
    restoreStore(this.reader.store, { meta: meta.store, arrays }, sources); // checks before it changes anything
    this.reader.restoreFileStates(files, meta.retired);
  }

  /** The store and the file states now, sources numbered. The reader must not be reading. */
  private capture(): { meta: CacheMeta; arrays: TypedArray[]; sources: LineSource[] } {
    const index = new Map<LineSource, number>();
    const sources: LineSource[] = [];
    const described: SourceMeta[] = [];
    const indexOf = (source: LineSource): number => {
      let at = index.get(source);
      if (at === undefined) {
        at = sources.push(source) - 1;
        index.set(source, at);
        described.push({ path: source.path, gzip: source.gzip, moved: -1 });
        if (source.moved) {
          described[at].moved = indexOf(source.moved);
        }
      }
      return at;
    };
    const { files, retired } = this.reader.fileStates();
    const fileMeta = files.map(([key, state]) => ({
      key,
      path: state.path,
      offset: state.offset,
      head: state.head.toString('base64'),
      done: state.done,
      source: indexOf(state.source),
      copy: state.copy ? indexOf(state.copy) : -1,
      ...(state.skipping ? { skipping: state.skipping } : {}),
      ...(state.size !== undefined ? { size: state.size } : {}),
      ...(state.copying ? { copying: true } : {}),
    }));
    const store: StoreSnapshot = captureStore(this.reader.store, indexOf);
    return {
      meta: {
        product: PRODUCT_VERSION,
        key: this.key,
        bytes: this.coveredBytes,
        written: new Date().toISOString(),
        sources: described,
        files: fileMeta,
        retired,
        store: store.meta,
      },
      arrays: store.arrays,
      sources,
    };
  }

  /**
   * After the first read that follows a restore (before any answer): rows whose lines are in no file any more
   * (deleted, or rewritten in place, while nothing ran) are dropped, with those files' states, so the store holds
   * what a full read of the files now gives.
   */
  private dropGone(): void {
    const { meta, arrays, sources } = this.capture();
    const gone = sources.map((source) => {
      let current = source;
      while (current.moved) {
        current = current.moved;
      }
      return current.path === '';
    });
    const goneStates = meta.files.filter((f) => gone[f.source]).length;
    const kept = dropRowsOf({ meta: meta.store, arrays }, (i) => gone[i]);
    if (!kept && goneStates === 0) {
      return;
    }
    const dropped = kept ? meta.store.length - kept.meta.length : 0;
    this.apply(
      { ...meta, files: meta.files.filter((f) => !gone[f.source]), store: (kept ?? { meta: meta.store }).meta },
      kept ? kept.arrays : arrays
    );
    this.forced = true;
    this.log(`restart cache: ${dropped} rows dropped, their files deleted or rewritten since the cache was written`);
  }

  /** After each read: schedules a write when one is due. */
  afterRead(): void {
    if (this.stopped || !this.file || this.checkGone) {
      return;
    }
    if (this.due() && !this.timer && !this.writing) {
      const wait = Math.max(SETTLE_MS, this.lastWriteAt + MIN_GAP_MS - Date.now());
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.write();
      }, wait);
      this.timer.unref();
    }
  }

  /** Is a write worth it: no file yet, or a tenth more read since the last one (bounds what a restart reads again). */
  private due(): boolean {
    const fresh = this.reader.bytesRead - this.bytesAtWrite;
    return this.forced || (fresh > 0 && (!this.hasFile || fresh >= this.coveredBytes * WRITE_SHARE));
  }

  /**
   * Writes the cache now if anything was read since it was written: the process stops, and a restart should read
   * nothing again (stopping is when a write costs nobody a wait).
   */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.writing;
    if (this.file && (this.forced || this.reader.bytesRead > this.bytesAtWrite)) {
      await this.write();
    }
  }

  /** Writes what is there; nothing leaves while the previous write is under way or the reader is reading. */
  private write(): Promise<void> {
    if (!this.writing && !this.reader.reading && this.file) {
      this.writing = this.writeNow().finally(() => {
        this.writing = null;
      });
    }
    return this.writing ?? Promise.resolve();
  }

  private async writeNow(): Promise<void> {
    const started = Date.now();
    try {
      const { meta, arrays } = this.capture();
      const bytesRead = this.reader.bytesRead;
      const store = this.reader.store;
      const expired = store.expired;
      // Retention moves rows in place: a file written meanwhile is dropped, and the next read writes again.
      const size = await writeSnapshotFile(this.file, meta, arrays, () => store.expired === expired);
      if (size === null) {
        return;
      }
      this.fileBytes = size;
      this.fileRows = meta.store.length;
      this.hasFile = true;
      this.bytesAtWrite = bytesRead;
      this.forced = false;
      this.lastWriteAt = Date.now();
      this.written = meta.written;
      this.lastError = null;
      this.log(
        `restart cache written: ${meta.store.length} rows, ${(size / 1e6).toFixed(1)} MB, ${Date.now() - started} ms`
      );
      await this.removeStale();
    } catch (error) {
      this.lastError = message(error);
      this.log(`restart cache not written: ${this.lastError}`);
    }
  }

  /** Cache files of settings long unused, and temporary files a crash left. */
  private async removeStale(): Promise<void> {
    const dir = path.dirname(this.file);
    const now = Date.now();
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const temporary = name.endsWith('.tmp');
      if (!/^logs-[0-9a-f]{16}\.ilcache/.test(name) || name === this.name) {
        continue;
      }
      const full = path.join(dir, name);
      const stat = await fs.stat(full).catch(() => null);
      if (stat && now - stat.mtimeMs > (temporary ? STALE_TEMPORARY_MS : STALE_MS)) {
        await fs.rm(full, { force: true }).catch(() => undefined);
      }
    }
  }

  /** Writes what is new and stops scheduling writes. */
  async close(): Promise<void> {
    await this.flush();
    this.stopped = true;
  }
}

/** A LogReader whose first read restores the cache and whose reads may write it: what `serve` reads through. */
export class CachedLogReader {
  private restored: Promise<void> | null = null;

  constructor(
    readonly reader: LogReader,
    readonly cache: RestartCache
  ) {}

  get store() {
    return this.reader.store;
  }

  get fileCount(): number {
    return this.reader.fileCount;
  }

  async refresh(): Promise<void> {
    this.restored ??= this.cache.restore();
    await this.restored;
    await this.reader.refresh();
    this.cache.afterRead();
  }

  cacheInfo(): CacheInfo {
    return this.cache.info();
  }

  close(): Promise<void> {
    return this.cache.close();
  }
}
