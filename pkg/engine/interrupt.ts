/**
 * Stopping a query from outside while it runs. The thread that serves requests and the thread that computes share
 * one Int32Array (on a SharedArrayBuffer): the serving thread sets it when a request's deadline passes or its client
 * goes away, and the engine looks at it at cheap check points in its long loops (per group, per block or ~64k rows,
 * in sorts, per report section), throwing QueryInterrupted there. Without a flag installed (the CLI, tests) a check
 * point costs one comparison with null.
 */
import { QueryError } from './errors';

/** What the flag holds: 0 go on, else why to stop. */
export const RUNNING = 0;
export const TIMED_OUT = 1;
export const CANCELLED = 2;

/** Rows between two check points in row loops (a power of two: `(i & CHECK_MASK) === 0`). */
export const CHECK_ROWS = 65_536;
export const CHECK_MASK = CHECK_ROWS - 1;

/** A query stopped at a check point: past its deadline (timeout) or its client gone (cancelled). */
export class QueryInterrupted extends QueryError {
  constructor(
    readonly reason: 'timeout' | 'cancelled',
    readonly timeoutMs?: number
  ) {
    super(
      reason === 'timeout'
        ? `the query took longer than ${timeoutMs ?? '?'} ms; narrow the time range or group by fewer fields`
        : 'the query was cancelled: its client went away'
    );
  }
}

/** A flag both threads can see: created by the serving side, handed to the worker (structured clone shares it). */
export function newInterruptFlag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** The flag the running query is checked against, and its timeout for the message; none outside a worker. */
let current: Int32Array | null = null;
let currentTimeoutMs: number | undefined;

/** Runs `work` with `flag` as the flag its check points look at; the flag is cleared first. */
export async function interruptible<T>(
  flag: Int32Array,
  timeoutMs: number | undefined,
  work: () => Promise<T>
): Promise<T> {
  const before = current;
  const beforeTimeout = currentTimeoutMs;
  current = flag;
  currentTimeoutMs = timeoutMs;
  try {
    return await work();
  } finally {
    current = before;
    currentTimeoutMs = beforeTimeout;
  }
}

/** Asks the running query to stop (from any thread). */
export function interrupt(flag: Int32Array, reason: typeof TIMED_OUT | typeof CANCELLED): void {
  Atomics.store(flag, 0, reason);
}

/** Clears the flag for the next query. */
export function resetInterrupt(flag: Int32Array): void {
  Atomics.store(flag, 0, RUNNING);
}

/** A check point: throws QueryInterrupted when the running query was asked to stop. */
export function checkpoint(): void {
  if (current !== null && Atomics.load(current, 0) !== RUNNING) {
    throw new QueryInterrupted(Atomics.load(current, 0) === TIMED_OUT ? 'timeout' : 'cancelled', currentTimeoutMs);
  }
}
