/**
 * A scan worker's thread: reads buffers of log lines into batches with the same scanner the main thread uses, and
 * hands the batches' columns back without copying them. The main thread returns the columns of batches it has
 * appended (and this thread returns the buffers it has scanned), so that both reuse memory instead of allocating
 * and zeroing fresh arrays for every piece. See scan-pool.ts.
 */
import { parentPort, workerData } from 'worker_threads';
import type { RowBatch } from '../store/store';
import type { Projection } from '../store/projection';
import { batchTransferList, BatchScanner, SourceConfig } from './line-batch';
import { adoptFastScanModule } from './fast-scan-wasm';

/** A buffer of complete lines to scan: buf[start, end), buf[0] at file offset `base`. */
export interface ScanTask {
  id: number;
  bytes: Uint8Array;
  start: number;
  end: number;
  base: number;
}

/** Columns of an appended batch, for the next scan to write into. */
export interface SpareColumns {
  spare: RowBatch;
}

/** Spare column sets kept at most (the pool keeps about two pieces per worker in flight). */
const MAX_SPARES = 4;

/** `projection`: the columns the read keeps (store/projection.ts), null for all. */
const data = workerData as {
  config: SourceConfig;
  fastScan?: WebAssembly.Module | null;
  projection?: Projection | null;
};
adoptFastScanModule(data.fastScan);
const scanner = new BatchScanner(data.config);
const spares: RowBatch[] = [];
const projection = data.projection ?? undefined;

parentPort?.on('message', (message: ScanTask | SpareColumns) => {
  if ('spare' in message) {
    if (spares.length < MAX_SPARES) {
      spares.push(message.spare);
    }
    return;
  }
  const task = message;
  const buf = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  const batch = scanner.scan(buf, task.start, task.end, task.base, false, false, spares.pop(), projection);
  // The scanned buffer goes back too, for the reader's next piece.
  parentPort?.postMessage({ id: task.id, batch, bytes: task.bytes }, [
    ...batchTransferList(batch),
    task.bytes.buffer as ArrayBuffer,
  ]);
});
