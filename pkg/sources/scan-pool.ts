import { availableParallelism } from 'os';
import { Worker } from 'worker_threads';
import type { LineSource } from '../store/request-ids';
import { batchTransferList, type LineBatch, type SourceConfig } from './line-batch';
import type { RowBatch } from '../store/store';
import type { Projection } from '../store/projection';
import type { ScanTask, SpareColumns } from './scan-worker';
import { scanWorkerSource } from './scan-worker-source';
import { fastScanModule } from './fast-scan-wasm';

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
  /** Which worker made each batch still held here, to hand its columns back to it. */
  private readonly madeBy = new WeakMap<LineBatch, number>();
  /** Buffers the workers have scanned and returned, for the reader's next pieces. */
  private readonly spareBuffers: Buffer[] = [];
  private failure: Error | null = null;
  private closing = false;

  /**
   * A pool of `size` workers, or why workers cannot be started here (then the reader reads on its own thread).
   * `projection`: the columns the batches fill (store/projection.ts), null for all.
   */
  static open(config: SourceConfig, size: number, projection: Projection | null = null): ScanPool | Error {
    try {
      return new ScanPool(scanWorkerSource(), config, size, projection);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private constructor(code: string, config: SourceConfig, size: number, projection: Projection | null) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(code, { eval: true, workerData: { config, fastScan: fastScanModule(), projection } });
      worker.on('message', (message: { id: number; batch: LineBatch; bytes: Uint8Array }) => {
        if (this.spareBuffers.length < 2 * size + 2) {
          this.spareBuffers.push(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
        }
        const waiting = this.waiting.get(message.id);
        if (waiting) {
          this.waiting.delete(message.id);
          this.load[waiting.worker]--;
          this.madeBy.set(message.batch, waiting.worker);
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

  /**
   * A whole buffer (not a view: the pool would copy a view) of at least `length` bytes that a worker has scanned
   * and returned, or a new one.
   */
  buffer(length: number): Buffer {
    const index = this.spareBuffers.findIndex((b) => b.length >= length);
    // New ones get some room beyond `length`, as the next read's unfinished line may make it longer.
    return index >= 0 ? this.spareBuffers.splice(index, 1)[0] : Buffer.allocUnsafeSlow(length + (length >> 4));
  }

  /** The batch has been appended: its columns go back to the worker that made it, to be written again. */
  recycle(batch: LineBatch): void {
    const worker = this.madeBy.get(batch);
    if (worker === undefined || this.failure || this.closing) {
      return;
    }
    const spare: RowBatch = {
      rows: 0,
      time: batch.time,
      errors: batch.errors,
      model: batch.model,
      status: batch.status,
      latency: batch.latency,
      batch: batch.batch,
      gpu: batch.gpu,
      memory: batch.memory,
      lineOffset: batch.lineOffset,
    };
    const message: SpareColumns = { spare };
    this.workers[worker].postMessage(message, batchTransferList(spare));
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

  /** A buffer for the next piece (one a worker has returned, when there is one). */
  buffer(length: number): Buffer {
    return this.pool.buffer(length);
  }

  /** Appends every batch still in flight. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) {
      await this.appendNext();
    }
  }

  private async appendNext(): Promise<void> {
    const next = this.queue.shift()!;
    const batch = await next.batch;
    this.append(batch, this.source, next.bytes);
    this.pool.recycle(batch); // appended means copied: its arrays are free
  }
}
