/**
 * Shared by the benchmark's parts: the queries both engines answer, what a child process reports, timing helpers.
 * Each engine runs in its own child process so that its peak RSS is its own.
 */

/** What the parent hands every child (as one JSON argument). */
export interface BenchInput {
  file: string;
  bytes: number;
  rows: number;
  runs: number;
  /**
   * Runs before the timed ones, at most (the first of them is reported as the cold run): warm-up stops early
   * once it has taken WARMUP_BUDGET_MS. The same for both engines.
   */
  warmups: number;
  /** Epoch ms, both ends inclusive: one hour in the middle of the data. */
  hourFrom: number;
  hourTo: number;
  /** Epoch ms: the last five minutes of the data. */
  alertFrom: number;
  alertTo: number;
  /** The private ClickHouse server for the ClickHouse child. */
  clickhouse?: { url: string; pid: number };
}

/** A group's summary numbers, as both engines report them for the answer check. */
export interface SummaryRow {
  model: string;
  requests: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  errorRate: number | null;
}

export interface Answers {
  summary: SummaryRow[];
  hour: SummaryRow[];
  alert: SummaryRow[];
  /** model -> bucket start (epoch ms) -> [mean, p99], non-empty buckets only. */
  trend: Record<string, Record<string, [number | null, number | null]>>;
  anomaliesFound: number;
  /** The top anomalies' |score|, most extreme first. */
  anomalyScores: number[];
  /** The top anomalies' request ids. */
  anomalyIds: Array<string | null>;
  pearson: Array<Array<number | null>>;
}

/** Query name -> median milliseconds. */
export type Timings = Record<string, number>;

export interface EngineReport {
  /** Loading (ClickHouse: shipping, as the ship command times it, from its first read to its last insert). */
  loadMs: number;
  /** ClickHouse: the ship command's whole run as a fresh process, start-up included. */
  processMs?: number;
  rows: number;
  /** Peak RSS of the process (ClickHouse: of the server). */
  peakRssBytes: number;
  /** Memory held after loading (after a full GC), per row (ClickHouse: the table's compressed size on disk). */
  bytesPerRow: number;
  queries: Timings;
  /** The first run of each query (cold: nothing compiled or cached yet). */
  firstRunMs: Timings;
  /** Every run's time, for the record. */
  runsMs: Record<string, number[]>;
  answers: Answers;
  notes: string[];
}

export interface CeilingReport {
  readMs: number;
  splitMs: number;
  readlineJsonMs: number;
  lines: number;
}

export interface LiveReport {
  linesPerSecond: number;
  lines: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export const QUERY_NAMES = [
  'summary by model',
  'trend per model per minute (mean + p99)',
  'z-score anomalies per model',
  '4x4 Pearson matrix',
  'one-hour summary by model',
  'alert: p99 last 5 min per model',
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

export const ANOMALY_LIMIT = 1000;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` once to warm up, then `runs` times; returns the median and every time, and the last result. */
/** Warm-up time per query, at most: a dashboard refreshed for a few seconds gets at least this. */
export const WARMUP_BUDGET_MS = 5000;

export async function timeRuns<T>(
  warmups: number,
  runs: number,
  fn: () => T | Promise<T>
): Promise<{ ms: number; firstMs: number; all: number[]; result: T }> {
  const first = performance.now();
  let result = await fn();
  const firstMs = performance.now() - first;
  for (let i = 1; i < warmups && performance.now() - first < WARMUP_BUDGET_MS; i++) {
    result = await fn();
  }
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = await fn();
    all.push(performance.now() - start);
  }
  return { ms: median(all), firstMs, all, result };
}

/** A number for the answer check: NaN and ±infinity as null. */
export function num(value: unknown): number | null {
  if (typeof value === 'bigint') {
    return Number(value);
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Reads the child's single argument. */
export function inputOf(argv: string[]): BenchInput {
  const text = argv[2];
  if (!text) {
    throw new Error('usage: child INPUT_JSON');
  }
  return JSON.parse(text) as BenchInput;
}

/** The child's report, as the last line of stdout. */
export function report(value: unknown): void {
  process.stdout.write(`\n@@REPORT ${JSON.stringify(value)}\n`);
}

/** Process memory after a full collection (needs --expose-gc): heap plus buffers outside it. */
export function heldBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}
