/**
 * What the CLI checks around an answer, so that a mistake costs one line and no reading, and an empty answer is
 * never silent: the question before the logs are read, the logs once they are (no files or no requests is an
 * error), and the user's own values that matched nothing (a warning; the answer is still printed).
 */
import type { AnalysisQuery, TimeRange } from '../model/query';
import { checkRange, parseFilter } from '../model/request';
import { parseQuery } from '../model/validate';
import { isoMicros } from '../format/time';
import { QueryError, UnknownFieldError } from '../engine/errors';
import { describeSkipReason, skipsInOrder } from '../engine/frames';
import { analyse } from '../engine/run';
import { select } from '../engine/select';
import { StoreSource } from '../engine/store-source';
import { SourceError } from '../sources/files';
import { Store } from '../store/store';

/**
 * Checks a query before any log is read: its shape against the query model, the range, then the analysis itself
 * run over an empty store, which finds a bad window, too many buckets, an unknown measure or a spike without a
 * window. Only the logs know their fields, so an unknown field is left for the real run to tell.
 */
export function checkQueryFirst(query: AnalysisQuery, range: TimeRange): void {
  const checked = parseQuery(query);
  checkRange(range);
  try {
    analyse(new Store(), checked, { range });
  } catch (error) {
    if (error instanceof QueryError && !(error instanceof UnknownFieldError)) {
      throw error;
    }
    // An unknown field, or anything an empty store alone trips on: the run over the logs says it, if it holds.
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A path list as a message names it: the first few, then how many more. */
function pathsText(paths: string[]): string {
  return paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
}

/**
 * No log file, or no request in the files: an error saying what was found, instead of an answer of zeros.
 * `fileCount` is how many log files were read.
 */
export function checkHasRequests(paths: string[], fileCount: number, store: Store): void {
  const unread = store.unreadFiles.length > 0 ? `; not read: ${store.unreadFiles.slice(0, 3).join('; ')}` : '';
  if (fileCount === 0) {
    throw new SourceError(
      `no log files in ${pathsText(paths)} (read: *.log, *.jsonl, *.ndjson, *.json, *.txt, rotated or .gz${unread})`
    );
  }
  if (store.length > 0) {
    return;
  }
  const skipped = store.skippedTotal();
  const reasons = skipsInOrder(store.skipped).map(([reason, count]) => `${reason} ${count}`);
  const lines = skipped > 0 ? `, ${plural(skipped, 'line')} skipped: ${reasons.join(', ')}` : '';
  throw new SourceError(
    `no requests in ${pathsText(paths)} (${plural(fileCount, 'file')}, 0 requests${lines}${unread})`
  );
}

/** Whether any request has a value in the column `name`; undefined when that cannot be told cheaply. */
function hasValue(store: Store, name: string): boolean | undefined {
  const column = store.columns.get(name);
  if (!column) {
    return false;
  }
  if (column.kind === 'number') {
    return column.values().some((v) => v === v); // NaN is missing
  }
  if (column.kind === 'string') {
    for (let row = 0; row < store.length; row++) {
      if (column.get(row) !== null) {
        return true;
      }
    }
    return false;
  }
  return undefined; // request ids are read back from the files: not worth it for a warning
}

/** The options whose values the user wrote and expects to match something. */
export interface MatchedOptions {
  model?: string[];
  filter?: string[];
  fieldMap?: Record<string, string[]>;
  from?: number;
  to?: number;
}

/**
 * One warning per value of `--model`, `--filter` or `--field-map` that matches nothing in the logs, and for a
 * range that holds no request. An unknown filter field throws, as the answer would.
 */
export function unmatchedWarnings(store: Store, options: MatchedOptions): string[] {
  const warnings: string[] = [];
  const none = (filters: Record<string, string[]>): boolean => select(store, {}, filters).rows.length === 0;
  for (const model of options.model ?? []) {
    if (none({ model: [model] })) {
      const column = store.columns.get('model');
      const names = column?.kind === 'string' ? column.dictionary.filter((m): m is string => m !== null) : [];
      const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, … (${names.length} in all)` : '');
      warnings.push(`--model ${model} matches no request (models: ${shown})`);
    }
  }
  for (const pair of options.filter ?? []) {
    const [field, value] = parseFilter(pair);
    if (none({ [field]: [value] })) {
      warnings.push(`--filter ${pair} matches no request`);
    }
  }
  for (const [ours, theirs] of Object.entries(options.fieldMap ?? {})) {
    const source = theirs[theirs.length - 1];
    if (ours !== 'timestamp' && hasValue(store, ours) === false) {
      warnings.push(`--field-map ${ours}=${source}: no line has ${source}`);
    }
  }
  if ((options.from !== undefined || options.to !== undefined) && store.length > 0) {
    if (select(store, { from: options.from, to: options.to }).rows.length === 0) {
      const time = store.time.values().subarray(0, store.length);
      let [first, last] = [Infinity, -Infinity];
      for (const t of time) {
        [first, last] = [Math.min(first, t), Math.max(last, t)];
      }
      warnings.push(`no request in the time range (the logs hold ${isoMicros(first)} to ${isoMicros(last)})`);
    }
  }
  return warnings;
}

/** Skipped lines, unread files and values kept missing, on stderr: they do not mix with the answer. */
function reportSkips(store: Store): void {
  if (store.unreadFiles.length > 0) {
    process.stderr.write(`not read: ${store.unreadFiles.join('; ')}\n`);
  }
  const total = store.skippedTotal();
  if (total > 0) {
    process.stderr.write(`skipped ${total} line${total === 1 ? '' : 's'}:\n`);
    for (const [reason, count] of skipsInOrder(store.skipped)) {
      process.stderr.write(`  ${String(count).padStart(8)}  ${reason}: ${describeSkipReason(reason)}\n`);
    }
  }
  for (const [field, count] of Object.entries(store.invalidValues)) {
    process.stderr.write(`kept ${count} ${field} value${count === 1 ? '' : 's'} that are not numbers as missing\n`);
  }
}

/**
 * What the reading found, on stderr once the answer is out (an error instead of an answer prints its one line
 * alone): skipped lines, unread files, and warnings for the values that matched nothing. `source` is what the
 * command read: a store, or a source over one; ClickHouse sources report nothing here.
 */
export function reportInput(source: unknown, options: MatchedOptions): void {
  const store = source instanceof StoreSource ? source.store : source instanceof Store ? source : null;
  if (store) {
    const warnings = unmatchedWarnings(store, options);
    reportSkips(store);
    for (const warning of warnings) {
      process.stderr.write(`inference-logs: warning: ${warning}\n`);
    }
  }
}
