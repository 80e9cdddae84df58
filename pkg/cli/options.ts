import { Command, InvalidArgumentError } from 'commander';
import { parseWindow } from '../model/query';
import { parseFilter, parseTime as parseTimeText, parseWholeNumber } from '../model/request';
import { InvalidInputError } from '../model/validate';
import { parseZone } from '../sources/timestamp';

/** The shared reading of a request part (pkg/model/request.ts), its mistakes told the way commander tells them. */
function asOption<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new InvalidArgumentError(error.message);
    }
    throw error;
  }
}

/** `--from`/`--to`: ISO-8601 (no zone = UTC), epoch ms, `now`, or `now-15m`. */
export function parseTime(text: string, nowMs = Date.now()): number {
  return asOption(() => parseTimeText(text, undefined, nowMs));
}

export function parseNonNegativeInt(text: string): number {
  return asOption(() => parseWholeNumber(text));
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

/** Repeatable `--filter FIELD=VALUE`, checked as it is given and kept as written (filtersFrom reads them). */
export function collectFilter(value: string, previous: string[] = []): string[] {
  asOption(() => parseFilter(value));
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

/** The options of every command that reads logs: time zone, field map, success statuses. */
export function addLogReadingOptions(command: Command): Command {
  return command
    .option('--timezone <zone>', 'zone of timestamps written without one (default UTC)', parseZoneOption)
    .option(
      '--field-map <ours=theirs>',
      "read our field from the log's field, e.g. latency_ms=duration (repeatable)",
      collectPairs
    )
    .option(
      '--success-status <status>',
      'a status that is not an error (repeatable; default success, ok; 2xx always)',
      collectList
    );
}

/** A TCP port, 0 meaning any free one. */
export function parsePort(text: string): number {
  const port = parseNonNegativeInt(text);
  if (port > 65535) {
    throw new InvalidArgumentError(`"${text}" is not a port (0-65535)`);
  }
  return port;
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process the default way. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
