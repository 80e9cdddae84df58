/**
 * What the proxy serves its routes from: log files read into memory (a LogReader, kept fresh) or the logs shipped
 * into ClickHouse. Each gives the source answer() runs queries over, the health summary, the lookups for
 * template variables, the HTML report's source and the CSV export.
 */
import type { Writable } from 'stream';
import { AnalysisSource, AnswerLimits } from '../engine/answer';
import { CsvOptions, writeChunk, writeCsvExport } from '../format/csv';
import { describeLogs, LogsDescription, modelsOf } from '../engine/describe';
import { StoreReportSource } from '../engine/report-source';
import { StoreSource } from '../engine/store-source';
import { writeClickHouseCsv } from '../clickhouse/export';
import { ClickHouseDescription, describeTable } from '../clickhouse/lookups';
import { ClickHouseReportSource } from '../clickhouse/report-source';
import { ClickHouseSource } from '../clickhouse/source';
import type { AnalysisQuery, Filters, TimeRange } from '../model/query';
import { renderReport, ReportOptions } from '../report/report';
import type { CacheInfo } from '../sources/restart-cache';
import { Store } from '../store/store';
// Types only from the worker's client: this module runs inside the worker too (fileData).
import type { DataWorker, RequestOptions } from '../worker/client';
import { HEALTH_WAIT_MS, WorkerRequest, WorkerStatus } from '../worker/protocol';
import { HttpError } from './errors';

/** What the proxy reads: a LogReader, or anything that keeps a store fresh the same way. */
export interface LogSource {
  readonly store: Store;
  /** Log files seen so far. */
  readonly fileCount: number;
  /** Reads what is new; concurrent calls share one read. */
  refresh(): Promise<unknown>;
  /** The restart cache, when there is one: shown by /api/health. */
  cacheInfo?(): CacheInfo;
}

/** Distinct values /api/values lists at most. */
export const MAX_VALUES = 10_000;

/**
 * What a request allows its work: the time left before its deadline, and a signal aborted when its client goes
 * away. Data served from a worker (workerData) stops the work then; the others finish it.
 */
export interface RequestContext {
  /** Epoch ms; and the request's whole budget, for messages. */
  deadline?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ServedData {
  /** Where the logs are, for messages: `files` or `clickhouse`. */
  readonly kind: 'files' | 'clickhouse';
  /** The source queries are answered from, up to date. */
  analysisSource(context?: RequestContext): Promise<AnalysisSource>;
  /**
   * `GET /api/health`: requests, files, from, to, models, skipped (and, for ClickHouse, version, table, hosts; with a
   * worker, `busy` when it is: the description is then the one it last posted).
   */
  health(): Promise<LogsDescription | ClickHouseDescription>;
  fields(context?: RequestContext): Promise<Array<{ name: string; type: string }>>;
  models(context?: RequestContext): Promise<string[]>;
  /** Distinct values of a field, as text, sorted; 400 for a field that is not there. */
  values(field: string | undefined, context?: RequestContext): Promise<string[]>;
  /** The HTML report, rendered over the up-to-date logs. */
  report(options: ReportOptions, context?: RequestContext): Promise<string>;
  /** Writes the selected requests as CSV to `out`, oldest first, streamed; returns how many. */
  exportCsv(
    range: TimeRange,
    filters: Filters,
    out: Writable,
    limit?: number,
    options?: CsvOptions,
    context?: RequestContext
  ): Promise<number>;
}

/** Log files read into memory: every call first reads what is new, within `timeoutMs`. */
export function fileData(source: LogSource, timeoutMs: number): ServedData {
  async function fresh(): Promise<Store> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HttpError(503, `reading the logs took longer than ${timeoutMs} ms; try again`)),
        timeoutMs
      );
    });
    try {
      await Promise.race([source.refresh(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return source.store;
  }
  return {
    kind: 'files',
    analysisSource: async () => new StoreSource(await fresh()),
    health: async () => {
      const found = describeLogs(await fresh(), source.fileCount);
      return source.cacheInfo ? { ...found, cache: source.cacheInfo() } : found;
    },
    fields: async () => (await fresh()).fields(),
    models: async () => modelsOf(await fresh()),
    report: async (options) => renderReport(new StoreReportSource(await fresh()), options),
    exportCsv: async (range, filters, out, limit, options) =>
      writeCsvExport(await fresh(), range, filters, out, limit, options),
    async values(field) {
      const store = await fresh();
      const column = field === undefined ? undefined : store.columns.get(field);
      if (field === undefined || !column) {
        const known = store.fields().map((f) => f.name);
        throw new HttpError(
          400,
          field === undefined
            ? `values needs ?field=NAME; fields: ${known.join(', ')}`
            : `unknown field "${field.slice(0, 64)}"; fields: ${known.join(', ')}`
        );
      }
      const values = new Set<string>();
      for (let row = 0; row < store.length && values.size < MAX_VALUES; row++) {
        const value = column.get(row);
        if (value !== null && !(typeof value === 'number' && Number.isNaN(value))) {
          values.add(String(value));
        }
      }
      return [...values].sort();
    },
  };
}

/** The logs in ClickHouse: queries, lookups, the report's numbers and the export's rows come from there. */
export function clickhouseData(source: ClickHouseSource): ServedData {
  const report = new ClickHouseReportSource(source);
  return {
    kind: 'clickhouse',
    analysisSource: async () => source,
    health: () => describeTable(source.client, source.ref),
    fields: () => source.fieldList(),
    models: () => source.models(),
    async values(field) {
      if (field === undefined) {
        const known = (await source.fieldList()).map((f) => f.name);
        throw new HttpError(400, `values needs ?field=NAME; fields: ${known.join(', ')}`);
      }
      return source.values(field, MAX_VALUES);
    },
    report: (options) => renderReport(report, options),
    exportCsv: (range, filters, out, limit, options) => writeClickHouseCsv(source, range, filters, out, limit, options),
  };
}

/** What /api/health says: the description, the restart cache when there is one, and what keeps the worker busy. */
function healthOf(status: WorkerStatus, busy?: { doing: string; forMs: number }): LogsDescription {
  return {
    ...status.description,
    ...(status.cache ? { cache: status.cache } : {}),
    ...(busy ? { busy: { ...busy, describedAt: new Date(status.at).toISOString() } } : {}),
  };
}

/**
 * Log files read into memory in a worker thread (pkg/worker): every call is a request to it, run after those before
 * it, stopped when its context's time runs out or its client goes away. Health waits HEALTH_WAIT_MS for the worker,
 * then answers from the description it last posted, saying what keeps it busy.
 */
export function workerData(worker: DataWorker): ServedData {
  const ask = <T>(request: WorkerRequest, options: RequestOptions = {}): Promise<T> =>
    worker.request<T>(request, options);
  return {
    kind: 'files',
    analysisSource: async (context) => ({
      analyse: (query: AnalysisQuery, range: TimeRange, intervalMs?: number, limits?: AnswerLimits) =>
        ask({ op: 'analyse', query, range, intervalMs, limits }, context),
    }),
    async health() {
      const { status, busy } = await worker.describe(HEALTH_WAIT_MS);
      if (!status) {
        throw new HttpError(503, `the logs are still being read (${busy?.doing ?? 'starting'}); try again`);
      }
      return healthOf(status, busy);
    },
    fields: (context) => ask({ op: 'fields' }, context),
    models: (context) => ask({ op: 'models' }, context),
    values: (field, context) => ask({ op: 'values', field }, context),
    report: (options, context) => ask({ op: 'report', options }, context),
    exportCsv: (range, filters, out, limit, options, context) =>
      ask({ op: 'export', range, filters, limit, options }, { ...context, onChunk: (text) => writeChunk(out, text) }),
  };
}
