import type { Writable } from 'stream';
import type { Filters, TimeRange } from '../model/query';
import { rowsInTimeOrder } from '../engine/logs';
import { select } from '../engine/select';
import { Store } from '../store/store';
import { InvalidInputError } from '../model/validate';
import { checkpoint } from '../engine/interrupt';
import { isoMicros } from './time';

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes inside. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record with its CRLF line end. */
export function csvLine(cells: string[]): string {
  return cells.map(csvField).join(',') + '\r\n';
}

/** Rows formatted into one write: few writes, and a bounded piece of text in memory. */
export const ROWS_PER_WRITE = 5000;

/** How every CSV the product writes treats text that a spreadsheet would run as a formula. */
export interface CsvOptions {
  /** Write such text as it is (default: prefixed with `'`, see neutraliseFormula). */
  keepFormulas?: boolean;
}

/** First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Text a spreadsheet would execute (=, +, -, @, tab or CR first) gets a leading `'`, OWASP's advice: log fields
 * come from whoever sent the requests, and opening an export must not run what they wrote. Text that merely looks
 * like a negative number ("-1.5" in a text field) is prefixed too: simple, and safe whatever the spreadsheet does.
 */
export function neutraliseFormula(text: string, options: CsvOptions = {}): string {
  return !options.keepFormulas && FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * A value as its CSV cell text: missing (null, NaN) is empty, a number as JavaScript writes it (never changed:
 * -1.5 in a numeric column is a value), text neutralised unless `keepFormulas`.
 */
export function csvCell(value: string | number | null, options: CsvOptions = {}): string {
  if (value === null || (typeof value === 'number' && Number.isNaN(value))) {
    return '';
  }
  return typeof value === 'string' ? neutraliseFormula(value, options) : String(value);
}

/** The header record: field names are text from the logs too. */
export function csvHeader(names: string[], options: CsvOptions = {}): string {
  return csvLine(names.map((name) => neutraliseFormula(name, options)));
}

/** The `formulas` parameter of the HTTP and Grafana exports: absent (neutralise) or `keep`. */
export function csvOptionsOf(formulas: string | null | undefined): CsvOptions {
  if (formulas === undefined || formulas === null || formulas === '') {
    return {};
  }
  if (formulas !== 'keep') {
    throw new InvalidInputError(`formulas must be "keep" (write cells as they are) or absent (got "${formulas}")`);
  }
  return { keepFormulas: true };
}

/** Waits for a writable to drain when its buffer is full, so exports of any size stream. */
export function writeChunk(out: Writable, text: string): Promise<void> {
  return out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
}

/** Writes the selected requests as CSV (RFC 4180, header row, CRLF), oldest first, in chunks. */
export async function writeCsvExport(
  store: Store,
  range: TimeRange,
  filters: Filters,
  out: Writable,
  limit?: number,
  options: CsvOptions = {}
): Promise<number> {
  let rows = rowsInTimeOrder(store, select(store, range, filters).rows);
  if (limit !== undefined) {
    rows = rows.subarray(0, limit);
  }
  const columns = [...store.columns.entries()];
  const time = store.time.values();
  await writeChunk(out, csvHeader(['timestamp', ...columns.map(([name]) => name)], options));
  for (let start = 0; start < rows.length; start += ROWS_PER_WRITE) {
    checkpoint();
    let chunk = '';
    for (const row of rows.subarray(start, start + ROWS_PER_WRITE)) {
      const cells = [isoMicros(time[row])];
      for (const [, column] of columns) {
        cells.push(csvCell(column.get(row), options));
      }
      chunk += csvLine(cells);
    }
    await writeChunk(out, chunk);
  }
  return rows.length;
}
