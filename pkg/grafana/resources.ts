import { Writable } from 'stream';
import type { Filters, TimeRange } from '../model/query';
import { filtersFrom, parseRange, parseWholeNumber } from '../model/request';
import { CsvOptions, csvOptionsOf, writeCsvExport } from '../engine/csv-export';
import { ReportSource, StoreReportSource } from '../engine/report-source';
import { renderReport, REPORT_HEADERS } from '../report/report';
import { writeClickHouseCsv } from '../clickhouse/export';
import { ClickHouseReportSource } from '../clickhouse/report-source';
import { classify } from './errors';
import { describeStore } from './health';
import { ClickHouseInstance, InstanceManager } from './instances';
import { describeTable } from '../clickhouse/lookups';
import { CallResourceRequest, CallResourceResponse } from './messages';

const MAX_VALUES = 10_000;
/** A CSV export through Grafana is held in memory whole: bounded. The proxy streams bigger ones. */
const MAX_EXPORT_ROWS = 1_000_000;
const RESOURCES = 'models, fields, values?field=NAME, stats, report.html, export.csv';

/** `from`/`to` (epoch ms, ISO-8601 with no zone = UTC, `now-1h`), `model` and `filter=FIELD=VALUE` (repeatable). */
function rangeAndFilters(params: URLSearchParams): { range: TimeRange; filters: Filters } {
  return {
    range: parseRange(params.get('from') ?? undefined, params.get('to') ?? undefined),
    filters: filtersFrom(params.getAll('model'), params.getAll('filter')),
  };
}

function json(code: number, body: unknown): CallResourceResponse {
  return {
    code,
    headers: { 'Content-Type': { values: ['application/json'] } },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** `report.html`: the HTML report over the range and filters, with `title`. */
async function reportResource(source: ReportSource, params: URLSearchParams): Promise<CallResourceResponse> {
  const { range, filters } = rangeAndFilters(params);
  const html = await renderReport(source, { range, filters, title: params.get('title') ?? undefined });
  return {
    code: 200,
    headers: reportHeaders('text/html; charset=utf-8'),
    body: Buffer.from(html),
  };
}

/** The report's headers (CSP and the rest, REPORT_HEADERS) in the form Grafana takes them. */
function reportHeaders(contentType: string): CallResourceResponse['headers'] {
  const headers: CallResourceResponse['headers'] = { 'Content-Type': { values: [contentType] } };
  for (const [name, value] of Object.entries(REPORT_HEADERS)) {
    headers[name] = { values: [value] };
  }
  return headers;
}

type CsvWriter = (
  range: TimeRange,
  filters: Filters,
  out: Writable,
  limit: number,
  options: CsvOptions
) => Promise<number>;

/** `export.csv`: the selected requests as CSV, at most `limit` and MAX_EXPORT_ROWS of them (held in memory). */
async function exportResource(write: CsvWriter, params: URLSearchParams): Promise<CallResourceResponse> {
  const { range, filters } = rangeAndFilters(params);
  const limitText = params.get('limit');
  const limit = Math.min(limitText ? parseWholeNumber(limitText, 'limit') : MAX_EXPORT_ROWS, MAX_EXPORT_ROWS);
  const options = csvOptionsOf(params.get('formulas'));
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await write(range, filters, sink, limit, options);
  return {
    code: 200,
    headers: {
      'Content-Type': { values: ['text/csv; charset=utf-8'] },
      'Content-Disposition': { values: ['attachment; filename="inference-logs.csv"'] },
    },
    body: Buffer.concat(chunks),
  };
}

/** ClickHouse mode: the lookups, stats, report and CSV export computed in ClickHouse. */
async function clickhouseResource(
  instance: ClickHouseInstance,
  path: string,
  params: URLSearchParams
): Promise<CallResourceResponse> {
  const source = instance.source;
  switch (path) {
    case 'models':
      return json(200, await source.models());
    case 'fields':
      return json(200, await source.fieldList());
    case 'values': {
      const field = params.get('field');
      if (!field) {
        const names = (await source.fieldList()).map((f) => f.name);
        return json(400, { message: `values needs ?field=NAME of a stored field; fields: ${names.join(', ')}` });
      }
      return json(200, await source.values(field, MAX_VALUES));
    }
    case 'stats':
      return json(200, await describeTable(source.client, instance.ref));
    case 'report.html':
      return reportResource(new ClickHouseReportSource(source), params);
    case 'export.csv':
      return exportResource(
        (range, filters, out, limit, options) => writeClickHouseCsv(source, range, filters, out, limit, options),
        params
      );
    default:
      return json(404, { message: `no resource "${path}"; available: ${RESOURCES}` });
  }
}

/**
 * Backend resources for the frontend (template variables, editors):
 * `models`, `fields`, `values?field=NAME`, `stats`.
 */
export async function callResource(
  request: CallResourceRequest,
  instances: InstanceManager
): Promise<CallResourceResponse> {
  try {
    const method = (request.method || 'GET').toUpperCase();
    if (method !== 'GET') {
      return json(405, { message: `${method} is not allowed; resources are read with GET` });
    }
    const url = new URL(request.url || request.path, 'http://plugin/');
    const path = request.path.replace(/^\/+|\/+$/g, '');
    const any = instances.get(request.pluginContext);
    if (any.kind === 'remote') {
      if (path === 'report.html' || path === 'export.csv') {
        const raw = await any.remote.getRaw(`${path}${url.search}`);
        // The proxy's report headers are not passed on by getRaw: set them here too.
        const headers =
          path === 'report.html' ? reportHeaders(raw.contentType) : { 'Content-Type': { values: [raw.contentType] } };
        return { code: raw.status, headers, body: raw.body };
      }
      const remotePath = path === 'stats' ? 'health' : path === 'values' ? `values${url.search}` : path;
      if (!['models', 'fields', 'values', 'stats'].includes(path)) {
        return json(404, { message: `no resource "${path}"; available: ${RESOURCES}` });
      }
      return json(200, await any.remote.get(remotePath));
    }
    if (any.kind === 'clickhouse') {
      return await clickhouseResource(any, path, url.searchParams);
    }
    const instance = any;
    const store = await instance.refresh();
    switch (path) {
      case 'models':
        return json(200, describeStore(store, instance.reader.fileCount, instance.reader.bytesRead).models);
      case 'fields':
        return json(200, store.fields());
      case 'values': {
        const field = url.searchParams.get('field');
        const column = field ? store.columns.get(field) : undefined;
        if (!field || !column) {
          return json(400, {
            message: `values needs ?field=NAME of a stored field; fields: ${store
              .fields()
              .map((f) => f.name)
              .join(', ')}`,
          });
        }
        const values = new Set<string>();
        for (let row = 0; row < store.length && values.size < MAX_VALUES; row++) {
          const value = column.get(row);
          if (value !== null && !(typeof value === 'number' && Number.isNaN(value))) {
            values.add(String(value));
          }
        }
        return json(200, [...values].sort());
      }
      case 'stats':
        return json(200, describeStore(store, instance.reader.fileCount, instance.reader.bytesRead));
      case 'report.html':
        return await reportResource(new StoreReportSource(store), url.searchParams);
      case 'export.csv':
        return await exportResource(
          (range, filters, out, limit, options) => writeCsvExport(store, range, filters, out, limit, options),
          url.searchParams
        );
      default:
        return json(404, { message: `no resource "${path}"; available: ${RESOURCES}` });
    }
  } catch (error) {
    const failure = classify(error);
    return json(failure.status, { message: failure.message });
  }
}
