/**
 * The data worker: a thread that holds the logs read into memory (LogReader or LiveLogs, its Store, the restart
 * cache) and answers every request over them (analyses, report, CSV export, lookups), one at a time, so that the
 * thread serving HTTP or gRPC is never blocked by a long one. Started by DataWorker (client.ts); the protocol is in
 * protocol.ts.
 */
import { Writable } from 'stream';
import { isMainThread, MessagePort, parentPort, workerData } from 'worker_threads';
import { describeLogs } from '../engine/describe';
import { QueryError } from '../engine/errors';
import { interruptible, QueryInterrupted } from '../engine/interrupt';
import { fileData, LogSource, ServedData } from '../http/data';
import { HttpError } from '../http/errors';
import { InvalidInputError } from '../model/validate';
import { SourceError } from '../sources/files';
import { LiveLogs } from '../sources/live';
import { LogReader } from '../sources/reader';
import { adoptFastScanModule, fastScanModule } from '../sources/fast-scan-wasm';
import { CachedLogReader, RestartCache } from '../sources/restart-cache';
import { Store } from '../store/store';
import { mark } from './timeline';
import type {
  FromWorker,
  SpareConfig,
  ToWorker,
  WireError,
  WorkerConfig,
  WorkerRequest,
  WorkerStatus,
} from './protocol';

/** The logs as the worker holds them: a LogSource for fileData, with what the status and shutdown need. */
interface HeldLogs extends LogSource {
  readonly reader: LogReader;
  readonly cache: RestartCache | null;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Serve's way: read what is new at each request (through the restart cache when there is one). */
function readOnRequest(config: WorkerConfig, cache: (reader: LogReader) => RestartCache | null): HeldLogs {
  const reader = new LogReader(config.paths, config.sourceConfig, undefined, {
    retentionMs: config.retentionMs,
    retentionRows: config.retentionRows,
  });
  const restart = cache(reader);
  const source = restart ? new CachedLogReader(reader, restart) : reader;
  return {
    reader,
    cache: restart,
    get store() {
      return reader.store;
    },
    get fileCount() {
      return reader.fileCount;
    },
    refresh: () => source.refresh(),
    cacheInfo: restart ? () => restart.info() : undefined,
    flush: async () => restart?.flush(),
    close: async () => restart?.close(),
  };
}

/** The backend's way: the first read (after restoring the cache) starts following the files live. */
function followLive(config: WorkerConfig, cache: (reader: LogReader) => RestartCache | null): HeldLogs {
  let restart: RestartCache | null = null;
  const live = new LiveLogs(config.paths, config.sourceConfig, {
    retentionMs: config.retentionMs,
    retentionRows: config.retentionRows,
    afterRead: () => restart?.afterRead(),
  });
  restart = cache(live.reader);
  let started: Promise<Store> | null = null;
  return {
    reader: live.reader,
    cache: restart,
    get store() {
      return live.store;
    },
    get fileCount() {
      return live.reader.fileCount;
    },
    async refresh() {
      if (!started) {
        started = restart ? restart.restore().then(() => live.start()) : live.start();
        try {
          return await started;
        } catch (error) {
          started = null; // a missing path now may exist at the next request
          await live.stop();
          throw error;
        }
      }
      await started;
      return live.refresh();
    },
    cacheInfo: restart ? () => restart!.info() : undefined,
    flush: async () => restart?.flush(),
    async close() {
      await live.stop();
      await restart?.close();
    },
  };
}

/** The class the doors classify an error by (by instanceof: class names do not survive minifying). */
function kindOf(error: Error): string {
  return error instanceof QueryInterrupted
    ? 'QueryInterrupted'
    : error instanceof QueryError
      ? 'QueryError'
      : error instanceof HttpError
        ? 'HttpError'
        : error instanceof InvalidInputError
          ? 'InvalidInputError'
          : error instanceof SourceError
            ? 'SourceError'
            : 'Error';
}

/** An error as the door can rebuild it (client.ts): its kind, message, status or errno fields. */
export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: String(error) };
  }
  const errno = error as NodeJS.ErrnoException;
  return {
    name: kindOf(error),
    message: error.message,
    ...(error instanceof HttpError ? { status: error.status } : {}),
    ...(error instanceof QueryInterrupted ? { reason: error.reason, timeoutMs: error.timeoutMs } : {}),
    ...(typeof errno.code === 'string' ? { code: errno.code } : {}),
    ...(typeof errno.path === 'string' ? { path: errno.path } : {}),
    ...(typeof errno.syscall === 'string' ? { syscall: errno.syscall } : {}),
  };
}

/** Runs the worker's side of the protocol on `port`. */
export function serveData(port: MessagePort, config: WorkerConfig): void {
  mark(`data worker serving (code cache: ${(workerData as { codeCache?: string } | null)?.codeCache ?? 'none'})`);
  const post = (message: FromWorker): void => port.postMessage(message);
  const makeCache = (reader: LogReader): RestartCache | null =>
    config.cacheDirs.length === 0
      ? null
      : new RestartCache(reader, {
          dirs: config.cacheDirs,
          paths: config.paths,
          config: config.sourceConfig,
          retentionMs: config.retentionMs,
          retentionRows: config.retentionRows,
          log: (line) => post({ log: line }),
        });
  const logs = config.follow ? followLive(config, makeCache) : readOnRequest(config, makeCache);
  const data: ServedData = fileData(logs, config.readTimeoutMs);
  const acks = new Map<number, () => void>();

  const status = (description = describeLogs(logs.store, logs.fileCount)): WorkerStatus => ({
    description,
    bytesRead: logs.reader.bytesRead,
    coveredBytes: logs.cache?.coveredBytes ?? logs.reader.bytesRead,
    scanWorkers: {
      bytes: logs.reader.bytesReadByWorkers,
      unavailable: logs.reader.scanWorkersUnavailable,
      layoutScanner: fastScanModule() ? 'WebAssembly' : 'TypeScript',
    },
    ...(logs.cacheInfo ? { cache: logs.cacheInfo() } : {}),
    at: Date.now(),
  });
  /** Posts the status when the data changed since the last one (describing costs a pass over the times). */
  let posted = '';
  const postStatus = (): void => {
    const key = `${logs.store.length}:${logs.fileCount}:${logs.reader.bytesRead}`;
    if (key !== posted) {
      posted = key;
      post({ status: status() });
    }
  };

  /** The export's sink: each chunk goes to the door, and the next waits until the door has written it. */
  const chunks = (id: number): Writable =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        acks.set(id, () => done());
        post({ id, chunk: chunk.toString() });
      },
    });

  async function run(id: number, request: WorkerRequest): Promise<unknown> {
    switch (request.op) {
      case 'read':
        mark('read start');
        await logs.refresh();
        mark('read end');
        return null;
      case 'describe': {
        const description = await data.health();
        const now = status(description as ReturnType<typeof describeLogs>);
        posted = `${logs.store.length}:${logs.fileCount}:${logs.reader.bytesRead}`;
        post({ status: now });
        return now;
      }
      case 'fields':
        return data.fields();
      case 'models':
        return data.models();
      case 'values':
        return data.values(request.field);
      case 'analyse': {
        mark('analyse start');
        const frames = await (
          await data.analysisSource()
        ).analyse(request.query, request.range, request.intervalMs, request.limits);
        mark('analyse end');
        return frames;
      }
      case 'report':
        return data.report(request.options);
      case 'export': {
        const out = chunks(id);
        const rows = await data.exportCsv(request.range, request.filters, out, request.limit, request.options);
        await new Promise<void>((resolve, reject) =>
          out.end((error?: Error | null) => (error ? reject(error) : resolve()))
        );
        return rows;
      }
      case 'flush':
        return logs.flush();
      case 'close':
        return logs.close();
    }
  }

  port.on('message', (message: ToWorker) => {
    if ('ack' in message) {
      const done = acks.get(message.ack);
      acks.delete(message.ack);
      done?.();
      return;
    }
    const { id, request, timeoutMs } = message;
    void interruptible(config.flag, timeoutMs, () => run(id, request)).then(
      (value) => {
        postStatus();
        post({ id, value });
      },
      (error: unknown) => {
        postStatus();
        post({ id, error: toWire(error) });
      }
    );
  });
}

const given = isMainThread
  ? null
  : (workerData as { dataWorker?: WorkerConfig; spare?: boolean; fastScan?: WebAssembly.Module | null } | null);
if (given && 'fastScan' in given) {
  adoptFastScanModule(given.fastScan);
}
if (parentPort && given?.dataWorker) {
  serveData(parentPort, given.dataWorker);
} else if (parentPort && given?.spare) {
  // Started ahead of need (spare.ts): the first message says which logs to serve.
  const port = parentPort;
  mark('spare data worker ready');
  port.once('message', (message: SpareConfig) => serveData(port, message.config));
}
