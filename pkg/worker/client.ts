/**
 * The door's side of the data worker (data-worker.ts): starts the thread, sends it one request at a time in arrival
 * order, and stops the running one through the shared interruption flag when its deadline passes or its caller goes
 * away (a queued one is simply dropped). The latest status the worker posted answers health while it is busy.
 */
import { Worker } from 'worker_threads';
import {
  CANCELLED,
  interrupt,
  newInterruptFlag,
  QueryInterrupted,
  resetInterrupt,
  TIMED_OUT,
} from '../engine/interrupt';
import { QueryError, UnknownFieldError } from '../engine/errors';
import { HttpError } from '../http/errors';
import { InvalidInputError } from '../model/validate';
import { SourceError } from '../sources/files';
import type {
  FromWorker,
  SpareConfig,
  ToWorker,
  WireError,
  WorkerConfig,
  WorkerRequest,
  WorkerStatus,
} from './protocol';
import { newThread, takeSpare } from './spare';
import { mark } from './timeline';

/** How one request is held to account. */
export interface RequestOptions {
  /** Epoch ms by which it must be answered: a queued one is then dropped, a running one interrupted. */
  deadline?: number;
  /** The budget that deadline comes from, for the message (`took longer than N ms`). */
  timeoutMs?: number;
  /** Aborted when the caller has gone (client disconnected, call cancelled). */
  signal?: AbortSignal;
  /** The CSV export's chunks, in order; the next is produced once the promise of the last has settled. */
  onChunk?: (text: string) => Promise<void>;
}

/** What the worker is doing, for health while it is busy. */
export interface Busy {
  /** The request: `analyse trend`, `export`, `report`, ... */
  doing: string;
  /** How long it has been running, ms. */
  forMs: number;
}

interface Pending {
  id: number;
  request: WorkerRequest;
  options: RequestOptions;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  startedAt?: number;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
  /** Lets the worker go on past the chunk it waits on (written, or dropped when the request is stopped). */
  ackChunk?: () => void;
}

/** Rebuilds an error the worker sent, as the class the doors classify (toFailure, classify). */
export function fromWire(wire: WireError): Error {
  let error: Error;
  if (wire.name === 'QueryInterrupted') {
    error = new QueryInterrupted(wire.reason ?? 'cancelled', wire.timeoutMs);
  } else if (wire.name === 'HttpError') {
    error = new HttpError(wire.status ?? 500, wire.message);
  } else if (wire.name === 'QueryError') {
    error = new QueryError(wire.message);
  } else if (wire.name === 'UnknownFieldError') {
    error = new UnknownFieldError(wire.message);
  } else if (wire.name === 'InvalidInputError') {
    error = new InvalidInputError(wire.message);
  } else if (wire.name === 'SourceError') {
    error = new SourceError(wire.message);
  } else {
    error = new Error(wire.message);
  }
  Object.assign(error, wire.code ? { code: wire.code } : {}, wire.path ? { path: wire.path } : {});
  return wire.syscall ? Object.assign(error, { syscall: wire.syscall }) : error;
}

/** What a request is, in a few words. */
function describeRequest(request: WorkerRequest): string {
  return request.op === 'analyse'
    ? `${request.query.queryType} query${request.query.refId ? ` ${request.query.refId}` : ''}`
    : request.op;
}

/** One data worker: a thread over one set of log files. */
export class DataWorker {
  /** The latest status the worker posted (null before its first read). */
  latest: WorkerStatus | null = null;
  private worker: Worker | null = null;
  private readonly flag = newInterruptFlag();
  private readonly queue: Pending[] = [];
  private running: Pending | null = null;
  private describing: Promise<WorkerStatus> | null = null;
  private nextId = 1;
  private closed = false;

  /** `logs.cache`: the restart cache's lines; `logs.worker`: the thread's own failures. */
  constructor(
    private readonly config: Omit<WorkerConfig, 'flag'>,
    private readonly logs: { cache?: (line: string) => void; worker?: (line: string) => void } = {}
  ) {}

  /** Sends a request; answered in arrival order after those before it. */
  request<T>(request: WorkerRequest, options: RequestOptions = {}): Promise<T> {
    if (this.closed && request.op !== 'close' && request.op !== 'flush') {
      return Promise.reject(new HttpError(503, 'the logs are closed: the server is stopping'));
    }
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        id: this.nextId++,
        request,
        options,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      const stop = (reason: typeof TIMED_OUT | typeof CANCELLED): void => {
        if (this.running === pending) {
          interrupt(this.flag, reason); // the worker throws at its next check point
          pending.ackChunk?.(); // one it would wait on first
          return;
        }
        const at = this.queue.indexOf(pending);
        if (at >= 0) {
          this.queue.splice(at, 1);
          this.settle(pending);
          reject(new QueryInterrupted(reason === TIMED_OUT ? 'timeout' : 'cancelled', options.timeoutMs));
        }
      };
      if (options.deadline !== undefined) {
        pending.timer = setTimeout(() => stop(TIMED_OUT), Math.max(0, options.deadline - Date.now()));
      }
      if (options.signal) {
        if (options.signal.aborted) {
          reject(new QueryInterrupted('cancelled'));
          return;
        }
        pending.onAbort = () => stop(CANCELLED);
        options.signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.next();
    });
  }

  /**
   * The data's description, read fresh when the worker answers within `waitMs`; otherwise the latest one it posted,
   * with what keeps it busy (the fresh one is still asked, and replaces `latest` once it comes).
   */
  async describe(waitMs: number): Promise<{ status: WorkerStatus | null; busy?: Busy }> {
    // Busy with something else: no use waiting (the fresh description comes after it), answer at once.
    const other = this.running !== null && this.running.request.op !== 'describe';
    this.describing ??= this.request<WorkerStatus>({ op: 'describe' }).finally(() => (this.describing = null));
    const asked = this.describing;
    if (other && this.latest) {
      asked.catch(() => undefined);
      return { status: this.latest, busy: this.busy()! };
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
    try {
      const fresh = await Promise.race([asked, late]);
      if (fresh) {
        return { status: fresh };
      }
    } finally {
      clearTimeout(timer);
    }
    asked.catch(() => undefined); // answered later or failed: health has said what it knew
    return { status: this.latest, busy: this.busy() ?? { doing: 'starting', forMs: 0 } };
  }

  /** The running request and for how long, or null when idle. */
  busy(): Busy | null {
    const running = this.running;
    return running ? { doing: describeRequest(running.request), forMs: Date.now() - (running.startedAt ?? 0) } : null;
  }

  /** Stops the running request at its next check point (as if its caller had gone). */
  cancelRunning(): void {
    if (this.running) {
      interrupt(this.flag, CANCELLED);
      this.running.ackChunk?.();
    }
  }

  /** Writes the restart cache, stops following the logs, then the thread. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    // What is queued is not run; what runs is stopped at its next check point.
    for (const pending of this.queue.splice(0)) {
      this.settle(pending);
      pending.reject(new HttpError(503, 'the server is stopping'));
    }
    this.cancelRunning();
    if (this.worker) {
      await this.request({ op: 'close' }).catch(() => undefined);
      const worker = this.worker;
      this.worker = null;
      await worker?.terminate();
    }
  }

  private start(): Worker {
    const config: WorkerConfig = { ...this.config, flag: this.flag };
    const worker = takeSpare();
    if (worker) {
      mark('spare data worker taken');
      worker.postMessage({ config } satisfies SpareConfig); // the spare's first message: it then serves these logs
    }
    return this.listen(worker ?? newThread({ dataWorker: config }));
  }

  private listen(worker: Worker): Worker {
    worker.on('message', (message: FromWorker) => this.receive(message));
    const fail = (error: Error): void => {
      if (this.worker !== worker) {
        return;
      }
      this.worker = null; // the next request starts a new thread, which reads the logs again
      this.logs.worker?.(`the data worker stopped: ${error.message}`);
      const running = this.running;
      this.running = null;
      if (running) {
        this.settle(running);
        running.reject(new HttpError(503, `the logs' worker stopped while answering: ${error.message}; try again`));
      }
      this.next();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return worker;
  }

  private receive(message: FromWorker): void {
    if ('status' in message) {
      this.latest = message.status;
      return;
    }
    if ('log' in message) {
      this.logs.cache?.(message.log);
      return;
    }
    const running = this.running;
    if (!running || running.id !== message.id) {
      return;
    }
    if ('chunk' in message) {
      let acked = false;
      running.ackChunk = () => {
        if (!acked) {
          acked = true;
          this.worker?.postMessage({ ack: message.id } satisfies ToWorker);
        }
      };
      const written = running.options.onChunk ? running.options.onChunk(message.chunk) : Promise.resolve();
      void written.then(running.ackChunk, () => {
        interrupt(this.flag, CANCELLED); // the chunk could not be written: the export stops
        running.ackChunk?.();
      });
      return;
    }
    this.running = null;
    this.settle(running);
    if ('error' in message) {
      running.reject(fromWire(message.error));
    } else {
      running.resolve(message.value);
    }
    this.next();
  }

  /** Sends the first queued request when none is running. */
  private next(): void {
    if (this.running) {
      return;
    }
    if (this.queue.length === 0) {
      this.worker?.unref(); // idle: the thread alone keeps no process alive (a test, a script)
      return;
    }
    const pending = this.queue.shift()!;
    this.worker ??= this.start();
    this.worker.ref(); // a request in flight does
    this.running = pending;
    pending.startedAt = Date.now();
    resetInterrupt(this.flag); // only the door sets it, and only for the running request
    this.worker.postMessage({
      id: pending.id,
      request: pending.request,
      timeoutMs: pending.options.timeoutMs,
    } satisfies ToWorker);
  }

  private settle(pending: Pending): void {
    clearTimeout(pending.timer);
    if (pending.onAbort) {
      pending.options.signal?.removeEventListener('abort', pending.onAbort);
    }
  }
}
