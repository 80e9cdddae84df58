#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import type { DataFrameJSON } from '@grafana/data';
import {
  AGGREGATIONS,
  ANOMALY_METHODS,
  AnalysisQuery,
  CORRELATION_METHODS,
  Filters,
  QueryType,
  TimeRange,
} from '../model/query';
import { checkRange, filtersFrom } from '../model/request';
import { InvalidInputError } from '../model/validate';
import { AnalysisSource, answer } from '../engine/answer';
import { QueryError } from '../engine/errors';
import { describeSkipReason, skipsInOrder, toDataFrameJSON } from '../engine/frames';
import { StoreSource } from '../engine/store-source';
import { SourceError } from '../sources/files';
import { LogReader } from '../sources/reader';
import { loadProgress } from './progress';
import { Store } from '../store/store';
import { writeCsvExport } from '../engine/csv-export';
import { ReportSource, StoreReportSource } from '../engine/report-source';
import { writeClickHouseCsv } from '../clickhouse/export';
import { ClickHouseReportSource } from '../clickhouse/report-source';
import { formatCsv, formatTables } from './format';
import {
  addLogReadingOptions,
  collect,
  collectFilter,
  collectList,
  parseNonNegativeInt,
  parseNumber,
  parseTime,
  parseWindowOption,
} from './options';
import { registerGenerate } from './generate';
import { registerServe } from './serve';
import { registerReport } from './report';
import { registerDemo } from './demo';
import { registerClickHouse } from './clickhouse';
import { ClickHouseError } from '../clickhouse/client';
import { addSourceOptions, clickhouseSourceOf, SourceOptions, sourceKind } from './source-options';

/** Exit status for wrong usage: a bad option, a missing file, a query that cannot be answered. */
const USAGE_ERROR = 2;

interface CommonOptions {
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
}

interface AnalysisOptions extends Omit<CommonOptions, 'logs'>, SourceOptions {
  metric?: string;
  method?: string;
  threshold?: number;
  window?: string;
  agg?: AnalysisQuery['aggregation'];
  metrics?: string[];
  measures?: string[];
  limit?: number;
}

/** Options of every command reading the logs: where they are (files, or with `clickhouse` ClickHouse too), range, filters, format. */
function addCommonOptions(command: Command, clickhouse = false): Command {
  const withSource = clickhouse
    ? addSourceOptions(addLogReadingOptions(command))
    : addLogReadingOptions(command).requiredOption(
        '--logs <paths...>',
        'log files, directories (read recursively) or globs; .gz read as is'
      );
  return withSource
    .option('--from <time>', 'start of the time range, inclusive: ISO-8601 (naive = UTC), epoch ms, or now-1h', (v) =>
      parseTime(v)
    )
    .option('--to <time>', 'end of the time range, inclusive', (v) => parseTime(v))
    .option('--model <name>', 'only this model (repeatable)', collect)
    .option('--by <field>', 'group by a field (repeatable, or comma-separated)', collectList)
    .option('--filter <field=value>', 'only rows where field equals value (repeatable)', collectFilter)
    .addOption(
      new Option('--format <format>', 'output format (default: table on a terminal, else json)').choices([
        'json',
        'table',
        'csv',
      ])
    )
    .option(
      '--keep-formulas',
      "CSV: write text starting with = + - @ tab or CR as it is (default: prefixed with ' so spreadsheets do not run it)"
    );
}

function sourceConfig(options: CommonOptions) {
  const fieldMap: Record<string, string> = {};
  for (const [ours, theirs] of Object.entries(options.fieldMap ?? {})) {
    fieldMap[ours] = theirs[theirs.length - 1];
  }
  return { fieldMap, successStatuses: options.successStatus, timezone: options.timezone };
}

/** Prints skipped-line counts on stderr, where they do not mix with the answer. */
function reportSkips(store: Store): void {
  const total = store.skippedTotal();
  if (total > 0) {
    process.stderr.write(`skipped ${total} line${total === 1 ? '' : 's'}:\n`);
    for (const [reason, count] of skipsInOrder(store.skipped)) {
      process.stderr.write(`  ${String(count).padStart(8)}  ${reason}: ${describeSkipReason(reason)}\n`);
    }
  }
  for (const [field, count] of Object.entries(store.invalidValues)) {
    process.stderr.write(`kept ${count} ${field} value${count === 1 ? '' : 's'} that are not numbers as missing\n`);
  }
}

export async function openStore(options: CommonOptions): Promise<Store> {
  const reader = new LogReader(options.logs, sourceConfig(options));
  const started = performance.now();
  const progress = loadProgress(process.stderr.isTTY ? await reader.totalBytes() : 0);
  try {
    await reader.refresh(progress.update);
  } finally {
    progress.stop();
  }
  reportSkips(reader.store);
  if (reader.scanWorkersUnavailable) {
    process.stderr.write(`read on one thread: ${reader.scanWorkersUnavailable}\n`);
  }
  if (process.env.INFERENCE_LOGS_VERBOSE) {
    // For people measuring: how much the worker threads read.
    const ms = (performance.now() - started).toFixed(0);
    const cpu = process.cpuUsage();
    process.stderr.write(
      `read ${reader.bytesRead} bytes, ${reader.bytesReadByWorkers} of them by scan workers, in ${ms} ms ` +
        `(process CPU so far: user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms)\n`
    );
  }
  return reader.store;
}

/** The files of `--logs` read into memory, or the ClickHouse tables of `--clickhouse` (exactly one). */
export async function openSource(options: SourceOptions & Omit<CommonOptions, 'logs'>): Promise<AnalysisSource> {
  if (sourceKind(options) === 'clickhouse') {
    return clickhouseSourceOf(options);
  }
  return new StoreSource(await openStore({ ...options, logs: options.logs! }));
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

function print(frames: DataFrameJSON[], format: CommonOptions['format'], keepFormulas = false): void {
  const chosen = format ?? (process.stdout.isTTY ? 'table' : 'json');
  if (chosen === 'json') {
    process.stdout.write(JSON.stringify(frames) + '\n');
  } else if (chosen === 'csv') {
    process.stdout.write(formatCsv(frames, { keepFormulas }));
  } else {
    process.stdout.write(formatTables(frames) + '\n');
  }
}

/** Adds one analysis command: its options, then load, run and print. */
function addAnalysis(
  program: Command,
  name: string,
  queryType: QueryType,
  description: string,
  configure: (c: Command) => Command = (c) => c
): void {
  const command = configure(addCommonOptions(program.command(name).description(description), true));
  command.action(async (options: AnalysisOptions) => {
    const range = rangeOf(options);
    const source = await openSource(options);
    const query: AnalysisQuery = {
      refId: 'A',
      queryType,
      metric: options.metric,
      // --method names the anomaly method, or for correlate the correlation method.
      method: queryType === 'anomalies' ? (options.method as AnalysisQuery['method']) : undefined,
      correlation: queryType === 'correlation' ? (options.method as AnalysisQuery['correlation']) : undefined,
      threshold: options.threshold,
      window: options.window,
      aggregation: options.agg,
      metrics: options.metrics,
      measures: options.measures,
      groupBy: options.by,
      filters: filtersOf(options),
      limit: options.limit,
    };
    // The CLI bounds no rows: --limit is the user's own.
    const frames = await answer(source, query, range, {});
    const json = frames.map((frame) => toDataFrameJSON(frame, query.refId));
    print(json, options.format, options.keepFormulas);
  });
}

const metricOption = (c: Command) => c.option('--metric <field>', 'numeric field to analyse', 'latency_ms');
const measuresOption = (c: Command) =>
  c.option('--measures <a,b,c>', 'only these value columns, in this order (default all)', collectList);
const limitOption = (c: Command) =>
  c.option('--limit <n>', 'at most this many rows (default: no limit)', parseNonNegativeInt);

export function buildProgram(): Command {
  const program = new Command('inference-logs')
    .description('Summaries, anomalies, trends, correlations and model comparisons over ML inference request logs.')
    .exitOverride();

  addAnalysis(
    program,
    'summary',
    'summary',
    'requests, latency percentiles, error rate, throughput; overall or --by a field',
    measuresOption
  );
  addAnalysis(
    program,
    'anomalies',
    'anomalies',
    'unusual requests by z-score, modified z-score (MAD) or IQR fences',
    (c) =>
      limitOption(metricOption(c))
        .addOption(new Option('--method <method>', 'detection method').choices(ANOMALY_METHODS).default('zscore'))
        .option('--threshold <number>', 'flag |score| above this (default: zscore 3, mad 3.5, iqr 1.5)', parseNumber)
  );
  addAnalysis(program, 'trend', 'trend', 'a metric aggregated per time window, a series per group', (c) =>
    metricOption(c)
      .option('--window <window>', 'bucket width: 30s, 1m, 5m, 1h, 1d ... or auto', parseWindowOption, 'auto')
      .addOption(new Option('--agg <aggregation>', 'aggregation per bucket').choices(AGGREGATIONS).default('mean'))
  );
  addAnalysis(program, 'correlate', 'correlation', 'correlation matrix of numeric fields (pairwise complete)', (c) =>
    c
      .option(
        '--metrics <a,b,c>',
        'fields of the matrix (default latency_ms,batch_size,gpu_util,memory_used_gb)',
        collectList
      )
      .addOption(new Option('--method <method>', 'correlation method').choices(CORRELATION_METHODS).default('pearson'))
  );
  addAnalysis(
    program,
    'compare',
    'compare',
    'models side by side: requests, latency percentiles, error rate, throughput',
    measuresOption
  );
  addAnalysis(program, 'spike', 'spike', 'what changed in --from..--to against the same-length window before it', (c) =>
    limitOption(c)
  );
  addAnalysis(program, 'logs', 'logs', 'the raw requests, newest first', limitOption);

  addCommonOptions(
    program.command('export').description('the filtered requests as CSV (RFC 4180), in time order'),
    true
  )
    .option('--limit <n>', 'at most this many rows', parseNonNegativeInt)
    .action(async (options: AnalysisOptions & { limit?: number }) => {
      const range = rangeOf(options);
      const filters = filtersOf(options);
      if (sourceKind(options) === 'clickhouse') {
        // Streamed from ClickHouse as stdout takes it: any size in bounded memory.
        await writeClickHouseCsv(clickhouseSourceOf(options), range, filters, process.stdout, options.limit, {
          keepFormulas: options.keepFormulas,
        });
        return;
      }
      const store = await openStore({ ...options, logs: options.logs! });
      await writeCsvExport(store, range, filters, process.stdout, options.limit, {
        keepFormulas: options.keepFormulas,
      });
    });

  registerGenerate(program);
  registerServe(program);
  registerReport(program);
  registerDemo(program);
  registerClickHouse(program);
  return program;
}

let pipeWatched = false;

/**
 * A reader that stops reading (`inference-logs export ... | head -1`) is not a failure: the process ends quietly
 * with status 0 instead of dying on an unhandled EPIPE with a stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  if (pipeWatched) {
    return;
  }
  pipeWatched = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(0);
    }
    throw error;
  });
}

/** One line on stderr and exit status 2 for anything the user can fix; 1 for our own failures. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message; help and version exit 0.
      return error.exitCode === 0 ? 0 : USAGE_ERROR;
    }
    if (
      error instanceof QueryError ||
      error instanceof InvalidInputError ||
      error instanceof SourceError ||
      error instanceof ClickHouseError
    ) {
      process.stderr.write(`inference-logs: error: ${error.message}\n`);
      return USAGE_ERROR;
    }
    process.stderr.write(`inference-logs: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
