import type { Writable } from 'stream';
import type { Filters, TimeRange } from '../model/query';
import { rowsInTimeOrder } from './logs';
import { select } from './select';
import { Store } from '../store/store';

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

/** A microsecond timestamp as ISO-8601 UTC with all six fraction digits. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = String(Math.round(us - ms * 1000)).padStart(3, '0');
  return `${new Date(ms).toISOString().slice(0, 23)}${micros}Z`;
}

/** A value as its CSV cell text: missing (null, NaN) is empty, a number as JavaScript writes it. */
export function csvCell(value: string | number | null): string {
  return value === null || (typeof value === 'number' && Number.isNaN(value)) ? '' : String(value);
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
  limit?: number
): Promise<number> {
  let rows = rowsInTimeOrder(store, select(store, range, filters).rows);
  if (limit !== undefined) {
    rows = rows.subarray(0, limit);
  }
  const columns = [...store.columns.entries()];
  const time = store.time.values();
  await writeChunk(out, csvLine(['timestamp', ...columns.map(([name]) => name)]));
  for (let start = 0; start < rows.length; start += ROWS_PER_WRITE) {
    let chunk = '';
    for (const row of rows.subarray(start, start + ROWS_PER_WRITE)) {
      const cells = [isoMicros(time[row])];
      for (const [, column] of columns) {
        cells.push(csvCell(column.get(row)));
      }
      chunk += csvLine(cells);
    }
    await writeChunk(out, chunk);
  }
  return rows.length;
}
