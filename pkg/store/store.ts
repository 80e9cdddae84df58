import { DictionaryColumn, grownCapacity, NumberColumn } from './columns';
import { derivedField, DERIVED_FIELDS } from './derived';
import { ColumnMap, ColumnNotLoadedError, Projection } from './projection';
import { LineSource, RequestIdColumn } from './request-ids';

export type Column = NumberColumn | DictionaryColumn | RequestIdColumn;

/** Numeric fields every store has, even when a log never writes them. */
export const NUMERIC_FIELDS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'] as const;
/** String fields every store has. `request_id` is mostly unique, so it is not dictionary-encoded. */
export const STRING_FIELDS = ['model', 'status'] as const;
export const REQUEST_ID = 'request_id';

/** A value of one field of one row, as the line parser hands it over. */
export type FieldValue = string | number | null;

/** The standard columns; those a projection leaves out are undefined. */
interface StandardColumns {
  model?: DictionaryColumn;
  status?: DictionaryColumn;
  requestId?: RequestIdColumn;
  latency?: NumberColumn;
  batch?: NumberColumn;
  gpu?: NumberColumn;
  memory?: NumberColumn;
}

/** An extra field's value in a batch row (ExtraColumn.kinds): absent or null, a number, a text. */
export const EXTRA_MISSING = 0;
export const EXTRA_NUMBER = 1;
export const EXTRA_TEXT = 2;

/**
 * An extra field of a batch (a log field other than the standard ones) as columns: the values append() would be
 * handed for it, row by row.
 */
export interface ExtraColumn {
  /** The column's name: the log's key (`<key>_original` for a standard field's name that the field map moved). */
  name: string;
  /** Per row: EXTRA_MISSING, EXTRA_NUMBER (values[row] is the number), EXTRA_TEXT (values[row] is a code). */
  kinds: Uint8Array;
  /** NaN where a row has no value. */
  values: Float64Array;
  /** Code c is texts[c - 1]. */
  texts: string[];
  /** The first row with a value (not null): where append() would create the column. */
  firstRow: number;
}

/** Rows of the standard fields, as columns (see Store.appendRows); strings as dictionary codes. */
export interface RowBatch {
  rows: number;
  time: Float64Array;
  errors: Uint8Array;
  model: Uint16Array;
  status: Uint16Array;
  latency: Float64Array;
  batch: Float64Array;
  gpu: Float64Array;
  memory: Float64Array;
  /** Where each row's line is in its file. */
  lineOffset: Float64Array;
  /** Request ids, for rows not from a file. */
  ids?: Array<string | null>;
  /** Extra fields with a value in some row, in the order of their first values (as append() meets them). */
  extras?: ExtraColumn[];
}

/** Growable flags, one byte a row. */
class FlagColumn {
  private data = new Uint8Array(1024);
  length = 0;

  push(flag: boolean): void {
    if (this.length === this.data.length) {
      const grown = new Uint8Array(grownCapacity(this.data.length));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = flag ? 1 : 0;
  }

  makeRoom(rows: number): void {
    if (this.length + rows > this.data.length) {
      const grown = new Uint8Array(this.length + rows);
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
  }

  pushFlags(flags: Uint8Array, from: number, to: number): void {
    if (this.length + (to - from) > this.data.length) {
      const grown = new Uint8Array(grownCapacity(this.data.length, this.length + (to - from)));
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(flags.subarray(from, to), this.length);
    this.length += to - from;
  }

  values(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  trim(): void {
    this.data = this.data.slice(0, Math.max(this.length, 1));
  }

  dropFront(count: number): void {
    this.data.copyWithin(0, count, this.length);
    this.length -= count;
  }

  /** Takes the first `length` of `flags` in place of its rows (the restart cache; the rest is room). */
  restore(flags: Uint8Array<ArrayBuffer>, length = flags.length): void {
    this.data = flags;
    this.length = length;
  }
}

/**
 * The columnar, append-only table of requests. Time is kept in microseconds since the Unix epoch
 * (exact in a float64 for any date of interest), the error flag is decided once at ingest.
 */
export class Store {
  length = 0;
  readonly time = new NumberColumn({ float: true });
  private readonly flags = new FlagColumn();
  /** Columns by name; with a projection, asking for one it left out throws (ColumnNotLoadedError). */
  readonly columns: ColumnMap<Column>;
  /** Lines skipped, by reason. */
  readonly skipped: Record<string, number> = {};
  /** Log files and folders the last read could not read (`name: why`): shown in health and notices. */
  unreadFiles: string[] = [];
  /** Values that were present but unusable (e.g. `"batch_size": "big"`), kept as missing, by field. */
  readonly invalidValues: Record<string, number> = {};

  /**
   * `projection`: the columns to keep (a one-shot question's, projection.ts); every row is kept, the other columns'
   * values are dropped. Null: every column.
   */
  constructor(readonly projection: Projection | null = null) {
    this.columns = new ColumnMap<Column>(projection);
    for (const name of NUMERIC_FIELDS) {
      this.addStandard(name, new NumberColumn());
    }
    for (const name of STRING_FIELDS) {
      this.addStandard(name, new DictionaryColumn());
    }
    this.addStandard(REQUEST_ID, new RequestIdColumn());
  }

  private addStandard(name: string, column: Column): void {
    if (this.loads(name)) {
      this.columns.set(name, column);
    }
  }

  /** Does this store keep the column `name` (no projection, or one that names it)? */
  loads(name: string): boolean {
    return !this.columns.lacks(name);
  }

  /** Does this store keep the error flags? */
  get loadsErrors(): boolean {
    return this.projection === null || this.projection.errors;
  }

  /** Whether each row is an error (decided once at ingest from its status). */
  get errors(): FlagColumn {
    if (!this.loadsErrors) {
      throw new ColumnNotLoadedError('error flag');
    }
    return this.flags;
  }

  /**
   * Where the line being appended is (set by the log reader before each line, null when not from a file):
   * the request id column then keeps only that, and reads the id back when it is shown.
   */
  lineSource: LineSource | null = null;
  lineOffset = 0;

  /** The request id column. */
  get requestIds(): RequestIdColumn | undefined {
    const column = this.columns.get(REQUEST_ID);
    return column instanceof RequestIdColumn ? column : undefined;
  }

  /** Adds one row. Fields not given are missing; fields never seen before become new columns. */
  append(timeUs: number, isError: boolean, values: Record<string, FieldValue>): void {
    const row = this.length;
    for (const name in values) {
      if (this.columns.lacks(name)) {
        continue; // a column this load does not keep
      }
      const value = values[name];
      let column = this.columns.get(name);
      if (column === undefined) {
        if (value === null) {
          continue;
        }
        column = typeof value === 'number' ? new NumberColumn() : new DictionaryColumn();
        column.pushMissing(row);
        this.columns.set(name, column);
        this.columnsChanged++;
      }
      if (column.length > row) {
        continue; // the same field twice after mapping: the first wins
      }
      if (column instanceof RequestIdColumn && this.lineSource) {
        column.pushAt(this.lineSource, this.lineOffset);
      } else if (column.kind === 'number') {
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
    if (this.loadsErrors) {
      this.flags.push(isError);
    }
    this.length = row + 1;
  }

  /** Bumped whenever a column is added or replaced (fast appends re-resolve their columns). */
  private columnsChanged = 0;
  private resolvedAt = -1;
  private standard: StandardColumns | null = null;
  /** Per batch extra field: its texts' codes in the column they were last mapped to (0: not yet). */
  private readonly textCodes = new WeakMap<ExtraColumn, { column: DictionaryColumn; codes: Uint32Array }>();

  private resolveStandard(): StandardColumns | null {
    if (this.resolvedAt !== this.columnsChanged) {
      this.resolvedAt = this.columnsChanged;
      // Each standard column kept is of its usual kind (a column left out is simply not there).
      let usual = true;
      const of = <K extends Column['kind']>(name: string, kind: K): Extract<Column, { kind: K }> | undefined => {
        const column = this.columns.peek(name);
        usual &&= this.columns.lacks(name) || column?.kind === kind;
        return column?.kind === kind ? (column as Extract<Column, { kind: K }>) : undefined;
      };
      const [latency, batch, gpu, memory] = NUMERIC_FIELDS.map((name) => of(name, 'number'));
      const standard: StandardColumns = {
        model: of('model', 'string'),
        status: of('status', 'string'),
        requestId: of(REQUEST_ID, 'text'),
        latency,
        batch,
        gpu,
        memory,
      };
      this.standard = usual ? standard : null;
    }
    return this.standard;
  }

  /** Are the standard columns of their usual kinds (so that appendRows can append)? */
  hasStandardColumns(): boolean {
    return this.resolveStandard() !== null;
  }

  /** The dictionary of a standard string column (model, status), for parsers that append by code. */
  standardDictionary(name: 'model' | 'status'): DictionaryColumn | undefined {
    const column = this.resolveStandard()?.[name];
    return column;
  }

  /**
   * Appends rows [from, to) of a batch (standard fields with strings as codes of the batch's own dictionaries,
   * mapped to the store's by `modelMap` / `statusMap`; extra fields): the rows append() makes of the same values.
   * `source`: the file the rows' lines are in (their request ids are read back from it), or null when the
   * batch holds the ids.
   */
  appendRows(
    batch: RowBatch,
    from: number,
    to: number,
    modelMap: Uint32Array,
    statusMap: Uint32Array,
    source: LineSource | null
  ): void {
    const std = this.resolveStandard();
    if (std === null || to <= from) {
      if (std === null) {
        throw new Error('the standard columns have changed kind'); // append() never does that
      }
      return;
    }
    // A column a projection leaves out is not there: its values (not filled by the scanner either) are passed by.
    std.model?.pushMappedCodes(batch.model, from, to, modelMap);
    std.status?.pushMappedCodes(batch.status, from, to, statusMap);
    std.latency?.pushValues(batch.latency, from, to);
    std.batch?.pushValues(batch.batch, from, to);
    std.gpu?.pushValues(batch.gpu, from, to);
    std.memory?.pushValues(batch.memory, from, to);
    if (std.requestId && source) {
      std.requestId.pushOffsets(source, batch.lineOffset, from, to);
    } else if (std.requestId) {
      for (let i = from; i < to; i++) {
        std.requestId.push(batch.ids?.[i] ?? null);
      }
    }
    for (const extra of batch.extras ?? []) {
      if (extra.firstRow >= to) {
        break; // this and the later ones have no value in these rows
      }
      if (!this.columns.lacks(extra.name)) {
        this.appendExtra(extra, from, to);
      }
    }
    const length = this.length + (to - from);
    for (const column of this.columns.values()) {
      if (column.length < length) {
        column.pushMissing(length - column.length); // fields these rows do not have
      }
    }
    this.time.pushValues(batch.time, from, to);
    const time = batch.time;
    let newest = this.newestUs;
    for (let i = from; i < to; i++) {
      if (time[i] > newest) {
        newest = time[i];
      }
    }
    this.newestUs = newest;
    if (this.loadsErrors) {
      this.flags.pushFlags(batch.errors, from, to);
    }
    this.length += to - from;
  }

  /**
   * Appends rows [from, to) of a batch's extra field as append() would: the column created at its first value (in
   * the order the batch lists them), numbers in bulk, a number column turned into text at the first text, texts
   * learned in row order.
   */
  private appendExtra(extra: ExtraColumn, from: number, to: number): void {
    const { name, kinds, values, texts } = extra;
    let column = this.columns.get(name);
    if (column === undefined) {
      let first = Math.max(from, extra.firstRow);
      while (first < to && kinds[first] === EXTRA_MISSING) {
        first++;
      }
      if (first === to) {
        return;
      }
      column = kinds[first] === EXTRA_NUMBER ? new NumberColumn() : new DictionaryColumn();
      column.pushMissing(this.length);
      this.columns.set(name, column);
      this.columnsChanged++;
    }
    let row = from;
    if (column.kind === 'number') {
      let stop = to;
      if (texts.length > 0) {
        stop = from;
        while (stop < to && kinds[stop] !== EXTRA_TEXT) {
          stop++;
        }
      }
      column.pushValues(values, from, stop);
      if (stop === to) {
        return;
      }
      column = this.toStringColumn(name, column);
      row = stop;
    }
    if (!(column instanceof DictionaryColumn)) {
      throw new Error(`${name} is not an extra field`); // the request id: never named so by a batch
    }
    let known = this.textCodes.get(extra);
    if (known?.column !== column) {
      known = { column, codes: new Uint32Array(texts.length + 1) };
      this.textCodes.set(extra, known);
    }
    const codes = known.codes;
    for (; row < to; row++) {
      const kind = kinds[row];
      if (kind === EXTRA_TEXT) {
        const local = values[row];
        codes[local] ||= column.codeOf(texts[local - 1]);
        column.pushCode(codes[local]);
      } else {
        column.pushCode(kind === EXTRA_NUMBER ? column.codeOf(String(values[row])) : 0);
      }
    }
  }

  /**
   * Room for about `rows` more rows in every column, so that a large read does not grow (copy) them again and
   * again; trim() gives back what was not used.
   */
  makeRoom(rows: number): void {
    this.time.makeRoom(rows);
    if (this.loadsErrors) {
      this.flags.makeRoom(rows);
    }
    for (const column of this.columns.values()) {
      column.makeRoom(rows);
    }
  }

  /** The newest request's time (µs), for retention by age. */
  newestUs = -Infinity;
  /** Requests dropped by retention so far. */
  expired = 0;

  /** Rows per block of the time index. */
  static readonly TIME_BLOCK = 4096;
  private blockMin = new Float64Array(16);
  private blockMax = new Float64Array(16);
  /** Rows the time index covers (a partial last block is recomputed as it fills). */
  private indexedRows = 0;

  /**
   * The time index: the least and greatest time of each block of TIME_BLOCK rows (block b holds rows
   * [b·TIME_BLOCK, (b+1)·TIME_BLOCK)). Logs are written nearly in time order, so a time range touches few
   * blocks and a query skips the rest. Brought up to date on each call.
   */
  timeIndex(): { min: Float64Array; max: Float64Array; blockSize: number } {
    const n = this.length;
    const size = Store.TIME_BLOCK;
    const blocks = Math.ceil(n / size);
    if (blocks > this.blockMin.length) {
      const capacity = Math.max(blocks, this.blockMin.length * 2);
      const min = new Float64Array(capacity);
      const max = new Float64Array(capacity);
      min.set(this.blockMin);
      max.set(this.blockMax);
      this.blockMin = min;
      this.blockMax = max;
    }
    const time = this.time.values();
    for (let b = Math.floor(this.indexedRows / size); b < blocks; b++) {
      let lo = Infinity;
      let hi = -Infinity;
      const end = Math.min(n, (b + 1) * size);
      for (let row = b * size; row < end; row++) {
        const t = time[row];
        if (t < lo) {
          lo = t;
        }
        if (t > hi) {
          hi = t;
        }
      }
      this.blockMin[b] = lo;
      this.blockMax[b] = hi;
    }
    this.indexedRows = n;
    return { min: this.blockMin.subarray(0, blocks), max: this.blockMax.subarray(0, blocks), blockSize: size };
  }

  /**
   * Gives back the columns' growth room: after a bulk load the store holds only its rows. Appends after it
   * grow the columns again as usual.
   */
  trim(): void {
    this.time.trim();
    this.flags.trim();
    for (const column of this.columns.values()) {
      column.trim();
    }
  }

  /**
   * The restart cache put rows in place (columns restored or replaced, `length` set): columns are resolved again,
   * the time index is rebuilt.
   */
  rowsReplaced(): void {
    this.columnsChanged++;
    this.indexedRows = 0;
    this.derived.clear();
  }

  /** Drops the first `count` rows, the oldest read. */
  dropFront(count: number): void {
    const n = Math.min(count, this.length);
    if (n <= 0) {
      return;
    }
    this.indexedRows = 0;
    this.derived.clear(); // computed again for the rows that stay
    this.time.dropFront(n);
    if (this.loadsErrors) {
      this.flags.dropFront(n);
    }
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

  /** A numeric field's column: one the logs have, or one derived from them (derived.ts). */
  numberColumn(name: string): NumberColumn | undefined {
    const column = this.columns.get(name);
    if (column) {
      return column.kind === 'number' ? column : undefined;
    }
    return this.derivedColumn(name);
  }

  /** Derived columns computed so far (rows [0, length) of each); kept apart, so that appends pass them by. */
  private readonly derived = new Map<string, NumberColumn>();

  /** A derived field's column, brought up to the store's rows; undefined when an input is not a numeric field. */
  private derivedColumn(name: string): NumberColumn | undefined {
    const field = derivedField(name);
    const inputs = field?.inputs.map((input) => this.columns.get(input));
    if (!field || !inputs || inputs.some((c) => c?.kind !== 'number')) {
      return undefined;
    }
    const numbers = inputs as NumberColumn[];
    let column = this.derived.get(name);
    if (!column || column.length > this.length) {
      column = new NumberColumn({ float: true });
      this.derived.set(name, column);
    }
    const values = new Float64Array(numbers.length);
    for (let row = column.length; row < this.length; row++) {
      for (let i = 0; i < numbers.length; i++) {
        values[i] = numbers[i].get(row);
      }
      column.push(field.value(values));
    }
    return column;
  }

  stringColumn(name: string): DictionaryColumn | RequestIdColumn | undefined {
    const column = this.columns.get(name);
    return column && column.kind !== 'number' ? column : undefined;
  }

  /** Fields by kind, for editors and template variables. */
  fields(): Array<{ name: string; type: 'number' | 'string' }> {
    const list: Array<{ name: string; type: 'number' | 'string' }> = [];
    for (const [name, column] of this.columns) {
      list.push({ name, type: column.kind === 'number' ? 'number' : 'string' });
    }
    // (peek: a projected store lists what it holds, without throwing for what it left out)
    for (const field of DERIVED_FIELDS) {
      if (
        !this.columns.peek(field.name) &&
        field.inputs.every((input) => this.columns.peek(input)?.kind === 'number')
      ) {
        list.push({ name: field.name, type: 'number' });
      }
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
    this.columnsChanged++;
    return strings;
  }
}
