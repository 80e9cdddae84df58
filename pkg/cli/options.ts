import { Command, InvalidArgumentError } from 'commander';
import { parseWindow } from '../model/query';
import { parseFilter, parseTime as parseTimeText, parseWholeNumber } from '../model/request';
import { InvalidInputError } from '../model/validate';
import { FieldExpression } from '../sources/field-map';
import type { SourceConfig } from '../sources/parse-line';
import { describePreset, presetOf, PRESET_NAMES } from '../sources/presets';
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

/** Repeatable `--field-map ours=expression`, each expression checked as it is given (field-map.ts). */
export function collectFieldMap(value: string, previous: Record<string, string[]> = {}): Record<string, string[]> {
  const pairs = collectPairs(value, previous);
  const at = value.indexOf('=');
  try {
    new FieldExpression(value.slice(0, at), value.slice(at + 1));
  } catch (error) {
    throw new InvalidArgumentError(`--field-map ${value}: ${(error as Error).message}`);
  }
  return pairs;
}

/** `--preset NAME`: one of the presets (pkg/sources/presets.ts). */
export function parsePreset(name: string): string {
  try {
    presetOf(name);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return name;
}

/** The log-reading options as the reader takes them (the last --field-map of a field wins). */
export interface LogReadingOptions {
  timezone?: string;
  fieldMap?: Record<string, string[]>;
  successStatus?: string[];
  preset?: string;
}

export function readingConfig(options: LogReadingOptions): SourceConfig {
  const fieldMap: Record<string, string> = {};
  for (const [ours, theirs] of Object.entries(options.fieldMap ?? {})) {
    fieldMap[ours] = theirs[theirs.length - 1];
  }
  return { fieldMap, successStatuses: options.successStatus, timezone: options.timezone, preset: options.preset };
}

/**
 * `--preset NAME --help` (any command): the preset's field map and a sample line, instead of the command's help.
 * Returns the text, an error for an unknown preset, or null when the arguments do not ask for it.
 */
export function presetHelp(argv: string[]): string | Error | null {
  if (!argv.some((arg) => arg === '--help' || arg === '-h')) {
    return null;
  }
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i] === '--preset' ? argv[i + 1] : argv[i].startsWith('--preset=') ? argv[i].slice(9) : undefined;
    if (name !== undefined) {
      try {
        return describePreset(presetOf(name)!);
      } catch (error) {
        return error as Error;
      }
    }
  }
  return null;
}

/** The options of every command that reads logs: time zone, field map, preset, success statuses. */
export function addLogReadingOptions(command: Command): Command {
  return command
    .option('--timezone <zone>', 'zone of timestamps written without one (default UTC)', parseZoneOption)
    .option(
      '--field-map <ours=theirs>',
      "read our field from the log's: a name, a nested path (a.b, attributes[gen_ai.request.model]), a unit " +
        '(response_time:s), a difference (endTime-startTime) (repeatable; README "Logs from other servers")',
      collectFieldMap
    )
    .option(
      '--preset <name>',
      `a named field map for a known format: ${PRESET_NAMES.join(', ')} (--preset NAME --help shows it)`,
      parsePreset
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
