/**
 * Opening what a CLI command reads — the log files of `--logs` into a store, or the ClickHouse tables of
 * `--clickhouse` — and reading its range and filter options; shared by the analysis commands (main.ts) and
 * `report` (report.ts).
 */
import type { Filters, TimeRange } from '../model/query';
import { checkRange, filtersFrom } from '../model/request';
import { AnalysisSource } from '../engine/answer';
import { StoreSource } from '../engine/store-source';
import { ReportSource, StoreReportSource } from '../engine/report-source';
import { ClickHouseReportSource } from '../clickhouse/report-source';
import { LogReader } from '../sources/reader';
import { Store } from '../store/store';
import type { Projection } from '../store/projection';
import { withColumns } from '../engine/columns-needed';
import { checkHasRequests } from './checks';
import { readingConfig } from './options';
import { loadProgress } from './progress';
import { clickhouseSourceOf, SourceOptions, sourceKind } from './source-options';
import { fastScanModule } from '../sources/fast-scan-wasm';

/** Options of every command that reads the logs. */
export interface CommonOptions {
  logs: string[];
  from?: number;
  to?: number;
  model?: string[];
  by?: string[];
  filter?: string[];
  format?: 'json' | 'table' | 'csv';
  /** --keep-formulas: CSV cells as they are, not neutralised. */
  keepFormulas?: boolean;
  timezone?: string;
  fieldMap?: Record<string, string[]>;
  successStatus?: string[];
  preset?: string;
}

function sourceConfig(options: CommonOptions) {
  return readingConfig(options);
}

/**
 * The files of `--logs` read into a store. `projection` (one-shot questions only): the columns to keep, for a
 * question that reads few of them (engine/columns-needed.ts); the rows are those of a full read.
 */
export async function openStore(options: CommonOptions, projection: Projection | null = null): Promise<Store> {
  // The --field-map fields too: unmatchedWarnings looks at them.
  const kept = withColumns(projection, Object.keys(options.fieldMap ?? {}));
  const reader = new LogReader(options.logs, sourceConfig(options), new Store(kept));
  const started = performance.now();
  const progress = loadProgress(process.stderr.isTTY ? await reader.totalBytes() : 0);
  try {
    await reader.refresh(progress.update);
  } finally {
    progress.stop();
  }
  checkHasRequests(options.logs, reader.fileCount, reader.store);
  if (reader.scanWorkersUnavailable) {
    process.stderr.write(`read on one thread: ${reader.scanWorkersUnavailable}\n`);
  }
  if (process.env.INFERENCE_LOGS_VERBOSE) {
    // For people measuring: how much the worker threads read.
    const ms = (performance.now() - started).toFixed(0);
    const cpu = process.cpuUsage();
    process.stderr.write(
      `read ${reader.bytesRead} bytes, ${reader.bytesReadByWorkers} of them by scan workers ` +
        `(layout scanner: ${fastScanModule() ? 'WebAssembly' : 'TypeScript'}), in ${ms} ms ` +
        `(process CPU so far: user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms; ` +
        `read started ${started.toFixed(0)} ms after the process did)\n`
    );
  }
  return reader.store;
}

/**
 * The files of `--logs` read into memory (keeping the columns of `projection` if given), or the ClickHouse tables of
 * `--clickhouse` (exactly one).
 */
export async function openSource(
  options: SourceOptions & Omit<CommonOptions, 'logs'>,
  projection: Projection | null = null
): Promise<AnalysisSource> {
  if (sourceKind(options) === 'clickhouse') {
    return clickhouseSourceOf(options);
  }
  return new StoreSource(await openStore({ ...options, logs: options.logs! }, projection));
}

/** What `report` reads: the files of `--logs` read into memory, or the ClickHouse tables of `--clickhouse`. */
export async function openReportSource(options: SourceOptions): Promise<ReportSource> {
  if (sourceKind(options) === 'clickhouse') {
    return new ClickHouseReportSource(clickhouseSourceOf(options));
  }
  return new StoreReportSource(await openStore({ ...options, logs: options.logs! }));
}

/** `--model` and `--filter`, read as every door reads them. */
export function filtersOf(options: Pick<CommonOptions, 'model' | 'filter'>): Filters {
  return filtersFrom(options.model ?? [], options.filter ?? []);
}

/** `--from` and `--to`; a range that ends before it starts is a usage error. */
export function rangeOf(options: Pick<CommonOptions, 'from' | 'to'>): TimeRange {
  return checkRange({ from: options.from, to: options.to });
}
