#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import type { DataFrameJSON } from '@grafana/data';
import {
  AGGREGATIONS,
  ANOMALY_METHODS,
  AnalysisQuery,
  CORRELATION_METHODS,
  DEFAULT_FORECAST_HORIZON,
  MAX_SEASONAL_PERIODS,
  QueryType,
  SEASONALITIES,
} from '../model/query';
import { InvalidInputError, parseQuery } from '../model/validate';
import { answer } from '../engine/answer';
import { QueryError, UnknownFieldError } from '../engine/errors';
import { columnsNeeded } from '../engine/columns-needed';
import { StoreSource } from '../engine/store-source';
import { toDataFrameJSON } from '../format/dataframe-json';
import { SourceError } from '../sources/files';
import { writeCsvExport } from '../format/csv';
import { writeClickHouseCsv } from '../clickhouse/export';
import {
  addLogReadingOptions,
  collect,
  collectFilter,
  collectList,
  parseNonNegativeInt,
  parseNumber,
  parseTime,
  parseWindowOption,
  presetHelp,
} from './options';
import { registerGenerate } from './generate';
import { registerServe } from './serve';
import { registerReport } from './report';
import { registerDemo } from './demo';
import { registerClickHouse } from './clickhouse';
import { ClickHouseError } from '../clickhouse/client';
import { addSourceOptions, clickhouseSourceOf, SourceOptions, sourceKind } from './source-options';
import { checkQueryFirst, reportInput } from './checks';
import { CommonOptions, filtersOf, openSource, openStore, rangeOf } from './open';

/** Exit status for wrong usage: a bad option, a missing file, a query that cannot be answered. */
const USAGE_ERROR = 2;

interface AnalysisOptions extends Omit<CommonOptions, 'logs'>, SourceOptions {
  metric?: string;
  method?: string;
  threshold?: number;
  window?: string;
  agg?: AnalysisQuery['aggregation'];
  metrics?: string[];
  measures?: string[];
  baseline?: string;
  limit?: number;
  /** --wide: tables not cut to the terminal. */
  wide?: boolean;
  seasonality?: AnalysisQuery['seasonality'];
  periods?: number;
  horizon?: string;
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

async function print(
  frames: DataFrameJSON[],
  format: CommonOptions['format'],
  keepFormulas = false,
  wide = false
): Promise<void> {
  const chosen = format ?? (process.stdout.isTTY ? 'table' : 'json');
  if (chosen === 'json') {
    process.stdout.write(JSON.stringify(frames) + '\n');
    return;
  }
  // Loaded for the formats that need it: it brings cli-table3, which json output and --help can do without.
  const { formatCsv, formatTables } = await import('../format/table');
  if (chosen === 'csv') {
    process.stdout.write(formatCsv(frames, { keepFormulas }));
  } else {
    // On a terminal a table keeps to its width (the columns left out are named under it); piped, it is whole.
    const width = process.stdout.isTTY && !wide ? process.stdout.columns : undefined;
    process.stdout.write(formatTables(frames, { width }) + '\n');
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
  const command = configure(
    addCommonOptions(program.command(name).description(description), true).option(
      '--wide',
      'table: every column, however wide the terminal (default: the columns that fit)'
    )
  );
  command.action(async (options: AnalysisOptions) => {
    const range = rangeOf(options);
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
      baseline: options.baseline,
      groupBy: options.by,
      filters: filtersOf(options),
      limit: options.limit,
      seasonality: options.seasonality,
      seasonalPeriods: options.periods,
      horizon: options.horizon,
    };
    checkQueryFirst(query, range); // before reading: a mistake in the question costs no wait
    // Only the columns the question reads are loaded (every row is).
    const projection = columnsNeeded(parseQuery(query));
    let source = await openSource(options, projection);
    // The CLI bounds no rows: --limit is the user's own.
    const started = performance.now();
    let frames;
    try {
      frames = await answer(source, query, range, {});
    } catch (error) {
      // An unknown field's message lists the fields there are, which a projected load does not know: read them all.
      if (!(error instanceof UnknownFieldError) || !projection || !(source instanceof StoreSource)) {
        throw error;
      }
      source = await openSource(options);
      frames = await answer(source, query, range, {});
    }
    const json = frames.map((frame) => toDataFrameJSON(frame, query.refId));
    await print(json, options.format, options.keepFormulas, options.wide);
    reportInput(source, options);
    oneShotDone = true;
    if (process.env.INFERENCE_LOGS_VERBOSE) {
      const now = performance.now();
      process.stderr.write(
        `answered and printed in ${(now - started).toFixed(0)} ms (${now.toFixed(0)} ms since start)\n`
      );
    }
  });
}

const metricOption = (c: Command) => c.option('--metric <field>', 'numeric field to analyse', 'latency_ms');
const measuresOption = (c: Command) =>
  c.option('--measures <a,b,c>', 'only these value columns, in this order (default all)', collectList);
const seasonalOptions = (c: Command) =>
  c
    .addOption(
      new Option(
        '--seasonality <period>',
        'judge each bucket against the same time of day or week over previous periods (median and MAD)'
      ).choices(SEASONALITIES)
    )
    .option(
      '--periods <n>',
      `previous days or weeks the seasonal baseline reads (default 7 days, 4 weeks; at most ${MAX_SEASONAL_PERIODS})`,
      parseNonNegativeInt
    );
const bucketOptions = (c: Command) =>
  metricOption(c)
    .option('--window <window>', 'bucket width: 30s, 1m, 5m, 1h, 1d ... or auto', parseWindowOption, 'auto')
    .addOption(new Option('--agg <aggregation>', 'aggregation per bucket').choices(AGGREGATIONS).default('mean'));
const limitOption = (c: Command) =>
  c.option('--limit <n>', 'at most this many rows (default: no limit)', parseNonNegativeInt);

/** Commander's usage errors ("error: unknown option '--x'\n(Did you mean --y?)") as our one line. */
export function commanderErrorLine(text: string): string {
  return `inference-logs: ${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

export function buildProgram(): Command {
  const program = new Command('inference-logs')
    .description('Summaries, anomalies, trends, correlations and model comparisons over ML inference request logs.')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(commanderErrorLine(text)) });

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
      seasonalOptions(limitOption(bucketOptions(c)))
        .addOption(new Option('--method <method>', 'detection method').choices(ANOMALY_METHODS).default('zscore'))
        .option(
          '--threshold <number>',
          'flag |score| above this (default: zscore 3, mad 3.5, iqr 1.5; seasonal 3.5)',
          parseNumber
        )
  );
  addAnalysis(program, 'trend', 'trend', 'a metric aggregated per time window, a series per group', (c) =>
    seasonalOptions(bucketOptions(c)).option(
      '--threshold <number>',
      'with --seasonality: the band is expected ± threshold·MAD/0.6745 (default 3.5)',
      parseNumber
    )
  );
  addAnalysis(
    program,
    'forecast',
    'forecast',
    "a trend's next buckets (Holt's linear method, fitted) with a 95% band, a series per group",
    (c) =>
      bucketOptions(c).option(
        '--horizon <duration>',
        `how far ahead of the last whole bucket: 15m, 30m, 2h ... (default ${DEFAULT_FORECAST_HORIZON})`
      )
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
    'models side by side: requests, latency percentiles, error rate, throughput; each tested against --baseline',
    (c) =>
      measuresOption(c).option(
        '--baseline <model>',
        'the model the others are tested against (default the first by name): p50/p99 differences with 95% ' +
          'bootstrap intervals, Mann-Whitney U, error-rate z-test'
      )
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
      reportInput(store, options);
      oneShotDone = true;
    });

  registerGenerate(program);
  registerServe(program);
  registerReport(program);
  registerDemo(program);
  registerClickHouse(program);
  return program;
}

/** Marks stdout as watched: once per process, however many times this module is loaded (tests load it anew). */
const PIPE_WATCHED = Symbol.for('inference-logs.stdout-watched');

/**
 * A reader that stops reading (`inference-logs export ... | head -1`) is not a failure: the process ends quietly
 * with status 0 instead of dying on an unhandled EPIPE with a stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  const stdout = process.stdout as typeof process.stdout & { [PIPE_WATCHED]?: boolean };
  if (stdout[PIPE_WATCHED]) {
    return;
  }
  stdout[PIPE_WATCHED] = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(0);
    }
    throw error;
  });
}

/** Set by the commands that are done once their answer is written (analyses, export). */
let oneShotDone = false;

/**
 * Ends the CLI with `code`: a one-shot command exits as soon as its output is written, instead of waiting while
 * the runtime frees the store it read (a tenth of a second and more for millions of rows); the others (serve,
 * demo) end when their event loop does.
 */
export function finish(code: number): void {
  process.exitCode = code;
  if (oneShotDone) {
    process.stdout.write('', () => process.exit(code));
  }
}

/** One line on stderr and exit status 2 for anything the user can fix; 1 for our own failures. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  const preset = presetHelp(argv);
  if (preset instanceof Error) {
    process.stderr.write(`inference-logs: error: ${preset.message}\n`);
    return USAGE_ERROR;
  }
  if (preset !== null) {
    process.stdout.write(preset);
    return 0;
  }
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
    process.stderr.write(`inference-logs: error: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(finish);
}
