/**
 * The parts of a request every door reads the same way: times, a time range, filters and row limits.
 * The CLI, the HTTP proxy and the Grafana backend call these and turn InvalidInputError into their
 * own way of saying no (exit 2, 400 JSON, a 400 resource answer).
 */
import { isoToMicros } from '../sources/timestamp';
import { Filters, parseWindow, TimeRange } from './query';
import { InvalidInputError } from './validate';

/** What a message echoes of the caller's text: enough to recognise it, never a whole body. */
function shown(text: string): string {
  return `"${text.slice(0, 64)}"`;
}

/** `from "x"` when the part has a name, `"x"` when the caller (commander) names it already. */
function named(name: string | undefined, text: string): string {
  return name ? `${name} ${shown(text)}` : shown(text);
}

/**
 * A time as a caller writes it, to epoch ms: ISO-8601 with a zone or without one (then UTC, never the
 * machine's local time), epoch milliseconds (number or digits), `now` or `now-15m`.
 */
export function parseTime(value: string | number, name?: string, nowMs = Date.now()): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InvalidInputError(`${name ?? 'a time'} must be a finite number of epoch milliseconds`);
    }
    return value;
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
    // The logs' own ISO reader: a range and a log line read the same text as the same instant.
    const micros = isoToMicros(text);
    if (micros !== null) {
      return micros / 1000;
    }
  }
  throw new InvalidInputError(
    `${named(name, text)} is not a time: use ISO-8601 (2026-11-27T15:00:00Z; no zone = UTC), epoch milliseconds, now or now-15m`
  );
}

/** One end of a range: open (undefined) when absent or empty, else a time. */
export function parseRangeEnd(
  value: string | number | undefined,
  name: string,
  nowMs = Date.now()
): number | undefined {
  return value === undefined || value === '' ? undefined : parseTime(value, name, nowMs);
}

/** Says no to a range that ends before it starts; either end may be open. */
export function checkRange(range: TimeRange): TimeRange {
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    throw new InvalidInputError('the time range ends before it starts');
  }
  return range;
}

/** `from` and `to`, both ends inclusive, read against one `now` so that `now-1h`..`now` is an hour. */
export function parseRange(
  from: string | number | undefined,
  to: string | number | undefined,
  nowMs = Date.now()
): TimeRange {
  return checkRange({ from: parseRangeEnd(from, 'from', nowMs), to: parseRangeEnd(to, 'to', nowMs) });
}

/** `FIELD=VALUE` (the value may hold `=` too) as a field and a value. */
export function parseFilter(pair: string, name?: string): [field: string, value: string] {
  const at = pair.indexOf('=');
  if (at <= 0) {
    throw new InvalidInputError(`${named(name, pair)} is not FIELD=VALUE`);
  }
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/**
 * Filters from `--model NAME` / `model=NAME` and `--filter F=V` / `filter=F=V`, each repeatable:
 * several values of one field are alternatives (any of them matches).
 */
export function filtersFrom(models: readonly string[], pairs: readonly string[]): Filters {
  const filters: Filters = {};
  const add = (field: string, value: string): void => {
    (filters[field] ??= []).push(value);
  };
  for (const model of models) {
    add('model', model);
  }
  for (const pair of pairs) {
    add(...parseFilter(pair, 'filter'));
  }
  return filters;
}

/** A count such as a row limit: a whole number, 0 or more, that is exact as a number. */
export function parseWholeNumber(text: string, name?: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidInputError(`${named(name, text.slice(0, 32))} is not a whole number`);
  }
  return n;
}
