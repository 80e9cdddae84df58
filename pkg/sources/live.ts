import chokidar, { FSWatcher } from 'chokidar';
import path from 'path';
import { Store } from '../store/store';
import { SourceConfig } from './parse-line';
import { LogReader, ReadProgress } from './reader';

export interface LiveOptions {
  /** The periodic check, a fallback for file systems where change events do not arrive (NFS, some containers). */
  pollIntervalMs?: number;
  /** Keep only requests at most this old, measured from the newest request. */
  retentionMs?: number;
  /** Keep at most this many requests. */
  retentionRows?: number;
  /** Watch for changes (default true); false reads only on refresh(). */
  watch?: boolean;
  /** Called after each read (and retention): the restart cache decides there whether to write. */
  afterRead?: () => void;
}

const DEFAULT_POLL_MS = 250;
/** Events come in bursts (a write per line): read once the burst settles. */
const EVENT_SETTLE_MS = 20;
/** After the first read, the wait before its growth room is given back (the first queries come before). */
const TRIM_DELAY_MS = 1000;

/** The directory chokidar should watch for a path that may be a glob: its part before the first wildcard. */
function watchRoot(given: string): string {
  const parts = given.split(/[/\\]/);
  const firstGlob = parts.findIndex((p) => /[*?[\]{}]/.test(p));
  return firstGlob < 0 ? given : parts.slice(0, firstGlob).join(path.sep) || '.';
}

/**
 * Logs followed as they are written: file events (chokidar) and a periodic check both trigger a
 * read of what is new, so an appended line reaches queries well within a second; retention keeps
 * memory bounded, the oldest requests leaving first.
 */
export class LiveLogs {
  readonly reader: LogReader;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private settle: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The last background read's failure (a path that vanished, say), for health checks and logs. */
  lastError: unknown = null;

  constructor(
    private readonly paths: string[],
    config: SourceConfig = {},
    private readonly options: LiveOptions = {}
  ) {
    this.reader = new LogReader(paths, config, undefined, {
      retentionMs: options.retentionMs,
      retentionRows: options.retentionRows,
    });
  }

  get store(): Store {
    return this.reader.store;
  }

  /** Reads what is new now (the reader applies retention). */
  async refresh(onProgress?: (p: ReadProgress) => void): Promise<Store> {
    await this.reader.refresh(onProgress);
    this.options.afterRead?.();
    return this.store;
  }

  /** First read, then keeps following. */
  async start(onProgress?: (p: ReadProgress) => void): Promise<Store> {
    // The first read is the bulk of the data: no growth room held for it. Rows restored from the restart cache
    // come with room for appends instead, and copying them all again would only cost.
    const bulk = this.store.length === 0;
    await this.refresh(onProgress);
    if (bulk) {
      // Giving the room back copies every column (~0.3 s at 2M rows): after the first answers, not before them.
      setTimeout(() => this.store.trim(), TRIM_DELAY_MS).unref();
    }
    if (this.options.watch !== false) {
      this.watcher = chokidar.watch(this.paths.map(watchRoot), { ignoreInitial: true, persistent: false });
      this.watcher.on('all', () => this.soon());
      this.watcher.on('error', () => undefined); // the periodic check still runs
      const poll = (): void => {
        this.timer = setTimeout(() => {
          void this.background().finally(() => !this.stopped && poll());
        }, this.options.pollIntervalMs ?? DEFAULT_POLL_MS);
        this.timer.unref();
      };
      poll();
    }
    return this.store;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    if (this.settle) {
      clearTimeout(this.settle);
    }
    await this.watcher?.close();
    this.watcher = null;
  }

  private soon(): void {
    if (this.settle || this.stopped) {
      return;
    }
    this.settle = setTimeout(() => {
      this.settle = null;
      void this.background();
    }, EVENT_SETTLE_MS);
    this.settle.unref();
  }

  private async background(): Promise<void> {
    if (this.stopped) {
      return;
    }
    try {
      await this.refresh();
      this.lastError = null;
    } catch (error) {
      this.lastError = error;
    }
  }
}
