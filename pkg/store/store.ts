import { Column, DictionaryColumn, NumberColumn, TextColumn } from './columns';

/** Numeric fields every store has, even when a log never writes them. */
export const NUMERIC_FIELDS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'] as const;
/** String fields every store has. `request_id` is mostly unique, so it is not dictionary-encoded. */
export const STRING_FIELDS = ['model', 'status'] as const;
export const REQUEST_ID = 'request_id';

/** A value of one field of one row, as the line parser hands it over. */
export type FieldValue = string | number | null;

/** Growable flags, one byte a row. */
class FlagColumn {
  private data = new Uint8Array(1024);
  length = 0;

  push(flag: boolean): void {
    if (this.length === this.data.length) {
      const grown = new Uint8Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = flag ? 1 : 0;
  }

  values(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  dropFront(count: number): void {
    this.data.copyWithin(0, count, this.length);
    this.length -= count;
  }
}

/**
 * The columnar, append-only table of requests. Time is kept in microseconds since the Unix epoch
 * (exact in a float64 for any date of interest), the error flag is decided once at ingest.
 */
export class Store {
  length = 0;
  readonly time = new NumberColumn();
  readonly errors = new FlagColumn();
  readonly columns = new Map<string, Column>();
  /** Lines skipped, by reason. */
  readonly skipped: Record<string, number> = {};
  /** Values that were present but unusable (e.g. `"batch_size": "big"`), kept as missing, by field. */
  readonly invalidValues: Record<string, number> = {};

  constructor() {
    for (const name of NUMERIC_FIELDS) {
      this.columns.set(name, new NumberColumn());
    }
    for (const name of STRING_FIELDS) {
      this.columns.set(name, new DictionaryColumn());
    }
    this.columns.set(REQUEST_ID, new TextColumn());
  }

  /** Adds one row. Fields not given are missing; fields never seen before become new columns. */
  append(timeUs: number, isError: boolean, values: Record<string, FieldValue>): void {
    const row = this.length;
    for (const name in values) {
      const value = values[name];
      let column = this.columns.get(name);
      if (column === undefined) {
        if (value === null) {
          continue;
        }
        column = typeof value === 'number' ? new NumberColumn() : new DictionaryColumn();
        column.pushMissing(row);
        this.columns.set(name, column);
      }
      if (column.length > row) {
        continue; // the same field twice after mapping: the first wins
      }
      if (column.kind === 'number') {
        if (typeof value === 'string') {
          column = this.toStringColumn(name, column);
          column.push(value);
        } else {
          column.push(value === null ? NaN : value);
        }
      } else {
        column.push(value === null || Number.isNaN(value) ? null : String(value));
      }
    }
    for (const column of this.columns.values()) {
      if (column.length === row) {
        column.pushMissing(1);
      }
    }
    this.time.push(timeUs);
    if (timeUs > this.newestUs) {
      this.newestUs = timeUs;
    }
    this.errors.push(isError);
    this.length = row + 1;
  }

  /** The newest request's time (µs), for retention by age. */
  newestUs = -Infinity;
  /** Requests dropped by retention so far. */
  expired = 0;

  /** Drops the first `count` rows, the oldest read. */
  dropFront(count: number): void {
    const n = Math.min(count, this.length);
    if (n <= 0) {
      return;
    }
    this.time.dropFront(n);
    this.errors.dropFront(n);
    for (const column of this.columns.values()) {
      column.dropFront(n);
    }
    this.length -= n;
    this.expired += n;
  }

  /**
   * Retention: keeps at most `maxRows` rows and none older than `maxAgeMs` before the newest row,
   * dropping from the front (rows are kept in the order read, oldest files first).
   * Returns how many rows left.
   */
  applyRetention(maxAgeMs?: number, maxRows?: number): number {
    let drop = maxRows !== undefined && this.length > maxRows ? this.length - maxRows : 0;
    if (maxAgeMs !== undefined && this.length > 0) {
      const time = this.time.values();
      const cutoff = this.newestUs - maxAgeMs * 1000;
      while (drop < this.length && time[drop] < cutoff) {
        drop++;
      }
    }
    this.dropFront(drop);
    return drop;
  }

  skip(reason: string, count = 1): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + count;
  }

  invalidValue(field: string): void {
    this.invalidValues[field] = (this.invalidValues[field] ?? 0) + 1;
  }

  /** Total lines skipped, all reasons. */
  skippedTotal(): number {
    return Object.values(this.skipped).reduce((a, b) => a + b, 0);
  }

  numberColumn(name: string): NumberColumn | undefined {
    const column = this.columns.get(name);
    return column?.kind === 'number' ? column : undefined;
  }

  stringColumn(name: string): DictionaryColumn | TextColumn | undefined {
    const column = this.columns.get(name);
    return column && column.kind !== 'number' ? column : undefined;
  }

  /** Fields by kind, for editors and template variables. */
  fields(): Array<{ name: string; type: 'number' | 'string' }> {
    const list: Array<{ name: string; type: 'number' | 'string' }> = [];
    for (const [name, column] of this.columns) {
      list.push({ name, type: column.kind === 'number' ? 'number' : 'string' });
    }
    return list;
  }

  /**
   * An extra field first seen as numbers that later holds text becomes a string column, the numbers
   * kept as their text, so no value is lost and the field can still be grouped by.
   */
  private toStringColumn(name: string, numbers: NumberColumn): DictionaryColumn {
    const strings = new DictionaryColumn();
    for (let i = 0; i < numbers.length; i++) {
      const v = numbers.get(i);
      strings.push(Number.isNaN(v) ? null : String(v));
    }
    this.columns.set(name, strings);
    return strings;
  }
}
