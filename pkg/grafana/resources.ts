import { Writable } from 'stream';
import type { Filters, TimeRange } from '../model/query';
import { filtersFrom, parseRange, parseWholeNumber } from '../model/request';
import { CsvOptions, csvOptionsOf, writeChunk } from '../format/csv';
import { ReportSource } from '../engine/report-source';
import { HttpError } from '../http/errors';
import type { RequestOptions } from '../worker/client';
import type { WorkerRequest } from '../worker/protocol';
import { renderReport, REPORT_HEADERS } from '../report/report';
import { writeClickHouseCsv } from '../clickhouse/export';
import { ClickHouseReportSource } from '../clickhouse/report-source';
import { classify } from './errors';
import { describeStore } from './health';
import { ClickHouseInstance, DataSourceInstance, InstanceManager } from './instances';
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

/** Local logs: each resource is a request to the data source's worker thread, held to `options`. */
async function localResource(
  instance: DataSourceInstance,
  path: string,
  params: URLSearchParams,
  options: RequestOptions
): Promise<CallResourceResponse> {
  const ask = <T>(request: WorkerRequest, more: RequestOptions = {}): Promise<T> =>
    instance.worker.request<T>(request, { ...options, ...more });
  switch (path) {
    case 'models':
      return json(200, await ask<string[]>({ op: 'models' }));
    case 'fields':
      return json(200, await ask({ op: 'fields' }));
    case 'values': {
      try {
        return json(200, await ask({ op: 'values', field: params.get('field') || undefined }));
      } catch (error) {
        if (!(error instanceof HttpError && error.status === 400)) {
          throw error;
        }
        const names = (await ask<Array<{ name: string }>>({ op: 'fields' })).map((f) => f.name);
        return json(400, { message: `values needs ?field=NAME of a stored field; fields: ${names.join(', ')}` });
      }
    }
    case 'stats': {
      const status = await instance.read(options);
      return json(200, describeStore(status.description, status.bytesRead));
    }
    case 'report.html': {
      const { range, filters } = rangeAndFilters(params);
      const html = await ask<string>({
        op: 'report',
        options: { range, filters, title: params.get('title') ?? undefined },
      });
      return { code: 200, headers: reportHeaders('text/html; charset=utf-8'), body: Buffer.from(html) };
    }
    case 'export.csv':
      return exportResource(
        (range, filters, out, limit, csv) =>
          ask({ op: 'export', range, filters, limit, options: csv }, { onChunk: (text) => writeChunk(out, text) }),
        params
      );
    default:
      return json(404, { message: `no resource "${path}"; available: ${RESOURCES}` });
  }
}

/**
 * Backend resources for the frontend (template variables, editors):
 * `models`, `fields`, `values?field=NAME`, `stats`. `options`: the call's deadline and cancellation (local logs).
 */
export async function callResource(
  request: CallResourceRequest,
  instances: InstanceManager,
  options: RequestOptions = {}
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
    return await localResource(any, path, url.searchParams, options);
  } catch (error) {
    const failure = classify(error);
    return json(failure.status, { message: failure.message });
  }
}
