/**
 * A scan worker's thread: reads buffers of log lines into batches with the same scanner the main thread uses, and
 * hands the batches' columns back without copying them. See scan-pool.ts.
 */
import { parentPort, workerData } from 'worker_threads';
import { batchTransferList, BatchScanner, SourceConfig } from './line-batch';

/** A buffer of complete lines to scan: buf[start, end), buf[0] at file offset `base`. */
export interface ScanTask {
  id: number;
  bytes: Uint8Array;
  start: number;
  end: number;
  base: number;
}

const scanner = new BatchScanner((workerData as { config: SourceConfig }).config);

parentPort?.on('message', (task: ScanTask) => {
  const buf = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  const batch = scanner.scan(buf, task.start, task.end, task.base);
  parentPort?.postMessage({ id: task.id, batch }, batchTransferList(batch));
});
