/**
 * What the proxy serves its routes from: log files read into memory (a LogReader, kept fresh) or the logs shipped
 * into ClickHouse. Each gives the source answer() runs queries over, the health summary, the lookups for
 * template variables, the HTML report's source and the CSV export.
 */
import type { Writable } from 'stream';
import { AnalysisSource } from '../engine/answer';
import { CsvOptions, writeCsvExport } from '../engine/csv-export';
import { describeLogs, LogsDescription, modelsOf } from '../engine/describe';
import { ReportSource, StoreReportSource } from '../engine/report-source';
import { StoreSource } from '../engine/store-source';
import { writeClickHouseCsv } from '../clickhouse/export';
import { ClickHouseDescription, describeTable } from '../clickhouse/lookups';
import { ClickHouseReportSource } from '../clickhouse/report-source';
import { ClickHouseSource } from '../clickhouse/source';
import type { Filters, TimeRange } from '../model/query';
import type { CacheInfo } from '../sources/restart-cache';
import { Store } from '../store/store';
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

export interface ServedData {
  /** Where the logs are, for messages: `files` or `clickhouse`. */
  readonly kind: 'files' | 'clickhouse';
  /** The source queries are answered from, up to date. */
  analysisSource(): Promise<AnalysisSource>;
  /** `GET /api/health`: requests, files, from, to, models, skipped (and, for ClickHouse, version, table, hosts). */
  health(): Promise<LogsDescription | ClickHouseDescription>;
  fields(): Promise<Array<{ name: string; type: string }>>;
  models(): Promise<string[]>;
  /** Distinct values of a field, as text, sorted; 400 for a field that is not there. */
  values(field: string | undefined): Promise<string[]>;
  /** What the HTML report reads, up to date. */
  reportSource(): Promise<ReportSource>;
  /** Writes the selected requests as CSV to `out`, oldest first, streamed; returns how many. */
  exportCsv(range: TimeRange, filters: Filters, out: Writable, limit?: number, options?: CsvOptions): Promise<number>;
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
    reportSource: async () => new StoreReportSource(await fresh()),
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
    reportSource: async () => report,
    exportCsv: (range, filters, out, limit, options) => writeClickHouseCsv(source, range, filters, out, limit, options),
  };
}
