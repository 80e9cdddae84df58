/**
 * The messages between a door (the thread that answers HTTP or gRPC) and the data worker (the thread that holds the
 * logs read into memory and runs every analysis over them). One request at a time runs in the worker; the door keeps
 * the others queued, so it always knows which one is running and can interrupt it.
 */
import type { AnswerLimits } from '../engine/answer';
import type { CsvOptions } from '../format/csv';
import type { LogsDescription } from '../engine/describe';
import type { AnalysisQuery, Filters, TimeRange } from '../model/query';
import type { ReportOptions } from '../report/report';
import type { SourceConfig } from '../sources/parse-line';
import type { CacheInfo } from '../sources/restart-cache';

/** How long health waits for an idle worker's fresh description before it answers from the last one posted. */
export const HEALTH_WAIT_MS = 50;

/** What the worker reads and how: given once, when it starts. */
export interface WorkerConfig {
  paths: string[];
  sourceConfig: SourceConfig;
  retentionMs?: number;
  retentionRows?: number;
  /** true: the logs are followed live (the backend); false: read what is new at each request (serve). */
  follow: boolean;
  /** Folders the restart cache may go in (the first that works); none: no cache. */
  cacheDirs: string[];
  /** Most time one read of what is new may take before a request fails (serve's timeout). */
  readTimeoutMs: number;
  /** The interruption flag (pkg/engine/interrupt.ts), shared with the door. */
  flag: Int32Array;
}

/** What the door asks. Each first reads what is new in the logs (`read` only that, with no time bound: at start). */
export type WorkerRequest =
  | { op: 'read' } // answers null
  | { op: 'describe' }
  | { op: 'fields' }
  | { op: 'models' }
  | { op: 'values'; field: string | undefined }
  | { op: 'analyse'; query: AnalysisQuery; range: TimeRange; intervalMs?: number; limits?: AnswerLimits }
  | { op: 'report'; options: ReportOptions }
  | { op: 'export'; range: TimeRange; filters: Filters; limit?: number; options?: CsvOptions }
  | { op: 'flush' }
  | { op: 'close' };

/** The latest state of the data, posted by the worker after each read: what health answers when the worker is busy. */
export interface WorkerStatus {
  description: LogsDescription;
  /** Log bytes read this run; and with the restart cache's, by the runs before. */
  bytesRead: number;
  coveredBytes: number;
  /** `layoutScanner`: which code reads the lines' common layouts (WebAssembly when its module was built). */
  scanWorkers: { bytes: number; unavailable: string | null; layoutScanner: 'WebAssembly' | 'TypeScript' };
  cache?: CacheInfo;
  /** When it was taken, epoch ms. */
  at: number;
}

/** An error as it crosses the thread boundary: its class by name and what the door needs to classify it. */
export interface WireError {
  name: string;
  message: string;
  status?: number;
  code?: string;
  path?: string;
  syscall?: string;
  reason?: 'timeout' | 'cancelled';
  timeoutMs?: number;
}

/** Door to a spare worker (started with `workerData.spare`), its first message: the logs it is to serve. */
export interface SpareConfig {
  config: WorkerConfig;
}

/** Door to worker. `timeoutMs` is for the timeout message; the door sets the flag itself when it passes. */
export type ToWorker = { id: number; request: WorkerRequest; timeoutMs?: number } | { ack: number };

/** Worker to door. */
export type FromWorker =
  | { id: number; value: unknown }
  | { id: number; error: WireError }
  | { id: number; chunk: string }
  | { status: WorkerStatus }
  | { log: string };
