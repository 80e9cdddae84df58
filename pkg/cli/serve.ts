import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT } from '../http/defaults';
import { isLoopback } from '../http/auth';
import { addLogReadingOptions, parseNonNegativeInt, parsePort, readingConfig, stopSignal } from './options';
import { userCacheDir } from '../sources/restart-cache';
import { addSourceOptions, clickhouseSourceOf, SourceOptions, sourceKind, tableRefOf } from './source-options';

interface ServeOptions extends SourceOptions {
  port: number;
  host: string;
  token?: string;
  insecureNoToken?: boolean;
  maxRows: number;
  timeout: number;
  cacheDir?: string;
  retentionHours?: number;
  retentionRows?: number;
  /** false with --no-cache. */
  cache: boolean;
}

function parsePositiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`"${text}" must be a number above 0`);
  }
  return n;
}

function parsePositiveInt(text: string): number {
  const n = parseNonNegativeInt(text);
  if (n < 1) {
    throw new InvalidArgumentError(`"${text}" must be 1 or more`);
  }
  return n;
}

/** The server and table, for messages: no user or password. */
function clickhouseWhere(options: SourceOptions): string {
  const ref = tableRefOf(options);
  return `${new URL(options.clickhouse!).origin} ${ref.database}.${ref.table}`;
}

/** `serve`: the engine behind a small HTTP API, for Grafana's remote mode and scripts. */
export function registerServe(program: Command): void {
  addSourceOptions(addLogReadingOptions(program.command('serve')))
    .description('serve the logs over HTTP: POST /api/query, GET /api/health, /api/export.csv, /api/report.html ...')
    .option('--port <port>', `port to listen on (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--host <address>', 'address to bind (0.0.0.0 for every interface)', DEFAULT_HOST)
    .option('--token <token>', 'require Authorization: Bearer <token> (default: env INFERENCE_LOGS_TOKEN)')
    .option(
      '--insecure-no-token',
      'allow a non-loopback --host without a token (refused otherwise: anyone reaching it could read the logs)'
    )
    .option(
      '--max-rows <n>',
      "most rows in one frame (anomalies, logs and spike's slowest requests are cut to it)",
      parsePositiveInt,
      DEFAULT_LIMITS.maxRows
    )
    .option(
      '--timeout <seconds>',
      'most seconds spent on one request',
      parsePositiveInt,
      DEFAULT_LIMITS.timeoutMs / 1000
    )
    .option('--retention-hours <hours>', 'keep only requests of the last this many hours (before the newest)', (v) =>
      parsePositiveNumber(v)
    )
    .option('--retention-rows <n>', 'keep only the newest this many requests', parsePositiveInt)
    .option(
      '--cache-dir <dir>',
      'keep what was read in a restart cache there, so a restart reads only what is new',
      userCacheDir() ?? undefined
    )
    .option('--no-cache', 'no restart cache: a restart reads all the logs again')
    .action(async (options: ServeOptions) => {
      const fromClickHouse = sourceKind(options) === 'clickhouse';
      const token = options.token || process.env.INFERENCE_LOGS_TOKEN || undefined;
      if (!token && options.insecureNoToken && !isLoopback(options.host)) {
        process.stderr.write(
          `inference-logs: warning: serving on ${options.host} with no token: anyone who reaches it can read the logs\n`
        );
      }
      // fastify is loaded only when a server starts, so the other commands start faster.
      const { startProxy } = await import('../http/server');
      const proxy = await startProxy({
        paths: options.logs,
        clickhouse: fromClickHouse ? clickhouseSourceOf(options) : undefined,
        sourceConfig: readingConfig(options),
        cacheDir: options.cache && !fromClickHouse ? options.cacheDir : undefined,
        // Memory stays bounded however long the logs are followed (the backend's retentionHours / retentionRows).
        retention: {
          maxAgeMs: options.retentionHours === undefined ? undefined : options.retentionHours * 3_600_000,
          maxRows: options.retentionRows,
        },
        host: options.host,
        port: options.port,
        token,
        insecureNoToken: options.insecureNoToken,
        limits: { maxRows: options.maxRows, timeoutMs: options.timeout * 1000 },
      });
      const stopped = stopSignal();
      const requests = (await proxy.data.health()).requests;
      const what = fromClickHouse
        ? `${requests} requests from ClickHouse ${clickhouseWhere(options)}`
        : `${requests} requests from ${options.logs!.join(', ')}`;
      process.stderr.write(`serving ${what} at ${proxy.url} (${token ? 'token required' : 'no token'})\n`);
      const signal = await stopped;
      process.stderr.write(`${signal}: stopping\n`);
      await proxy.close();
    });
}
