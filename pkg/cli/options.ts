import { InvalidArgumentError } from 'commander';
import { parseWindow } from '../model/query';
import { isoToMicros, parseZone } from '../sources/timestamp';

/** `--from`/`--to`: ISO-8601 (naive = UTC), epoch ms, `now`, or `now-15m`. */
export function parseTime(text: string, nowMs = Date.now()): number {
  const relative = /^now(?:-(\S+))?$/.exec(text.trim());
  if (relative) {
    const back = relative[1] === undefined ? 0 : parseWindow(relative[1]);
    if (back === null) {
      throw new InvalidArgumentError(`"${text}" is not a time (try now-15m)`);
    }
    return nowMs - back;
  }
  if (/^-?\d+(\.\d+)?$/.test(text.trim())) {
    return Number(text);
  }
  const micros = isoToMicros(text.trim());
  if (micros === null) {
    throw new InvalidArgumentError(`"${text}" is not a time: use ISO-8601 (2026-11-27T15:00:00Z), epoch ms, or now-1h`);
  }
  return micros / 1000;
}

export function parseNonNegativeInt(text: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new InvalidArgumentError(`"${text}" is not a whole number`);
  }
  return Number(text);
}

export function parseNumber(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`"${text}" is not a number`);
  }
  return n;
}

export function parseWindowOption(text: string): string {
  if (text !== 'auto' && parseWindow(text) === null) {
    throw new InvalidArgumentError(`"${text}" is not a window: use e.g. 30s, 1m, 5m, 1h, 1d or auto`);
  }
  return text;
}

export function parseZoneOption(text: string): string {
  try {
    parseZone(text);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return text;
}

/** Repeatable option collecting values; commas also separate them (`--by model,host`). */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** Repeatable `--model NAME` (model names may hold commas, so no splitting). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Repeatable `key=value` options into a record of lists. */
export function collectPairs(value: string, previous: Record<string, string[]> = {}): Record<string, string[]> {
  const at = value.indexOf('=');
  if (at <= 0) {
    throw new InvalidArgumentError(`"${value}" is not FIELD=VALUE`);
  }
  const key = value.slice(0, at);
  return { ...previous, [key]: [...(previous[key] ?? []), value.slice(at + 1)] };
}
