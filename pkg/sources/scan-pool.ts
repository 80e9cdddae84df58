import { availableParallelism } from 'os';
import { Worker } from 'worker_threads';
import type { LineSource } from '../store/request-ids';
import type { LineBatch, SourceConfig } from './line-batch';
import type { ScanTask } from './scan-worker';
import { scanWorkerSource } from './scan-worker-source';

/** Scan workers to start by default: one per core, at most 8. */
export function defaultScanWorkers(): number {
  return Math.min(8, availableParallelism());
}

interface Waiting {
  resolve: (batch: LineBatch) => void;
  reject: (error: Error) => void;
  worker: number;
}

/**
 * Worker threads that scan buffers of log lines into batches (scan-worker.ts): a large read is split among them,
 * while this thread reads the file and appends the batches in order.
 */
export class ScanPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;

  /** A pool of `size` workers, or why workers cannot be started here (then the reader reads on its own thread). */
  static open(config: SourceConfig, size: number): ScanPool | Error {
    try {
      return new ScanPool(scanWorkerSource(), config, size);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private constructor(code: string, config: SourceConfig, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(code, { eval: true, workerData: { config } });
      worker.on('message', (message: { id: number; batch: LineBatch }) => {
        const waiting = this.waiting.get(message.id);
        if (waiting) {
          this.waiting.delete(message.id);
          this.load[waiting.worker]--;
          waiting.resolve(message.batch);
        }
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (exitCode) => {
        if (!this.closing) {
          this.fail(new Error(`a scan worker stopped (exit code ${exitCode})`));
        }
      });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Scans the lines of bytes[start, end) (bytes[0] at file offset `base`); `bytes` is handed over, not copied. */
  scan(bytes: Buffer, start: number, end: number, base: number): Promise<LineBatch> {
    if (this.failure) {
      return Promise.reject(this.failure);
    }
    let owned: Uint8Array = bytes;
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) {
      owned = new Uint8Array(bytes); // a view into a larger (maybe shared) buffer: hand over a copy
    }
    let worker = 0;
    for (let i = 1; i < this.load.length; i++) {
      if (this.load[i] < this.load[worker]) {
        worker = i;
      }
    }
    const id = this.nextId++;
    const task: ScanTask = { id, bytes: owned, start, end, base };
    return new Promise<LineBatch>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, worker });
      this.load[worker]++;
      this.workers[worker].postMessage(task, [owned.buffer as ArrayBuffer]);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) {
      waiting.reject(this.failure);
    }
    this.waiting.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * Buffers of one file's lines sent to the pool, their batches appended in the order the buffers were read (so the
 * store is what reading on one thread makes), with at most `depth` buffers in flight.
 */
export class OrderedScans {
  private readonly queue: Array<{ batch: Promise<LineBatch>; bytes: number }> = [];

  constructor(
    private readonly pool: ScanPool,
    private readonly source: LineSource,
    private readonly append: (batch: LineBatch, source: LineSource, bytes: number) => void,
    private readonly depth = 2 * pool.size
  ) {}

  /** Sends bytes[start, end) (complete lines; `consumed` bytes of the file in all) and appends what is done. */
  async add(bytes: Buffer, start: number, end: number, base: number, consumed: number): Promise<void> {
    const batch = this.pool.scan(bytes, start, end, base);
    batch.catch(() => undefined); // awaited in order below; a failure is thrown there, not reported as unhandled
    this.queue.push({ batch, bytes: consumed });
    while (this.queue.length > this.depth) {
      await this.appendNext();
    }
  }

  /** Appends every batch still in flight. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) {
      await this.appendNext();
    }
  }

  private async appendNext(): Promise<void> {
    const next = this.queue.shift()!;
    this.append(await next.batch, this.source, next.bytes);
  }
}
