import { ANOMALY_METHODS, AnomalyMethod, Filters, parseWindow, TimeRange } from '../model/query';
import type { ReportOptions } from '../report/report';
import { isoToMicros } from '../sources/timestamp';
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

/**
 * A time as a caller writes it: epoch milliseconds (number or digits), ISO-8601 (no zone = UTC),
 * `now` or `now-15m`. Returns epoch ms; throws naming the parameter.
 */
export function parseTime(name: string, value: unknown, nowMs = Date.now()): number | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new HttpError(400, `${name} must be a finite number of epoch milliseconds`);
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw new HttpError(400, `${name} must be epoch milliseconds or an ISO-8601 time`);
  }
  const text = value.trim();
  const relative = /^now(?:-(\S+))?$/.exec(text);
  if (relative) {
    const back = relative[1] === undefined ? 0 : parseWindow(relative[1]);
    if (back !== null) {
      return nowMs - back;
    }
  } else if (/^-?\d+(\.\d+)?$/.test(text)) {
    return Number(text);
  } else {
    const micros = isoToMicros(text);
    if (micros !== null) {
      return micros / 1000;
    }
  }
  throw new HttpError(
    400,
    `${name} "${text.slice(0, 64)}" is not a time: use epoch milliseconds, ISO-8601 (2026-11-27T15:00:00Z), now or now-1h`
  );
}

/** `from` and `to` of a query string. */
export function rangeOf(query: QueryString): TimeRange {
  const range = { from: parseTime('from', one(query, 'from')), to: parseTime('to', one(query, 'to')) };
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    throw new HttpError(400, 'the time range ends before it starts (to is before from)');
  }
  return range;
}

/** `model=a&model=b&filter=field=value`: filters, several values of one field being alternatives. */
export function filtersOf(query: QueryString): Filters {
  const filters: Filters = {};
  const add = (field: string, value: string): void => {
    (filters[field] ??= []).push(value);
  };
  for (const model of all(query.model)) {
    add('model', model);
  }
  for (const pair of all(query.filter)) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new HttpError(400, `filter "${pair.slice(0, 64)}" is not FIELD=VALUE`);
    }
    add(pair.slice(0, at), pair.slice(at + 1));
  }
  return filters;
}

/** A whole number, 0 or more, or undefined when absent. */
function wholeNumber(query: QueryString, name: string): number | undefined {
  const text = one(query, name);
  if (text === undefined) {
    return undefined;
  }
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new HttpError(400, `${name} "${text.slice(0, 32)}" is not a whole number`);
  }
  return Number(text);
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
