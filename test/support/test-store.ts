/** Test helper: builds stores from records, and reads answers back. */
import type { DataFrameJSON } from '@grafana/data';
import { LineParser, SourceConfig } from '../../pkg/sources/parse-line';
import { DictionaryColumn } from '../../pkg/store/columns';
import { Store } from '../../pkg/store/store';
import { Frame, FrameField } from '../../pkg/engine/frames';

/** A log record as a test writes it: any JSON object. */
export type LogRecord = Record<string, unknown>;

/** A store holding `records`, each parsed as one JSON log line; raw strings are parsed as they are. */
export function storeOf(records: Array<LogRecord | string>, config: SourceConfig = {}): Store {
  const store = new Store();
  const parser = new LineParser(store, config);
  for (const record of records) {
    parser.parse(typeof record === 'string' ? record : JSON.stringify(record));
  }
  return store;
}

/**
 * Everything a store holds, as plain values (NaN kept as the string 'NaN', -0 as '-0'), dictionaries in code
 * order too: for tests that two ways of reading logs build the same store.
 */
export function storeSnapshot(store: Store): unknown {
  const plain = (v: unknown): unknown =>
    typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v) : v;
  const columns: Record<string, unknown> = {};
  for (const [name, column] of store.columns) {
    const values: unknown[] = [];
    for (let row = 0; row < column.length; row++) {
      values.push(plain(column.get(row)));
    }
    // Dictionaries in code order too: a value the full path never stores must not be learned by the scanner.
    const dictionary = column instanceof DictionaryColumn ? [...column.dictionary] : undefined;
    columns[name] = { kind: column.kind, values, dictionary };
  }
  return {
    length: store.length,
    time: Array.from(store.time.values(), plain),
    errors: Array.from(store.errors.values()),
    columns,
    columnOrder: [...store.columns.keys()],
    skipped: store.skipped,
    invalidValues: store.invalidValues,
    newestUs: store.newestUs,
  };
}

/** Epoch ms of an ISO time, for readable test data. */
export function ms(iso: string): number {
  return Date.parse(iso);
}

/** A request at `t` (ISO or epoch ms) with defaults for the fields a test does not care about. */
export function req(t: string | number, fields: LogRecord = {}): LogRecord {
  return {
    timestamp: typeof t === 'number' ? new Date(t).toISOString() : t,
    model: 'm',
    latency_ms: 1,
    status: 'success',
    ...fields,
  };
}

/** The field of an unencoded frame by name; throws if absent. */
export function field(frame: Frame, name: string): FrameField {
  const found = frame.fields.find((f) => f.name === name);
  if (!found) {
    throw new Error(`no field ${name} in ${frame.fields.map((f) => f.name).join(', ')}`);
  }
  return found;
}

/** The values of a field of an unencoded frame, as a plain array. */
export function values(frame: Frame, name: string): Array<string | number | null> {
  return Array.from(field(frame, name).values as ArrayLike<string | number | null>);
}

/** The numbers of a field of an unencoded frame (NaN stays NaN). */
export function numbers(frame: Frame, name: string): number[] {
  return Array.from(field(frame, name).values as ArrayLike<number>);
}

/** The values of a field of an encoded frame by name. */
export function jsonValues(frame: DataFrameJSON, name: string): unknown[] {
  const i = frame.schema!.fields.findIndex((f) => f.name === name);
  if (i < 0) {
    throw new Error(`no field ${name}`);
  }
  return frame.data!.values[i];
}

/** The field names of an encoded frame. */
export function jsonFieldNames(frame: DataFrameJSON): string[] {
  return frame.schema!.fields.map((f) => f.name);
}
