import { ANOMALY_METHODS, AnomalyMethod, Filters, parseWindow, TimeRange } from '../model/query';
import { filtersFrom, parseRange, parseWholeNumber } from '../model/request';
import type { ReportOptions } from '../report/report';
import { HttpError } from './errors';

/** A query-string value as fastify hands it over: absent, once, or repeated. */
export type QueryValue = string | string[] | undefined;
export type QueryString = Record<string, QueryValue>;

/** Every value of a query-string parameter, in order. */
export function all(value: QueryValue): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The one value of a parameter; repeating it is a mistake worth telling. */
export function one(query: QueryString, name: string): string | undefined {
  const values = all(query[name]);
  if (values.length > 1) {
    throw new HttpError(400, `${name} is given ${values.length} times; give it once`);
  }
  return values[0] === '' ? undefined : values[0];
}

/** `from` and `to` of a query string (epoch ms, ISO-8601 with no zone = UTC, `now`, `now-15m`). */
export function rangeOf(query: QueryString): TimeRange {
  return parseRange(one(query, 'from'), one(query, 'to'));
}

/** `model=a&model=b&filter=field=value`: filters, several values of one field being alternatives. */
export function filtersOf(query: QueryString): Filters {
  return filtersFrom(all(query.model), all(query.filter));
}

/** A whole number, 0 or more, or undefined when absent. */
function wholeNumber(query: QueryString, name: string): number | undefined {
  const text = one(query, name);
  return text === undefined ? undefined : parseWholeNumber(text, name);
}

/** `limit`: a whole number of rows, or undefined when absent. */
export function parseLimit(query: QueryString): number | undefined {
  return wholeNumber(query, 'limit');
}

/** The HTML report's options: range, filters, `title`, `window`, and `method`/`threshold`/`top` of its anomalies. */
export function reportOptionsOf(query: QueryString): ReportOptions {
  const options: ReportOptions = { range: rangeOf(query), filters: filtersOf(query), title: one(query, 'title') };
  const window = one(query, 'window');
  if (window !== undefined) {
    if (window !== 'auto' && parseWindow(window) === null) {
      throw new HttpError(400, `window "${window.slice(0, 32)}" is not a window: use e.g. 1m, 5m, 1h, 1d or auto`);
    }
    options.window = window;
  }
  const method = one(query, 'method');
  if (method !== undefined && !(ANOMALY_METHODS as readonly string[]).includes(method)) {
    throw new HttpError(400, `method must be one of ${ANOMALY_METHODS.join(', ')}`);
  }
  const thresholdText = one(query, 'threshold');
  const threshold = thresholdText === undefined ? undefined : Number(thresholdText);
  if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 0)) {
    throw new HttpError(400, `threshold "${String(thresholdText).slice(0, 32)}" is not a number, 0 or more`);
  }
  const top = wholeNumber(query, 'top');
  if (method !== undefined || threshold !== undefined || top !== undefined) {
    options.anomalies = { method: method as AnomalyMethod | undefined, threshold, top };
  }
  return options;
}

/** A compact UTC time for file names: `20261127T150000Z`; `start`/`end` for an open end. */
export function fileTime(ms: number | undefined, open: string): string {
  if (ms === undefined || !Number.isFinite(ms)) {
    return open;
  }
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) {
    return open;
  }
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
